package mailmsg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers every charset of golang.org/x/text
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Bounds on one message.
const (
	MaxParts     = 64
	MaxDepth     = 8
	MaxPartBytes = 4 << 20
)

// ErrNotMessage means the bytes do not start with a header block.
var ErrNotMessage = errors.New("not an RFC 5322 message")

// Address is one mailbox of an address header.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Message is a decoded message.
type Message struct {
	Header     textproto.Header
	Subject    string
	From       []Address
	Sender     []Address
	ReplyTo    []Address
	To         []Address
	ReturnPath string // as written, e.g. "<>" or "<bounce@x>"
	MessageID  string // with angle brackets
	InReplyTo  []string
	References []string
	Date       time.Time // zero when missing or unreadable
	MediaType  string

	// Text is the first inline text/plain part (format=flowed joined); HTMLText is the
	// first text/html part rendered as text, HTMLLinks its hrefs.
	Text      string
	HTMLText  string
	HTMLLinks []string
	// Attachments names the other leaf parts ("image/png photo.png").
	Attachments []string
	// Report is set for delivery reports (multipart/report) and for a message/rfc822 or
	// text/rfc822-headers part anywhere in the message.
	Report *Report
	// Defects lists what was wrong with the MIME structure and was dropped or repaired.
	Defects []string
}

// Report is what a delivery status notification says.
type Report struct {
	// Recipients are the Final-Recipient (or Original-Recipient) addresses.
	Recipients []string
	// Status is the first Status field (e.g. 5.1.1), Diagnostic the first
	// Diagnostic-Code.
	Status     string
	Diagnostic string
	// Returned holds the headers of the returned message, when it came back.
	Returned *textproto.Header
}

// Get returns a header field's raw value ("" when absent).
func (m *Message) Get(key string) string { return m.Header.Get(key) }

// Has says whether a header field is present (even empty).
func (m *Message) Has(key string) bool { return m.Header.Has(key) }

// Body is the text to read: the text/plain alternative when it has words, else the
// HTML rendered as text.
func (m *Message) Body() string {
	if strings.TrimSpace(m.Text) != "" {
		return m.Text
	}
	return m.HTMLText
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	if message.CharsetReader == nil {
		return nil, fmt.Errorf("charset %q unsupported", charset)
	}
	return message.CharsetReader(charset, input)
}}

// DecodeHeader decodes RFC 2047 encoded words; undecodable text is kept as written.
func DecodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// Parse decodes one message. It fails only when there is no header block at all; MIME
// damage below the top-level header is reported in Defects.
func Parse(raw []byte) (*Message, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotMessage, err)
	}
	m := &Message{Header: h}
	m.readHeaders()
	p := &parser{m: m}
	ent, err := message.New(message.Header{Header: h}, br)
	if err != nil && ent == nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	if err != nil {
		m.Defects = append(m.Defects, err.Error())
	}
	m.MediaType, _, _ = ent.Header.ContentType()
	p.walk(ent, 0, false)
	return m, nil
}

func (m *Message) readHeaders() {
	mh := gomail.Header{Header: message.Header{Header: m.Header}}
	if s, err := mh.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = m.Header.Get("Subject")
	}
	m.From = addresses(m.Header.Get("From"))
	m.Sender = addresses(m.Header.Get("Sender"))
	m.ReplyTo = addresses(m.Header.Get("Reply-To"))
	m.To = addresses(m.Header.Get("To"))
	m.ReturnPath = strings.TrimSpace(m.Header.Get("Return-Path"))
	if id, err := mh.MessageID(); err == nil && id != "" {
		m.MessageID = "<" + id + ">"
	}
	m.InReplyTo = msgIDs(mh, "In-Reply-To")
	m.References = msgIDs(mh, "References")
	if d, err := mail.ParseDate(strings.TrimSpace(m.Header.Get("Date"))); err == nil {
		m.Date = d
	}
}

func msgIDs(h gomail.Header, key string) []string {
	ids, _ := h.MsgIDList(key)
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, "<"+id+">")
	}
	return out
}

var addrParser = &mail.AddressParser{WordDecoder: wordDecoder}

