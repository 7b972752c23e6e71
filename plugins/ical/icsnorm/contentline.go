package icsnorm

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	ical "github.com/emersion/go-ical"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// fromUTF16 decodes a body that starts with a UTF-16 byte order mark (FF FE little
// endian, FE FF big endian: Windows tools save calendars so) into UTF-8, BOM dropped;
// any other body is returned as it is. An odd last byte is dropped and unpaired
// surrogates become U+FFFD.
func fromUTF16(body []byte) []byte {
	if len(body) < 2 {
		return body
	}
	var little bool
	switch {
	case body[0] == 0xFF && body[1] == 0xFE:
		little = true
	case body[0] == 0xFE && body[1] == 0xFF:
	default:
		return body
	}
	units := make([]uint16, (len(body)-2)/2)
	for i := range units {
		lo, hi := body[2+2*i], body[3+2*i]
		if !little {
			lo, hi = hi, lo
		}
		units[i] = uint16(lo) | uint16(hi)<<8
	}
	out := make([]byte, 0, len(units)+len(units)/8)
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out
}

// logicalLine is one unfolded content line and the physical line it started on.
type logicalLine struct {
	text string
	line int
}

// unfold splits body into logical lines (R14): it drops a UTF-8 BOM, accepts CRLF and
// LF-only ends, skips blank lines, and joins a line starting with a space or tab to the
// previous one by removing the line break and that one character. Joining happens on
// bytes, so a multi-byte character split across a fold is whole again before the text
// is checked as UTF-8; invalid sequences left after that become U+FFFD.
func unfold(body []byte) []logicalLine {
	body = bytes.TrimPrefix(body, utf8BOM)
	var (
		out     []logicalLine
		cur     []byte // pending logical line; aliases body until a fold forces a copy
		copied  bool
		curLine int
	)
	flush := func() {
		if cur == nil {
			return
		}
		out = append(out, logicalLine{text: toValidString(cur), line: curLine})
		cur, copied = nil, false
	}
	lineNo := 0
	for len(body) > 0 {
		lineNo++
		var phys []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			phys, body = body[:i], body[i+1:]
		} else {
			phys, body = body, nil
		}
		phys = bytes.TrimSuffix(phys, []byte{'\r'})
		if len(phys) == 0 {
			continue
		}
		if phys[0] == ' ' || phys[0] == '\t' {
			if cur == nil {
				// A continuation with nothing to continue: read it as its own line.
				cur, curLine = bytes.TrimLeft(phys, " \t"), lineNo
				continue
			}
			if !copied {
				cur = append(make([]byte, 0, len(cur)+len(phys)+64), cur...)
				copied = true
			}
			cur = append(cur, phys[1:]...)
			continue
		}
		flush()
		cur, curLine = phys, lineNo
	}
	flush()
	return out
}

func toValidString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// parseContentLine reads `NAME *(;PARAM=VALUE *(,VALUE)) : VALUE` (R15): names are
// upper-cased, quoted parameter values may hold ':' ';' ',', and the value is kept raw
// (unescaping is the reader's job, per value type). ok is false for a line with no
// name or no colon.
func parseContentLine(s string) (prop ical.Prop, ok bool) {
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return prop, false
	}
	name := strings.ToUpper(strings.TrimSpace(s[:i]))
	if name == "" {
		return prop, false
	}
	prop.Name = name
	s = s[i:]
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		var pname string
		var values []string
		pname, values, s = parseParam(s)
		if pname != "" {
			if prop.Params == nil {
				prop.Params = make(ical.Params, 2)
			}
			prop.Params[pname] = append(prop.Params[pname], values...)
		}
	}
	if len(s) == 0 || s[0] != ':' {
		return prop, false
	}
	prop.Value = s[1:]
	if prop.Params == nil {
		prop.Params = ical.Params{}
	}
	return prop, true
}

// parseParam reads one parameter after its ';' and returns what follows it (starting
// at the next ';' or ':'). A parameter without '=' yields an empty name and is dropped.
func parseParam(s string) (name string, values []string, rest string) {
	end := strings.IndexAny(s, "=;:")
	if end < 0 {
		return "", nil, ""
	}
	if s[end] != '=' {
		return "", nil, s[end:]
	}
	name = strings.ToUpper(strings.TrimSpace(s[:end]))
	s = s[end+1:]
	for {
		var v string
		if len(s) > 0 && s[0] == '"' {
			closeAt := strings.IndexByte(s[1:], '"')
			if closeAt < 0 {
				// Unterminated quote: the rest cannot be trusted as a value.
				return "", nil, ""
			}
			v, s = s[1:1+closeAt], s[2+closeAt:]
			// Tolerate junk between the closing quote and the next delimiter.
			if j := strings.IndexAny(s, ",;:"); j > 0 {
				s = s[j:]
			}
		} else {
			j := strings.IndexAny(s, ",;:")
			if j < 0 {
				return "", nil, ""
			}
			v, s = s[:j], s[j:]
		}
		values = append(values, v)
		if len(s) > 0 && s[0] == ',' {
			s = s[1:]
			continue
		}
		return name, values, s
	}
}
