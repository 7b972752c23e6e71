package dialog

import (
	"fmt"
	"slices"

	"github.com/conserje/conserje/core/dialog/spec"
)

func (t *turn) complaint() bool {
	return anyPhrase(t.folded, t.e.complaints...)
}

// trigger is the flow this message starts, by keyword first, then by intent.
func (t *turn) trigger() *flow {
	for _, f := range t.e.byKeyword {
		if anyPhrase(t.folded, f.keywords...) {
			return f
		}
	}
	if t.u.Intent == "" || t.u.Confidence < t.settings().MinConfidence {
		return nil
	}
	return t.e.byIntent[t.u.Intent]
}

func (t *turn) route() {
	if f := t.tapped(); f != nil {
		t.start(f, nil)
		return
	}
	fr := t.st.top()
	awaited := ""
	if fr != nil {
		awaited = fr.Asked
	}
	main, asides := t.topics()
	vals, hit, strong := t.extract(awaited)
	own := t.trigger()
	trig := t.reread(own, vals)
	switch {
	case main != nil:
		trig = main
	case own != nil && trig != own && asideFlow(asides, trig):
		// "¿cuánto sale para 4? ¿tiene wifi?": the wifi is answered on the side; the
		// message's own business goes on.
		trig = own
	}
	t.sayImpossible()
	if t.in.Form != nil && t.formFirst(trig, vals) {
		return
	}
	// next is what the message does with the conversation; runs is the flow it starts,
	// which the asides must not answer a second time.
	var next func()
	var runs *flow
	switch {
	case awaited != "" && hit && strong:
		next = func() { t.continueWith(vals) }
	case trig != nil && trig.Interrupt && fr != nil:
		next, runs = func() { t.interrupt(trig, vals) }, trig
	case awaited != "" && hit:
		next = func() { t.continueWith(vals) }
	case trig != nil:
		next, runs = func() { t.start(trig, vals) }, trig
	case fr != nil && t.touchesFlow(fr, vals):
		next = func() { t.start(t.e.flows[fr.Flow], vals) }
	case fr == nil && t.e.askingFlow(vals) != nil:
		// "somos 2" with no intent recognised: dates or people alone start the flow that
		// asks for them.
		f := t.e.askingFlow(vals)
		next, runs = func() { t.start(f, vals) }, f
	case len(asides) > 0:
		// Only questions on the side: they are the answer.
		next = func() {}
	default:
		next = t.fallback
	}
	for _, a := range asides {
		if a.flow == runs {
			continue
		}
		t.runAside(a)
		if t.out.Handoff != nil || t.err != nil {
			return
		}
	}
	next()
}

// tapped is the flow a button the guest tapped starts (spec.StaticButton.Flow): its id as
// the channel sent it back, or the title of a button the guest sees (State.Tappable)
// typed as shown, in the conversation's language. Nothing else is read from such a message: "Liberar la reserva" must not also
// be read as a new request.
func (t *turn) tapped() *flow {
	if f := t.e.byButton[t.in.OptionID]; t.in.OptionID != "" && f != nil {
		return f
	}
	if t.folded == "" {
		return nil
	}
	for _, tt := range t.e.tapTitles {
		if !slices.Contains(t.st.Tappable, tt.id) {
			continue
		}
		title, err := t.e.catalog.Render(t.st.Language, tt.key, t.env())
		if err == nil && fold(title) == t.folded {
			return tt.flow
		}
	}
	return nil
}

// askingFlow is the first flow (in dialog order) that asks for one of the slots given.
func (e *Engine) askingFlow(vals map[string]any) *flow {
	for _, f := range e.dialog.Flows {
		cf := e.flows[f.Name]
		if cf.Interrupt {
			continue
		}
		for name := range vals {
			if cf.asksBefore(name, len(cf.steps)) {
				return cf
			}
		}
	}
	return nil
}

