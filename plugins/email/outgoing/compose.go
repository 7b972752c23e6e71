package outgoing

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// Reply is one answer to write.
type Reply struct {
	From    mail.Address
	To      string
	Subject string
	// InReplyTo and References thread the answer; empty for a message that starts a
	// thread.
	InReplyTo  string
	References []string
	Text       string
	// NoLinks keeps URLs out of the HTML part (they are redacted from the text already
	// when the relay forbids them).
	NoLinks bool
	// Automatic marks the answer Auto-Submitted: auto-replied (RFC 3834).
	Automatic bool
	Date      time.Time
}

// NewMessageID returns a Message-ID of our domain in the form our thread detection
// recognises: <conserje.YYYYMMDDhhmmss.RANDOM@domain>.
func NewMessageID(domain string, now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("<conserje.%s.%s@%s>", now.UTC().Format("20060102150405"), hex.EncodeToString(b[:]), domain)
}

// Compose writes the RFC 5322 message of r with the given Message-ID.
func Compose(r Reply, messageID string) ([]byte, error) {
	var h mail.Header
	h.SetDate(r.Date)
	h.SetAddressList("From", []*mail.Address{&r.From})
	h.SetAddressList("To", []*mail.Address{{Address: r.To}})
	h.SetSubject(r.Subject)
	h.Set("Message-Id", messageID)
	if r.InReplyTo != "" {
		h.Set("In-Reply-To", r.InReplyTo)
	}
	if len(r.References) > 0 {
		h.Set("References", strings.Join(r.References, " "))
	}
	if r.Automatic {
		h.Set("Auto-Submitted", "auto-replied")
		// Ask Exchange and others not to answer our answer automatically.
		h.Set("X-Auto-Response-Suppress", "All")
	}
	var buf bytes.Buffer
	alt, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	if err := writePart(alt, "text/plain", r.Text); err != nil {
		return nil, err
	}
	if err := writePart(alt, "text/html", HTML(r.Text, !r.NoLinks)); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	return buf.Bytes(), nil
}

func writePart(alt *mail.InlineWriter, mediaType, body string) error {
	var ph mail.InlineHeader
	ph.SetContentType(mediaType, map[string]string{"charset": "utf-8"})
	ph.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := alt.CreatePart(ph)
	if err != nil {
		return fmt.Errorf("compose %s: %w", mediaType, err)
	}
	if _, err := io.WriteString(pw, body); err != nil {
		return fmt.Errorf("compose %s: %w", mediaType, err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("compose %s: %w", mediaType, err)
	}
	return nil
}

var urlRe = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)]`)

// HTML renders the answer's text as HTML: every character escaped (guest text may come
// back quoted), paragraphs and line breaks kept, URLs made links when allowed.
func HTML(text string, links bool) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"font-family:Arial,sans-serif;font-size:15px;line-height:1.45\">\n")
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = renderLine(l, links)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func renderLine(l string, links bool) string {
	if !links {
		return html.EscapeString(l)
	}
	var b strings.Builder
	last := 0
	for _, m := range urlRe.FindAllStringIndex(l, -1) {
		b.WriteString(html.EscapeString(l[last:m[0]]))
		u := html.EscapeString(l[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(l[last:]))
	return b.String()
}
