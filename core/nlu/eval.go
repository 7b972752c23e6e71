package nlu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// ErrBadLine is wrapped by errors about an unreadable input line.
var ErrBadLine = errors.New("bad input line")

// Line is one input message with its reference instant and, in a labelled file, the
// gold fields (raw JSON, present only when the line states them).
type Line struct {
	No   int
	ID   string
	Text string
	Ref  time.Time
	Gold map[string]json.RawMessage
}

// scoredFields are the contract fields an evaluation compares, in report order.
var scoredFields = []string{"intent", "check_in", "check_out", "guests", "adults", "children", "unit_type", "amenities", "ambiguous"}

// ReadLines reads JSON lines {"text": ..., "ref": ...}; unknown fields are kept as gold
// values when they name a contract field, and ignored otherwise. A missing ref means
// defaultRef.
func ReadLines(r io.Reader, defaultRef time.Time) ([]Line, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []Line
	no := 0
	for sc.Scan() {
		no++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		l, err := ParseLine(raw, no, defaultRef)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read lines: %w", err)
	}
	return out, nil
}

// ParseLine reads one JSON line {"text": ..., "ref": ...} (no is its line number, for
// errors). Fields naming a contract field are kept as gold values; others are ignored.
// A missing or null ref means defaultRef.
func ParseLine(raw []byte, no int, defaultRef time.Time) (Line, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Line{}, fmt.Errorf("line %d: %w: %w", no, ErrBadLine, err)
	}
	l := Line{No: no, Ref: defaultRef, Gold: map[string]json.RawMessage{}}
	if err := json.Unmarshal(m["text"], &l.Text); err != nil {
		return Line{}, fmt.Errorf("line %d: %w: text must be a string", no, ErrBadLine)
	}
	if v, ok := m["id"]; ok {
		_ = json.Unmarshal(v, &l.ID)
	}
	if v, ok := m["ref"]; ok && string(v) != "null" {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return Line{}, fmt.Errorf("line %d: %w: ref must be an RFC 3339 string", no, ErrBadLine)
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return Line{}, fmt.Errorf("line %d: %w: ref %q is not RFC 3339", no, ErrBadLine, s)
		}
		l.Ref = t
	}
	for _, f := range scoredFields {
		if v, ok := m[f]; ok {
			l.Gold[f] = v
		}
	}
	return l, nil
}

// FieldScore is the accuracy of one field over the lines that state it.
type FieldScore struct {
	Field   string
	Correct int
	Total   int
}

// Accuracy is Correct/Total (1 when nothing was scored).
func (f FieldScore) Accuracy() float64 {
	if f.Total == 0 {
		return 1
	}
	return float64(f.Correct) / float64(f.Total)
}

// Failure is one line with at least one wrong field.
type Failure struct {
	Line   Line
	Result Result
	Wrong  map[string][2]string // field → {gold, got}
}

// Report is the outcome of Evaluate.
type Report struct {
	Fields    []FieldScore
	Labels    []string
	Confusion map[string]map[string]int // gold → predicted → count
	Failures  []Failure
	Lines     int
}

// Field returns the score of one field.
func (r *Report) Field(name string) FieldScore {
	for _, f := range r.Fields {
		if f.Field == name {
			return f
		}
	}
	return FieldScore{Field: name}
}

