package dialog

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

func (t *turn) run() { t.runAbove(0) }

// runAbove runs the flows on the stack until it is floor frames deep (an aside answered
// over a running flow stops there; that flow goes on with the message's main business).
func (t *turn) runAbove(floor int) {
	for guard := 0; guard < maxSteps; guard++ {
		if t.err != nil {
			return
		}
		fr := t.st.top()
		if fr == nil || len(t.st.Stack) <= floor {
			return
		}
		f := t.e.flows[fr.Flow]
		if f == nil || fr.Step >= len(f.steps) {
			// the flow is done, or a reload removed it
			t.endFlow(nil)
			continue
		}
		cs := f.steps[fr.Step]
		switch cs.Kind {
		case spec.StepSay:
			t.say(cs.Say, cs, nil)
			fr.Step++
		case spec.StepAsk:
			if t.ask(fr, cs) {
				return
			}
			fr.Step++
		case spec.StepAction:
			if !t.action(cs) {
				return
			}
			fr.Step++
		case spec.StepIf:
			ok, err := t.truth(cs.cond)
			if err != nil {
				t.e.log.Warn("dialog: condition failed", "flow", f.Name, "step", fr.Step+1, "expr", cs.If, "err", err)
			}
			switch {
			case ok:
				fr.Step = cs.then
			case cs.els >= 0:
				fr.Step = cs.els
			default:
				fr.Step++
			}
		case spec.StepGoto:
			fr.Step = cs.gotoIdx
		case spec.StepHandoff:
			t.handoff(cs)
			return
		case spec.StepEnd:
			t.endFlow(cs)
		default:
			fr.Step++
		}
	}
	t.e.log.Error("dialog: turn ran too many steps (a goto loop?)", "flow", t.st.top().Flow)
	t.st.Stack = nil
	t.changed()
	t.say(t.settings().Error, nil, nil)
}

// endFlow pops the running flow; a flow it interrupted resumes with its question.
func (t *turn) endFlow(cs *step) {
	if cs != nil {
		for _, name := range cs.Clear {
			delete(t.st.Slots, name)
		}
	}
	ended := t.e.flows[t.st.Stack[len(t.st.Stack)-1].Flow]
	t.st.Stack = t.st.Stack[:len(t.st.Stack)-1]
	t.changed()
	if len(t.st.Stack) > 0 {
		t.joinNext = true
		t.quietResume = ended != nil && (ended.NoReask || t.askedAbove)
	}
}

// ask waits for the first missing slot of the step; it reports whether it is waiting.
func (t *turn) ask(fr *Frame, cs *step) bool {
	for _, name := range cs.Ask {
		if t.st.Slots[name] != nil {
			continue
		}
		s := t.e.slots[name]
		if t.quietResume && fr.Asked == name {
			// The interruption was a closing: the question stands, unrepeated.
			t.quietResume = false
			return true
		}
		if t.u.AmbiguousDates() && !t.askedAmbiguous && s.Ambiguous != "" && anyPhrase(t.folded, weekendWords...) {
			t.askedAmbiguous = true
			t.st.Pending = &Pending{Kind: "weekend", Options: weekendOptions(t.today())}
			t.sayWith(s.Ambiguous, t.weekendButtons(s.Ambiguous))
			fr.Asked = name
			return true
		}
		key := s.Prompt
		if cs.Prompt != "" && (fr.Asked != name || key == "") {
			key = cs.Prompt
		}
		fr.Asked = name
		t.say(key, cs, s)
		return true
	}
	fr.Asked = ""
	return false
}

// weekendButtons are the quick replies of the "this weekend or the next?" question, from
// the optional messages <key>.this and <key>.next.
func (t *turn) weekendButtons(key string) []Button {
	var out []Button
	for _, which := range []string{"this", "next"} {
		k := key + "." + which
		if len(t.e.catalog.Missing(k)) == len(t.e.catalog.Languages()) {
			return nil
		}
		title, err := t.e.catalog.Render(t.st.Language, k, t.env())
		if err != nil {
			return nil
		}
		out = append(out, Button{ID: which, Title: title})
	}
	return out
}

func (t *turn) action(cs *step) bool {
	env := t.env()
	args := make(map[string]any, len(cs.with))
	for k, x := range cs.with {
		v, err := x.Run(env)
		if err != nil {
			t.e.log.Warn("dialog: action argument failed", "action", cs.Action, "arg", k, "err", err)
			continue
		}
		args[k] = Normalize(v)
	}
	res, err := cs.action.Run(t.ctx, t.call(args))
	if err != nil {
		if ctxErr := t.ctx.Err(); ctxErr != nil {
			t.err = fmt.Errorf("action %s: %w", cs.Action, errors.Join(err, ctxErr))
			return false
		}
		t.e.log.Error("dialog: action failed", "action", cs.Action, "err", err)
		t.st.Stack = nil
		t.changed()
		t.say(t.settings().Error, nil, nil)
		return false
	}
	t.store(cs.ResultName(), res)
	t.out.Events = append(t.out.Events, res.Events...)
	return true
}

