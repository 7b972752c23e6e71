package mailmsg

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders HTML as plain text: block elements and table cells are paragraphs
// (separated by a blank line), <br> ends a line, <script>/<style>/<head> are dropped, entities are decoded, and every href is
// returned (ids often live only in links).
func htmlToText(src []byte) (string, []string) {
	z := html.NewTokenizer(bytes.NewReader(src))
	var b strings.Builder
	var links []string
	skip := 0
	newline := func() {
		s := b.String()
		if len(s) > 0 && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return cleanLines(b.String()), links
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			t = strings.Map(func(r rune) rune {
				switch r {
				case '\n', '\r', '\t', '\u00a0':
					return ' '
				}
				return r
			}, t)
			b.WriteString(t)
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			case atom.A:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" && len(v) > 0 {
						links = append(links, string(v))
					}
				}
			case atom.Br:
				newline()
			case atom.P, atom.Div, atom.Tr, atom.Td, atom.Th, atom.Li, atom.Ul, atom.Ol,
				atom.Table, atom.Blockquote, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
				atom.Hr, atom.Pre, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Center:
				// A block starts and ends a paragraph: cells and rows read as paragraphs,
				// so a label and its value are separate lines either way.
				newline()
				b.WriteByte('\n')
			}
		}
	}
}

// cleanLines trims every line and collapses runs of blank lines to one.
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