// Evaluate parses every line and compares the fields its gold states. Amenities and
// ambiguous are compared as sets.
func Evaluate(p *Parser, lines []Line) *Report {
	rep := &Report{Confusion: map[string]map[string]int{}, Lines: len(lines)}
	scores := map[string]*FieldScore{}
	for _, f := range scoredFields {
		scores[f] = &FieldScore{Field: f}
	}
	labels := map[string]bool{}
	for _, l := range lines {
		res := p.Parse(l.Text, l.Ref)
		got := contractValues(res)
		wrong := map[string][2]string{}
		for _, f := range scoredFields {
			g, ok := l.Gold[f]
			if !ok {
				continue
			}
			gold := canonical(f, g)
			s := scores[f]
			s.Total++
			if gold == got[f] {
				s.Correct++
			} else {
				wrong[f] = [2]string{gold, got[f]}
			}
		}
		if g, ok := l.Gold["intent"]; ok {
			var gi string
			_ = json.Unmarshal(g, &gi)
			labels[gi], labels[res.Intent] = true, true
			if rep.Confusion[gi] == nil {
				rep.Confusion[gi] = map[string]int{}
			}
			rep.Confusion[gi][res.Intent]++
		}
		if len(wrong) > 0 {
			rep.Failures = append(rep.Failures, Failure{Line: l, Result: res, Wrong: wrong})
		}
	}
	for _, f := range scoredFields {
		rep.Fields = append(rep.Fields, *scores[f])
	}
	for l := range labels {
		rep.Labels = append(rep.Labels, l)
	}
	sort.Strings(rep.Labels)
	return rep
}

// contractValues renders each contract field of a result in canonical JSON.
func contractValues(r Result) map[string]string {
	c := r.Contract()
	b, _ := json.Marshal(c)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	out := map[string]string{}
	for _, f := range scoredFields {
		out[f] = canonical(f, m[f])
	}
	return out
}

// canonical normalizes a JSON value for comparison: sets sorted, null and absent equal.
func canonical(field string, v json.RawMessage) string {
	if len(v) == 0 {
		return "null"
	}
	if field == "amenities" || field == "ambiguous" {
		var xs []string
		if err := json.Unmarshal(v, &xs); err == nil {
			slices.Sort(xs)
			if xs == nil {
				xs = []string{}
			}
			b, _ := json.Marshal(xs)
			return string(b)
		}
	}
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return string(v)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// WriteText prints the report: per-field accuracy, the intent confusion matrix (rows
// gold, columns predicted) and the failing lines.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "lines: %d\n\nfield accuracy:\n", r.Lines)
	for _, f := range r.Fields {
		if f.Total == 0 {
			fmt.Fprintf(&b, "  %-10s       -   (not in gold)\n", f.Field)
			continue
		}
		fmt.Fprintf(&b, "  %-10s %6.1f%%  (%d/%d)\n", f.Field, 100*f.Accuracy(), f.Correct, f.Total)
	}
	if len(r.Labels) > 0 {
		b.WriteString("\nintent confusion (rows: gold, columns: predicted):\n")
		abbr := make([]string, len(r.Labels))
		for i, l := range r.Labels {
			abbr[i] = l
			if len(l) > 6 {
				abbr[i] = l[:6]
			}
		}
		fmt.Fprintf(&b, "  %-19s", "")
		for _, a := range abbr {
			fmt.Fprintf(&b, " %6s", a)
		}
		b.WriteString("\n")
		for _, g := range r.Labels {
			row := r.Confusion[g]
			if row == nil {
				continue
			}
			fmt.Fprintf(&b, "  %-19s", g)
			for _, p := range r.Labels {
				if n := row[p]; n > 0 {
					fmt.Fprintf(&b, " %6d", n)
				} else {
					fmt.Fprintf(&b, " %6s", ".")
				}
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\nfailing lines: %d\n", len(r.Failures))
	for _, f := range r.Failures {
		id := f.Line.ID
		if id == "" {
			id = fmt.Sprintf("line %d", f.Line.No)
		}
		fmt.Fprintf(&b, "- %s %q (ref %s)\n", id, f.Line.Text, f.Line.Ref.Format(time.RFC3339))
		fields := make([]string, 0, len(f.Wrong))
		for k := range f.Wrong {
			fields = append(fields, k)
		}
		slices.SortFunc(fields, func(a, b string) int { return slices.Index(scoredFields, a) - slices.Index(scoredFields, b) })
		for _, k := range fields {
			fmt.Fprintf(&b, "    %-10s want %s, got %s\n", k, f.Wrong[k][0], f.Wrong[k][1])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
