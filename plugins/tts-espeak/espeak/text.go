package espeak

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	linkRE  = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
	emailRE = regexp.MustCompile(`\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b`)
	// markupRE is WhatsApp's emphasis markers around words (*negrita*, _cursiva_, ~tachado~).
	markupRE = regexp.MustCompile("[*_~`]+")
)

// speakable is what is said of a reply: links, e-mail addresses, emphasis markers and
// emoji removed (the guest reads them in the text that always goes too), whitespace folded.
func speakable(text string) string {
	text = linkRE.ReplaceAllString(text, " ")
	text = emailRE.ReplaceAllString(text, " ")
	text = markupRE.ReplaceAllString(text, "")
	text = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || unicode.Is(unicode.Cs, r) ||
			r == '\u200d' || r == '\ufe0f' || unicode.Is(unicode.Co, r):
			return -1
		}
		return r
	}, text)
	return strings.Join(strings.Fields(text), " ")
}

// sentences splits text after ., !, ?, … or ; followed by a space, keeping the marks.
func sentences(text string) []string {
	var out []string
	runes := []rune(text)
	start := 0
	for i, r := range runes {
		if !strings.ContainsRune(".!?…;", r) {
			continue
		}
		if i+1 < len(runes) && runes[i+1] != ' ' {
			continue // "1.500", "5.30 h"
		}
		if s := strings.TrimSpace(string(runes[start : i+1])); s != "" {
			out = append(out, s)
		}
		start = i + 1
	}
	if s := strings.TrimSpace(string(runes[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

// firstSentences keeps the leading sentences of text within maxChars characters: the
// whole text when it fits, "" when not even the first sentence does.
func firstSentences(text string, maxChars int) string {
	if len([]rune(text)) <= maxChars {
		return text
	}
	var kept []string
	n := 0
	for _, s := range sentences(text) {
		l := len([]rune(s))
		if len(kept) > 0 {
			l++ // the space between sentences
		}
		if n+l > maxChars {
			break
		}
		kept = append(kept, s)
		n += l
	}
	return strings.Join(kept, " ")
}
