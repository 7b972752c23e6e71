package spec

import (
	"fmt"
	"sort"
	"strings"
)

// CheckEnv is what Check needs from outside the dialog files. Nil functions skip their checks.
type CheckEnv struct {
	// MissingTemplate returns the languages that lack the template key (none when present
	// everywhere).
	MissingTemplate func(key string) []string
	// HasAction says whether the action registry knows the name.
	HasAction func(name string) bool
}

// Check reports every semantic problem of a loaded dialog: undeclared slots and intents,
// unknown template keys and actions, bad expressions, unknown or unreachable steps.
func Check(d *Dialog, env CheckEnv) Problems {
	c := &checker{d: d, env: env, names: map[string]bool{}}
	for _, g := range Globals {
		c.names[g] = true
	}
	for _, s := range d.Slots {
		c.names[s.Name] = true
	}
	for _, f := range d.Flows {
		for _, st := range f.Steps {
			if st.Kind == StepAction && st.Action != "" {
				c.names[st.ResultName()] = true
			}
		}
	}
	c.slots()
	c.flows()
	c.settings()
	sort.SliceStable(c.out, func(i, j int) bool {
		a, b := c.out[i].Pos, c.out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return c.out
}

type checker struct {
	d     *Dialog
	env   CheckEnv
	names map[string]bool
	out   Problems
}

func (c *checker) add(p Pos, format string, args ...any) {
	c.out = append(c.out, Problem{Pos: p, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) template(key string, p Pos) {
	if key == "" || c.env.MissingTemplate == nil {
		return
	}
	if missing := c.env.MissingTemplate(key); len(missing) > 0 {
		c.add(p, "unknown template key %q (missing in %s)", key, strings.Join(missing, ", "))
	}
}

func (c *checker) expression(src string, p Pos) {
	if src == "" {
		return
	}
	e, err := CompileExpr(src)
	if err != nil {
		c.add(p, "bad expression %q: %v", src, err)
		return
	}
	for _, n := range e.Names {
		if !c.names[n] {
			c.add(p, "expression %q uses %q, which is not a declared slot, an action result or one of %s", src, n, strings.Join(Globals, ", "))
		}
	}
}

func (c *checker) slot(name string, p Pos) {
	if c.d.Slot(name) == nil {
		c.add(p, "undeclared slot %q", name)
	}
}

func (c *checker) slots() {
	for _, s := range c.d.Slots {
		c.template(s.Prompt, s.Fields.At("prompt", s.Pos))
		c.template(s.Retry, s.Fields.At("retry", s.Pos))
		c.template(s.Ambiguous, s.Fields.At("ambiguous", s.Pos))
		c.template(s.Invalid, s.Fields.At("invalid", s.Pos))
		c.expression(s.Validate, s.Fields.At("validate", s.Pos))
		c.expression(s.Options, s.Fields.At("options", s.Pos))
		if s.Invalid != "" && s.Validate == "" {
			c.add(s.Fields.At("invalid", s.Pos), "slot %q has invalid but no validate", s.Name)
		}
		if s.Entity == EntityOption && s.Options == "" {
			c.add(s.Pos, "slot %q is filled from options but declares none (options: an expression giving the list)", s.Name)
		}
		if s.Entity != EntityOption && s.Entity != "" {
			if s.Options != "" {
				c.add(s.Fields.At("options", s.Pos), "options only apply to slots with entity option")
			}
			if len(s.Fills) > 0 {
				c.add(s.Fields.At("fills", s.Pos), "fills only apply to slots with entity option")
			}
		}
		for _, name := range s.FillOrder {
			c.slot(name, s.Fields.At("fills."+name, s.Pos))
		}
		if s.Ambiguous != "" && s.Entity != EntityCheckIn && s.Entity != EntityCheckOut {
			c.add(s.Fields.At("ambiguous", s.Pos), "ambiguous only applies to date slots (check_in, check_out)")
		}
	}
}

func (c *checker) flows() {
	startedBy := map[string]string{}
	tapped := c.buttonFlows()
	for _, f := range c.d.Flows {
		for i, in := range f.Intents {
			p := f.Fields.At(fmt.Sprintf("intents.%d", i), f.Pos)
			if c.d.Intent(in) == nil {
				c.add(p, "flow %q is started by intent %q, which is not declared in intents", f.Name, in)
				continue
			}
			if other, dup := startedBy[in]; dup {
				c.add(p, "intent %q already starts flow %q", in, other)
				continue
			}
			startedBy[in] = f.Name
		}
		if len(f.Intents) == 0 && len(f.Keywords) == 0 && c.d.Settings.Escalation.Flow != f.Name && !tapped[f.Name] {
			c.add(f.Pos, "flow %q is never started: give it intents or keywords, make it settings.escalation.flow or the flow of a button", f.Name)
		}
		c.steps(f)
	}
}

func (c *checker) steps(f *Flow) {
	ids := map[string]int{}
	for i, s := range f.Steps {
		if s.ID == "" {
			continue
		}
		if prev, dup := ids[s.ID]; dup {
			c.add(s.Fields.At("id", s.Pos), "step id %q is already used by step %d of flow %q", s.ID, prev+1, f.Name)
			continue
		}
		ids[s.ID] = i
	}
	target := func(id string, p Pos) {
		if id != "" {
			if _, ok := ids[id]; !ok {
				c.add(p, "no step with id %q in flow %q", id, f.Name)
			}
		}
	}
	for _, s := range f.Steps {
		only := func(field string, kind StepKind) {
			if _, ok := s.Fields[field]; ok && s.Kind != kind && s.Kind != "" {
				c.add(s.Fields.At(field, s.Pos), "%s only applies to %s steps", field, kind)
			}
		}
		only("prompt", StepAsk)
		only("as", StepAction)
		only("with", StepAction)
		only("then", StepIf)
		only("else", StepIf)
		only("night", StepHandoff)
		only("reason", StepHandoff)
		only("clear", StepEnd)
		switch s.Kind {
		case StepSay:
			c.template(s.Say, s.Fields.At("say", s.Pos))
		case StepAsk:
			for i, name := range s.Ask {
				p := s.Fields.At(fmt.Sprintf("ask.%d", i), s.Pos)
				c.slot(name, p)
				if sl := c.d.Slot(name); sl != nil && sl.Prompt == "" && (s.Prompt == "" || i > 0) {
					c.add(p, "slot %q is asked here but declares no prompt", name)
				}
			}
			c.template(s.Prompt, s.Fields.At("prompt", s.Pos))
		case StepAction:
			if c.env.HasAction != nil && !c.env.HasAction(s.Action) {
				c.add(s.Fields.At("action", s.Pos), "unknown action %q", s.Action)
			}
			for k, v := range s.With {
				c.expression(v, s.Fields.At("with."+k, s.Pos))
			}
		case StepIf:
			c.expression(s.If, s.Fields.At("if", s.Pos))
			target(s.Then, s.Fields.At("then", s.Pos))
			target(s.Else, s.Fields.At("else", s.Pos))
		case StepGoto:
			target(s.Goto, s.Fields.At("goto", s.Pos))
		case StepHandoff:
			c.template(s.Handoff, s.Fields.At("handoff", s.Pos))
			c.template(s.Night, s.Fields.At("night", s.Pos))
		case StepEnd:
			for _, name := range s.Clear {
				c.slot(name, s.Fields.At("clear", s.Pos))
			}
		}
		if b := s.Buttons; b != nil {
			if s.Kind != StepSay && s.Kind != StepAsk && s.Kind != StepHandoff {
				c.add(b.Pos, "buttons only apply to say, ask and handoff steps")
			}
			for _, sb := range b.Static {
				c.template(sb.Title, sb.Pos)
				c.expression(sb.If, sb.Fields.At("if", sb.Pos))
			}
			c.expression(b.From, b.Pos)
		}
	}
	for _, i := range Unreachable(f) {
		s := f.Steps[i]
		c.add(s.Pos, "unreachable step %d of flow %q: the step before ends the flow or jumps away, and no step jumps here", i+1, f.Name)
	}
}

// buttonFlows checks the flows buttons start and returns them: each must exist, and one
// button id must always start the same flow (a tap carries only the id).
func (c *checker) buttonFlows() map[string]bool {
	started := map[string]bool{}
	byID := map[string]string{}
	for _, f := range c.d.Flows {
		for _, s := range f.Steps {
			if s.Buttons == nil {
				continue
			}
			for _, sb := range s.Buttons.Static {
				if sb.Flow == "" {
					continue
				}
				p := sb.Fields.At("flow", sb.Pos)
				if c.d.Flow(sb.Flow) == nil {
					c.add(p, "button %q starts flow %q, which does not exist", sb.ID, sb.Flow)
					continue
				}
				if other, ok := byID[sb.ID]; ok && other != sb.Flow {
					c.add(p, "button id %q already starts flow %q", sb.ID, other)
					continue
				}
				byID[sb.ID] = sb.Flow
				started[sb.Flow] = true
			}
		}
	}
	return started
}

// Unreachable lists the indexes of steps no path from the first step reaches.
func Unreachable(f *Flow) []int {
	seen := make([]bool, len(f.Steps))
	idx := func(id string) int { return f.StepIndex(id) }
	var visit func(i int)
	visit = func(i int) {
		for i >= 0 && i < len(f.Steps) && !seen[i] {
			seen[i] = true
			s := f.Steps[i]
			switch s.Kind {
			case StepGoto:
				i = idx(s.Goto)
			case StepEnd, StepHandoff:
				return
			case StepIf:
				visit(idx(s.Then))
				if s.Else != "" {
					i = idx(s.Else)
				} else {
					i++
				}
			default:
				i++
			}
		}
	}
	visit(0)
	var out []int
	for i, ok := range seen {
		if !ok {
			out = append(out, i)
		}
	}
	return out
}

func (c *checker) settings() {
	s := c.d.Settings
	c.template(s.Fallback, s.Fields.At("fallback", s.Pos))
	c.template(s.Error, s.Fields.At("error", s.Pos))
	c.template(s.Resume, s.Fields.At("resume", s.Pos))
	if s.Fallback == "" {
		c.add(s.Pos, "settings.fallback is required: the template said when the bot did not understand")
	}
	if s.Error == "" {
		c.add(s.Pos, "settings.error is required: the template said when an action failed")
	}
	if f := s.Escalation.Flow; f == "" {
		c.add(s.Pos, "settings.escalation.flow is required: the flow run when the bot hands a guest to a person by itself")
	} else if c.d.Flow(f) == nil {
		c.add(s.Escalation.Fields.At("flow", s.Pos), "settings.escalation.flow names unknown flow %q", f)
	}
}