// guest is the turn's guest with the conversation's relay constraints.
func (t *turn) guest() Guest {
	g := t.in.Guest
	g.Constraints = t.st.Constraints
	return g
}

func (t *turn) call(args map[string]any) Call {
	return Call{
		Args: args, Slots: t.st.Slots, Results: t.st.Results, Message: t.u, Text: t.in.Text,
		Language: t.st.Language, Now: t.in.Now, Location: t.settings().Location, Guest: t.guest(),
		Reason: t.reason,
	}
}

func (t *turn) store(name string, res Result) {
	data := map[string]any{}
	if res.Data != nil {
		data, _ = Normalize(res.Data).(map[string]any)
	}
	t.st.Results[name] = data
	for k, v := range res.Slots {
		t.st.Slots[k] = Normalize(v)
	}
	t.changed()
	if res.Handoff != "" {
		t.out.Handoff = &Handoff{Reason: res.Handoff}
	}
}

// handoff hands the conversation to a person: the derivar_humano action records it, the
// guest is told (with when someone answers, during quiet hours), and the bot pauses.
func (t *turn) handoff(cs *step) {
	reason := t.reason
	if reason == "" {
		reason = cs.Reason
	}
	if reason == "" {
		reason = ReasonExplicit
	}
	t.reason = reason
	t.changed()
	if t.e.handoff != nil {
		res, err := t.e.handoff.Run(t.ctx, t.call(map[string]any{"reason": reason}))
		if err != nil {
			if ctxErr := t.ctx.Err(); ctxErr != nil {
				t.err = fmt.Errorf("hand off: %w", errors.Join(err, ctxErr))
				return
			}
			t.e.log.Error("dialog: derivar_humano failed; handing off anyway", "err", err)
		} else {
			t.store("derivar_humano", res)
		}
	}
	key := cs.Handoff
	if quiet, _ := t.e.QuietHours(t.in.Now); quiet && cs.Night != "" {
		key = cs.Night
	}
	t.say(key, cs, nil)
	t.out.Handoff = &Handoff{Reason: reason}
	t.st.Stack = nil
	t.changed()
	t.st.Pending = nil
	t.st.Fallbacks = 0
	t.st.PaymentRejections = 0
}

// changed marks the state as modified: the next env() is rebuilt.
func (t *turn) changed() { t.envCache = nil }

// env is what conditions and templates see. Callers must not modify it.
func (t *turn) env() map[string]any {
	if t.envCache != nil {
		return t.envCache
	}
	m := make(map[string]any, len(t.e.dialog.Slots)+len(t.e.resultNames)+len(spec.Globals))
	for _, s := range t.e.dialog.Slots {
		m[s.Name] = t.st.Slots[s.Name]
	}
	for _, n := range t.e.resultNames {
		m[n] = t.st.Results[n]
	}
	if !t.ambientSet {
		t.ambientSet = true
		if a := t.e.opts.Ambient; a != nil {
			amb, err := a.Ambient(t.ctx)
			if err != nil {
				t.e.log.Warn("dialog: ambient data unavailable", "err", err)
			}
			t.ambient, _ = Normalize(amb).(map[string]any)
		}
	}
	quiet, until := t.e.QuietHours(t.in.Now)
	m["message"] = map[string]any{
		"text": t.in.Text, "intent": t.u.Intent, "confidence": t.u.Confidence,
		"check_in": t.u.CheckIn, "check_out": t.u.CheckOut, "guests": int64(t.u.Guests),
		"unit_type": t.u.UnitType, "amenities": Normalize(t.u.Amenities),
		"impossible": impossibleEnv(t.u.Impossible),
	}
	m["today"] = t.today().Format(time.DateOnly)
	m["now"] = t.in.Now
	m["language"] = t.st.Language
	m["quiet_hours"] = quiet
	m["quiet_until"] = ""
	if quiet {
		m["quiet_until"] = FormatClock(until, t.settings().Location)
	}
	m["interrupted"] = len(t.st.Stack) > 1 || t.aside
	m["escalation_reason"] = t.reason
	m["property"] = t.ambient
	g := t.guest()
	first := ""
	if f := strings.Fields(g.Name); len(f) > 0 {
		first = f[0]
	}
	m["guest"] = map[string]any{"name": g.Name, "first_name": first}
	m["channel"] = map[string]any{
		"links":    g.Allows(ConstraintNoExternalLinks),
		"contacts": g.Allows(ConstraintNoContactDetails) && g.Allows(ConstraintStayOnRelay),
		"payments": g.Allows(ConstraintNoOffPlatformPayment),
	}
	t.envCache = m
	return m
}

func (t *turn) truth(x *spec.Expr) (bool, error) {
	if x == nil {
		return false, nil
	}
	v, err := x.Run(t.env())
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q gave %T, not true or false", x.Source, v)
	}
	return b, nil
}
