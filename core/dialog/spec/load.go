package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads every *.yaml file of dir (not its subfolders: dialogs/tests holds stories),
// checks each against the schema and merges them. The dialog is returned even with
// problems, as far as it could be read, so callers can report everything at once.
func Load(dir string) (*Dialog, Problems) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS is Load over a file system; prefix is how file names are shown in problems.
func LoadFS(fsys fs.FS, prefix string) (*Dialog, Problems) {
	d := &Dialog{Dir: prefix}
	var problems Problems
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return d, Problems{{Pos: Pos{File: prefix}, Message: fmt.Sprintf("read dialogs folder: %v", err)}}
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return d, Problems{{Pos: Pos{File: prefix}, Message: "no dialog files (*.yaml) found"}}
	}
	r := &reader{d: d}
	for _, n := range names {
		shown := filepath.Join(prefix, n)
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			problems = append(problems, Problem{Pos: Pos{File: shown}, Message: fmt.Sprintf("read: %v", err)})
			continue
		}
		d.Files = append(d.Files, shown)
		problems = append(problems, r.file(shown, data)...)
	}
	problems = append(problems, r.problems...)
	problems = append(problems, finishSettings(d)...)
	return d, problems
}

// ParseFile reads one dialog file's bytes (for tests and editors); name is shown in problems.
func ParseFile(name string, data []byte) (*Dialog, Problems) {
	d := &Dialog{Files: []string{name}}
	r := &reader{d: d}
	problems := r.file(name, data)
	problems = append(problems, r.problems...)
	problems = append(problems, finishSettings(d)...)
	return d, problems
}

type reader struct {
	d            *Dialog
	cur          string
	problems     Problems
	seenSettings bool
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (r *reader) file(name string, data []byte) Problems {
	r.cur = name
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		pos := Pos{File: name}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			pos.Column = 1
			// yaml.v3 reports these scanner errors on the line before the offending one
			if msg := err.Error(); strings.Contains(msg, "did not find expected") || strings.Contains(msg, "found a tab character") {
				pos.Line++
			}
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = yamlLine.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, ": ")
		return Problems{{Pos: pos, Message: "not valid YAML: " + msg}}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file declares nothing
	}
	root := doc.Content[0]
	problems := validateSchema(name, root)
	if root.Kind != yaml.MappingNode {
		return problems
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "intents":
			r.intents(val)
		case "slots":
			r.slots(val)
		case "flows":
			r.flows(val)
		case "settings":
			if r.seenSettings {
				r.problem(key, "settings are declared in more than one file")
				continue
			}
			r.seenSettings = true
			r.settings(val)
		}
	}
	return problems
}

func (r *reader) pos(n *yaml.Node) Pos { return Pos{File: r.cur, Line: n.Line, Column: n.Column} }

func (r *reader) problem(n *yaml.Node, format string, args ...any) {
	r.problems = append(r.problems, Problem{Pos: r.pos(n), Message: fmt.Sprintf(format, args...)})
}

