package icsnorm

import (
	"fmt"
	"strings"

	ical "github.com/emersion/go-ical"
)

// document is what the reader found: every VCALENDAR's children merged (a few producers
// concatenate calendars), and the calendar-level properties of the first one.
type document struct {
	calendar *ical.Component
	warnings []Warning
}

// topLevel are the components that only a VCALENDAR may hold (RFC 5545 3.6, RFC 7953).
var topLevel = map[string]bool{
	ical.CompEvent: true, ical.CompToDo: true, ical.CompJournal: true, ical.CompFreeBusy: true,
	ical.CompTimezone: true, "VAVAILABILITY": true,
}

// maxTreeWarnings keeps a garbage-filled body from producing megabytes of warnings.
const maxTreeWarnings = 20

// parseDocument builds the component tree and applies R11: a body that does not open
// with BEGIN:VCALENDAR is ErrNotICalendar, one whose calendar never closes ErrTruncated.
// Anything else malformed (a line without a colon, a stray END) is skipped with a
// warning, so one bad line never costs the rest of the feed.
func parseDocument(lines []logicalLine) (*document, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotICalendar)
	}
	first, ok := parseContentLine(lines[0].text)
	if !ok || first.Name != "BEGIN" || !strings.EqualFold(strings.TrimSpace(first.Value), ical.CompCalendar) {
		return nil, fmt.Errorf("%w: body starts with %q", ErrNotICalendar, preview(lines[0].text))
	}
	doc := &document{}
	warn := func(line int, format string, args ...any) {
		if len(doc.warnings) < maxTreeWarnings {
			doc.warnings = append(doc.warnings, Warning{Code: CodeMalformed, Line: line, Message: fmt.Sprintf(format, args...)})
		}
	}
	var stack []*ical.Component
	for _, ln := range lines {
		prop, ok := parseContentLine(ln.text)
		if !ok {
			if len(stack) > 0 {
				warn(ln.line, "malformed content line skipped: %q", preview(ln.text))
			}
			continue
		}
		switch prop.Name {
		case "BEGIN":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			if len(stack) == 0 {
				if name != ical.CompCalendar {
					continue // junk after the last END:VCALENDAR
				}
				if doc.calendar == nil {
					doc.calendar = ical.NewComponent(name)
				}
				stack = append(stack, doc.calendar)
				continue
			}
			if name == ical.CompCalendar || topLevel[name] {
				// A VEVENT cannot nest in a VEVENT, a VTODO or an X- component: what is
				// still open there was never closed (a missing END, or a typo like
				// END:VTOOD). Close it so this component and every later one are read.
				cal := len(stack) - 1
				for stack[cal].Name != ical.CompCalendar {
					cal--
				}
				if open := len(stack) - 1 - cal; open > 0 {
					warn(ln.line, "BEGIN:%s closes %d unclosed component(s)", name, open)
					stack = stack[:cal+1]
				}
			}
			if name == ical.CompCalendar {
				// A calendar pasted inside another: its events join the one calendar,
				// and it still needs its own END.
				stack = append(stack, doc.calendar)
				continue
			}
			comp := ical.NewComponent(name)
			parent := stack[len(stack)-1]
			parent.Children = append(parent.Children, comp)
			stack = append(stack, comp)
		case "END":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			at := -1
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].Name == name {
					at = i
					break
				}
			}
			if at < 0 {
				if len(stack) > 0 {
					warn(ln.line, "END:%s without BEGIN skipped", name)
				}
				continue
			}
			if at != len(stack)-1 {
				warn(ln.line, "END:%s closes %d unclosed component(s)", name, len(stack)-1-at)
			}
			stack = stack[:at]
		default:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			top.Props[prop.Name] = append(top.Props[prop.Name], prop)
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("%w: no END:VCALENDAR (%d component(s) left open)", ErrTruncated, len(stack))
	}
	return doc, nil
}

func preview(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	r := []rune(s)
	if len(r) > limit {
		r = r[:limit]
	}
	return string(r) + "…"
}