func (t *turn) continueWith(vals map[string]any) {
	t.st.Fallbacks = 0
	fr := t.st.top()
	if s := t.e.slots[fr.Asked]; s != nil && s.Entity == spec.EntityOption {
		// "Cabaña" picks an offer; it must not narrow later searches to cabins.
		for name := range vals {
			if e := t.e.slots[name]; e != nil && (e.Entity == spec.EntityUnitType || e.Entity == spec.EntityAmenities) {
				delete(vals, name)
			}
		}
	}
	restart := false
	f := t.e.flows[fr.Flow]
	for name, v := range vals {
		if name == fr.Asked {
			continue
		}
		if old, ok := t.st.Slots[name]; ok && fmt.Sprint(old) != fmt.Sprint(Normalize(v)) && f != nil && f.asksBefore(name, fr.Step) {
			restart = true
		}
	}
	if restart {
		t.start(f, vals)
		return
	}
	if bad := t.fill(vals); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.run()
}

// asksBefore reports whether a step before i asks for the slot: changing it means the
// steps since then (a search, an offer) are stale.
func (f *flow) asksBefore(name string, i int) bool {
	for j := 0; j < i && j < len(f.steps); j++ {
		for _, a := range f.steps[j].Ask {
			if a == name {
				return true
			}
		}
	}
	return false
}

// touchesFlow reports whether the message gives values for slots the running flow asks:
// a correction ("mejor del 6 al 9") even when the NLU saw no intent.
func (t *turn) touchesFlow(fr *Frame, vals map[string]any) bool {
	f := t.e.flows[fr.Flow]
	if f == nil {
		return false
	}
	for name := range vals {
		if f.asksBefore(name, len(f.steps)) {
			return true
		}
	}
	return false
}

// start runs a flow from its first step. A normal flow replaces whatever was running; the
// options the guest was choosing from are stale, so option slots are forgotten.
func (t *turn) start(f *flow, vals map[string]any) {
	t.st.Fallbacks = 0
	if f.Interrupt && t.st.top() != nil {
		t.interrupt(f, vals)
		return
	}
	t.st.Stack = nil
	t.st.Discussed = nil
	for _, s := range t.e.dialog.Slots {
		if s.Entity == spec.EntityOption {
			delete(t.st.Slots, s.Name)
		}
	}
	t.st.Stack = append(t.st.Stack, Frame{Flow: f.Name})
	t.changed()
	t.out.Flow = f.Name
	if bad := t.fill(vals); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.run()
}

// interrupt answers a question in the middle of a flow, which resumes afterwards. Only the
// basic facts of the stay are taken from the question: "¿tiene wifi?" must not turn wifi
// into a search filter.
func (t *turn) interrupt(f *flow, vals map[string]any) {
	t.st.Fallbacks = 0
	basic := map[string]any{}
	for name, v := range vals {
		switch t.e.slots[name].Entity {
		case spec.EntityCheckIn, spec.EntityCheckOut, spec.EntityGuests, spec.EntityAdults, spec.EntityChildren:
			basic[name] = v
		}
	}
	if bad := t.fill(basic); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.noteDiscussed(t.u)
	t.st.Stack = append(t.st.Stack, Frame{Flow: f.Name})
	t.changed()
	t.out.Flow = f.Name
	t.run()
}

// noteDiscussed remembers the amenities a question asked about while the guest chooses
// among options shown.
func (t *turn) noteDiscussed(u Understanding) {
	fr := t.st.top()
	if fr == nil || len(u.Amenities) == 0 {
		return
	}
	if s := t.e.slots[fr.Asked]; s != nil && s.Entity == spec.EntityOption {
		t.st.Discussed = append([]string(nil), u.Amenities...)
	}
}

func (t *turn) fallback() {
	t.st.Fallbacks++
	if t.st.Fallbacks >= t.settings().Escalation.FallbacksInARow {
		t.escalate(ReasonFallbacks)
		return
	}
	if fr := t.st.top(); fr != nil && fr.Asked != "" {
		s := t.e.slots[fr.Asked]
		if s != nil && s.Retry != "" {
			t.say(s.Retry, nil, s)
			return
		}
		t.say(t.settings().Fallback, nil, s)
		return
	}
	t.say(t.settings().Fallback, nil, nil)
}

// escalate runs the escalation flow for a reason the bot found by itself.
func (t *turn) escalate(reason string) {
	t.reason = reason
	f := t.e.flows[t.settings().Escalation.Flow]
	t.st.Stack = []Frame{{Flow: f.Name}}
	t.changed()
	t.st.Pending = nil
	t.out.Flow = f.Name
	t.run()
}