// pairs calls fn for each key/value of a mapping; other kinds were reported by the schema.
func pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], resolve(n.Content[i+1]))
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func strs(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c = resolve(c); c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

func (r *reader) intents(n *yaml.Node) {
	pairs(n, func(k, v *yaml.Node) {
		if prev := r.d.Intent(k.Value); prev != nil {
			r.problem(k, "intent %q is already declared at %s", k.Value, prev.Pos)
			return
		}
		in := &Intent{Name: k.Value, Pos: r.pos(k)}
		pairs(v, func(fk, fv *yaml.Node) {
			switch fk.Value {
			case "description":
				in.Description = scalar(fv)
			case "examples":
				in.Examples = strs(fv)
			}
		})
		r.d.Intents = append(r.d.Intents, in)
	})
}

func (r *reader) slots(n *yaml.Node) {
	pairs(n, func(k, v *yaml.Node) {
		if prev := r.d.Slot(k.Value); prev != nil {
			r.problem(k, "slot %q is already declared at %s", k.Value, prev.Pos)
			return
		}
		s := &Slot{Name: k.Value, Pos: r.pos(k), Fields: Fields{}}
		pairs(v, func(fk, fv *yaml.Node) {
			s.Fields[fk.Value] = r.pos(fv)
			switch fk.Value {
			case "entity":
				s.Entity = scalar(fv)
			case "prompt":
				s.Prompt = scalar(fv)
			case "retry":
				s.Retry = scalar(fv)
			case "ambiguous":
				s.Ambiguous = scalar(fv)
			case "validate":
				s.Validate = scalar(fv)
			case "invalid":
				s.Invalid = scalar(fv)
			case "options":
				s.Options = scalar(fv)
			case "fills":
				s.Fills = map[string]string{}
				pairs(fv, func(sk, sv *yaml.Node) {
					s.Fills[sk.Value] = scalar(sv)
					s.FillOrder = append(s.FillOrder, sk.Value)
					s.Fields["fills."+sk.Value] = r.pos(sk)
				})
			}
		})
		r.d.Slots = append(r.d.Slots, s)
	})
}

func (r *reader) flows(n *yaml.Node) {
	pairs(n, func(k, v *yaml.Node) {
		if prev := r.d.Flow(k.Value); prev != nil {
			r.problem(k, "flow %q is already declared at %s", k.Value, prev.Pos)
			return
		}
		f := &Flow{Name: k.Value, Pos: r.pos(k), Fields: Fields{}}
		pairs(v, func(fk, fv *yaml.Node) {
			f.Fields[fk.Value] = r.pos(fv)
			switch fk.Value {
			case "description":
				f.Description = scalar(fv)
			case "intents":
				f.Intents = strs(fv)
				for i, c := range fv.Content {
					f.Fields[fmt.Sprintf("intents.%d", i)] = r.pos(c)
				}
			case "keywords":
				f.Keywords = strs(fv)
			case "interrupt":
				f.Interrupt = scalar(fv) == "true"
			case "reask":
				f.NoReask = scalar(fv) == "false"
			case "steps":
				if fv.Kind == yaml.SequenceNode {
					for _, sn := range fv.Content {
						f.Steps = append(f.Steps, r.step(resolve(sn)))
					}
				}
			}
		})
		r.d.Flows = append(r.d.Flows, f)
	})
}

func (r *reader) step(n *yaml.Node) *Step {
	s := &Step{Pos: r.pos(n), Fields: Fields{}}
	var kinds []StepKind
	pairs(n, func(fk, fv *yaml.Node) {
		s.Fields[fk.Value] = r.pos(fv)
		switch fk.Value {
		case "id":
			s.ID = scalar(fv)
		case "say":
			s.Say = scalar(fv)
			kinds = append(kinds, StepSay)
		case "ask":
			s.Ask = strs(fv)
			for i, c := range fv.Content {
				s.Fields[fmt.Sprintf("ask.%d", i)] = r.pos(c)
			}
			kinds = append(kinds, StepAsk)
		case "prompt":
			s.Prompt = scalar(fv)
		case "action":
			s.Action = scalar(fv)
			kinds = append(kinds, StepAction)
		case "as":
			s.As = scalar(fv)
		case "with":
			s.With = map[string]string{}
			pairs(fv, func(wk, wv *yaml.Node) {
				s.With[wk.Value] = scalar(wv)
				s.Fields["with."+wk.Value] = r.pos(wv)
			})
		case "if":
			s.If = scalar(fv)
			kinds = append(kinds, StepIf)
		case "then":
			s.Then = scalar(fv)
		case "else":
			s.Else = scalar(fv)
		case "goto":
			s.Goto = scalar(fv)
			kinds = append(kinds, StepGoto)
		case "handoff":
			s.Handoff = scalar(fv)
			kinds = append(kinds, StepHandoff)
		case "night":
			s.Night = scalar(fv)
		case "reason":
			s.Reason = scalar(fv)
		case "end":
			kinds = append(kinds, StepEnd)
		case "clear":
			s.Clear = strs(fv)
		case "buttons":
			s.Buttons = r.buttons(fv)
		}
	})
	if len(kinds) == 1 {
		s.Kind = kinds[0]
	}
	return s
}

func (r *reader) buttons(n *yaml.Node) *Buttons {
	b := &Buttons{Pos: r.pos(n)}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			c = resolve(c)
			sb := StaticButton{Pos: r.pos(c), Fields: Fields{}}
			pairs(c, func(k, v *yaml.Node) {
				sb.Fields[k.Value] = r.pos(v)
				switch k.Value {
				case "id":
					sb.ID = scalar(v)
				case "title":
					sb.Title = scalar(v)
					sb.Pos = r.pos(v)
				case "flow":
					sb.Flow = scalar(v)
				case "if":
					sb.If = scalar(v)
				}
			})
			b.Static = append(b.Static, sb)
		}
	case yaml.MappingNode:
		pairs(n, func(k, v *yaml.Node) {
			switch k.Value {
			case "from":
				b.From = scalar(v)
				b.Pos = r.pos(v)
			case "id":
				b.IDField = scalar(v)
			case "title":
				b.Title = scalar(v)
			}
		})
	}
	if b.IDField == "" {
		b.IDField = "id"
	}
	if b.Title == "" {
		b.Title = "title"
	}
	return b
}

