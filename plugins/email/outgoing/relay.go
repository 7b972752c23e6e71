package outgoing

import (
	"regexp"
	"strings"
)

var (
	bareURLRe = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+|\b[a-z0-9.\-]+\.(?:com|ar|net|org|io|link|me|app)(?:\.[a-z]{2})?/[^\s<>"]*`)
	addressRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	phoneRe   = regexp.MustCompile(`\+?\(?\d[\d ().\-]{6,20}\d`)
)

// Redaction is what an answer through a relay had removed.
type Redaction struct {
	Links, Addresses, Phones int
}

// Any says whether something was removed.
func (r Redaction) Any() bool { return r.Links+r.Addresses+r.Phones > 0 }

// RedactContacts removes URLs (payment links included), e-mail addresses and phone
// numbers: Airbnb removes them before a booking and forbids paying outside it, so an
// answer through its relay carries none (email-inquiries.md section 4). The dialog is
// expected not to write them; this is the channel's last line.
func RedactContacts(text string) (string, Redaction) {
	var r Redaction
	text = bareURLRe.ReplaceAllStringFunc(text, func(string) string { r.Links++; return "" })
	text = addressRe.ReplaceAllStringFunc(text, func(string) string { r.Addresses++; return "" })
	text = phoneRe.ReplaceAllStringFunc(text, func(s string) string {
		if digits(s) < 8 {
			return s // a price, a date or a time, not a phone
		}
		r.Phones++
		return ""
	})
	// Tidy the blanks the removals leave ("pagá acá:  ." → "pagá acá:").
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n"), r
}

func digits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}