// addresses parses an address list leniently: what net/mail cannot read as a list is
// read mailbox by mailbox, and a bare address inside <> is accepted.
func addresses(v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if list, err := addrParser.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: a.Name, Address: strings.ToLower(a.Address)})
		}
		return out
	}
	var out []Address
	for _, part := range strings.Split(v, ",") {
		if a, err := addrParser.Parse(part); err == nil {
			out = append(out, Address{Name: a.Name, Address: strings.ToLower(a.Address)})
			continue
		}
		if i, j := strings.LastIndexByte(part, '<'), strings.LastIndexByte(part, '>'); i >= 0 && j > i {
			addr := strings.TrimSpace(part[i+1 : j])
			if strings.Contains(addr, "@") {
				out = append(out, Address{Name: strings.Trim(strings.TrimSpace(DecodeHeader(part[:i])), `"`), Address: strings.ToLower(addr)})
			}
		}
	}
	return out
}

type parser struct {
	m     *Message
	parts int
}

func (p *parser) defect(format string, args ...any) {
	p.m.Defects = append(p.m.Defects, fmt.Sprintf(format, args...))
}

// walk visits one entity; inReturned marks parts of a returned message, which are never
// the message's own text.
func (p *parser) walk(e *message.Entity, depth int, inReturned bool) {
	p.parts++
	if p.parts > MaxParts {
		if p.parts == MaxParts+1 {
			p.defect("more than %d parts: the rest ignored", MaxParts)
		}
		return
	}
	if depth > MaxDepth {
		p.defect("parts nested deeper than %d ignored", MaxDepth)
		return
	}
	mediaType, params, err := e.Header.ContentType()
	if err != nil || mediaType == "" {
		mediaType = "text/plain"
	}
	if mr := e.MultipartReader(); mr != nil {
		if mediaType == "multipart/report" && p.m.Report == nil {
			p.m.Report = &Report{}
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil && part == nil {
				p.defect("%s: %v (parts read so far kept)", mediaType, err)
				return
			}
			if err != nil {
				p.defect("%s part: %v", mediaType, err)
			}
			p.walk(part, depth+1, inReturned)
		}
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, MaxPartBytes+1))
	if err != nil {
		p.defect("%s part dropped: %v", mediaType, err)
		return
	}
	if len(body) > MaxPartBytes {
		p.defect("%s part larger than %d bytes dropped", mediaType, MaxPartBytes)
		return
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	switch {
	case mediaType == "message/delivery-status":
		p.report().readStatus(body)
	case mediaType == "text/rfc822-headers" || mediaType == "message/rfc822-headers":
		if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(body, '\r', '\n')))); err == nil {
			p.report().Returned = &h
		}
	case mediaType == "message/rfc822" || mediaType == "message/global":
		inner, err := message.Read(bytes.NewReader(body))
		if inner == nil {
			p.defect("returned message unreadable: %v", err)
			return
		}
		h := inner.Header.Header
		p.report().Returned = &h
		p.walk(inner, depth+1, true)
	case inReturned:
		return
	case disp == "attachment":
		p.m.Attachments = append(p.m.Attachments, strings.TrimSpace(mediaType+" "+dparams["filename"]))
	case mediaType == "text/plain":
		if p.m.Text == "" && strings.TrimSpace(string(body)) != "" {
			text := normalizeNewlines(string(body))
			if strings.EqualFold(params["format"], "flowed") {
				text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
			}
			p.m.Text = text
		}
	case mediaType == "text/html":
		if p.m.HTMLText == "" {
			p.m.HTMLText, p.m.HTMLLinks = htmlToText(body)
		}
	default:
		p.m.Attachments = append(p.m.Attachments, strings.TrimSpace(mediaType+" "+dparams["filename"]))
	}
}

func (p *parser) report() *Report {
	if p.m.Report == nil {
		p.m.Report = &Report{}
	}
	return p.m.Report
}

// readStatus reads the per-message and per-recipient blocks of a message/delivery-status
// body (RFC 3464).
func (r *Report) readStatus(body []byte) {
	for _, line := range strings.Split(normalizeNewlines(string(body)), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "final-recipient", "original-recipient":
			if _, addr, ok := strings.Cut(v, ";"); ok {
				addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
				if addr != "" && !contains(r.Recipients, addr) {
					r.Recipients = append(r.Recipients, addr)
				}
			}
		case "status":
			if r.Status == "" {
				r.Status = v
			}
		case "diagnostic-code":
			if r.Diagnostic == "" {
				r.Diagnostic = v
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// unflow joins format=flowed lines (RFC 3676): a line ending in a space continues on the
// next one, except the signature separator "-- "; space-stuffing is removed.
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimPrefix(l, " ")
		if l != "-- " && strings.HasSuffix(l, " ") && i < len(lines)-1 {
			if delsp {
				l = l[:len(l)-1]
			}
			b.WriteString(l)
			continue
		}
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