func (r *reader) settings(n *yaml.Node) {
	s := &r.d.Settings
	s.Pos = r.pos(n)
	s.Fields = Fields{}
	s.Escalation.Fields = Fields{}
	pairs(n, func(k, v *yaml.Node) {
		s.Fields[k.Value] = r.pos(v)
		switch k.Value {
		case "default_language":
			s.DefaultLanguage = scalar(v)
		case "time_zone":
			s.TimeZone = scalar(v)
		case "session_timeout":
			if d, err := time.ParseDuration(scalar(v)); err == nil {
				s.SessionTimeout = d
			}
		case "quiet_hours":
			pairs(v, func(qk, qv *yaml.Node) {
				c, ok := parseClock(scalar(qv))
				if !ok {
					return
				}
				s.Fields["quiet_hours."+qk.Value] = r.pos(qv)
				switch qk.Value {
				case "start":
					s.QuietStart = c
				case "end":
					s.QuietEnd = c
				}
			})
		case "min_confidence":
			s.MinConfidence, _ = strconv.ParseFloat(scalar(v), 64)
		case "fallback":
			s.Fallback = scalar(v)
		case "error":
			s.Error = scalar(v)
		case "resume":
			s.Resume = scalar(v)
		case "escalation":
			e := &s.Escalation
			pairs(v, func(ek, ev *yaml.Node) {
				e.Fields[ek.Value] = r.pos(ev)
				switch ek.Value {
				case "flow":
					e.Flow = scalar(ev)
				case "fallbacks_in_a_row":
					e.FallbacksInARow, _ = strconv.Atoi(scalar(ev))
				case "payment_rejections":
					e.PaymentRejections, _ = strconv.Atoi(scalar(ev))
				case "min_speech_confidence":
					e.MinSpeechConfidence, _ = strconv.ParseFloat(scalar(ev), 64)
				case "complaint_keywords":
					e.ComplaintKeywords = strs(ev)
				}
			})
		}
	})
}

func parseClock(s string) (Clock, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return Clock(hh*60 + mm), true
}

// finishSettings fills defaults and resolves the time zone.
func finishSettings(d *Dialog) Problems {
	s := &d.Settings
	if s.Fields == nil {
		s.Fields = Fields{}
		s.Escalation.Fields = Fields{}
	}
	if s.Pos.File == "" && len(d.Files) > 0 {
		s.Pos = Pos{File: d.Files[0]}
	}
	if s.DefaultLanguage == "" {
		s.DefaultLanguage = DefaultLanguage
	}
	if s.TimeZone == "" {
		s.TimeZone = DefaultTimeZone
	}
	if s.SessionTimeout == 0 {
		s.SessionTimeout = DefaultSessionTimeout
	}
	if _, ok := s.Fields["quiet_hours"]; !ok {
		s.QuietStart, s.QuietEnd = DefaultQuietStart, DefaultQuietEnd
	}
	e := &s.Escalation
	if e.FallbacksInARow == 0 {
		e.FallbacksInARow = DefaultFallbacks
	}
	if e.PaymentRejections == 0 {
		e.PaymentRejections = DefaultRejections
	}
	if _, ok := e.Fields["min_speech_confidence"]; !ok {
		e.MinSpeechConfidence = DefaultMinSpeech
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		s.Location = time.UTC
		return Problems{{Pos: s.Fields.At("time_zone", s.Pos), Message: fmt.Sprintf("unknown time zone %q", s.TimeZone)}}
	}
	s.Location = loc
	return nil
}

// ErrInvalid is wrapped by errors that carry Problems.
var ErrInvalid = errors.New("invalid dialog")
