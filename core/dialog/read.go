package dialog

import (
	"fmt"
	"strings"

	"github.com/conserje/conserje/core/dialog/spec"
)

// This file reads a message against what the conversation already holds (the stay being
// discussed, the hold) before taking it as a fresh request: a change of people said with
// words that sound like "cancel", an amenity asked in the middle of a booking, a
// requirement added after a hold.

// stayEntities are the slot kinds that make up the stay.
var stayEntities = map[string]bool{
	spec.EntityCheckIn: true, spec.EntityCheckOut: true, spec.EntityGuests: true,
	spec.EntityAdults: true, spec.EntityChildren: true,
}

// changesStay reports whether the message gives a value of the stay that differs from the
// one the conversation holds (a value given for the first time is not a change).
func (t *turn) changesStay(vals map[string]any) bool {
	for name, v := range vals {
		s := t.e.slots[name]
		if s == nil || !stayEntities[s.Entity] {
			continue
		}
		if old, ok := t.st.Slots[name]; ok && old != nil && fmt.Sprint(old) != fmt.Sprint(Normalize(v)) {
			return true
		}
	}
	return false
}

// hasStay reports whether a stay is being discussed (its check-in is known).
func (t *turn) hasStay() bool {
	name := t.slotFor(spec.EntityCheckIn)
	return name != "" && t.st.Slots[name] != nil
}

// isQuestion reports whether the guest asks something ("¿tiene wifi?", "tienen cochera").
func isQuestion(text string) bool {
	if strings.ContainsAny(text, "?¿") {
		return true
	}
	words := strings.Fields(fold(text))
	return len(words) > 0 && anyPhrase(words[0], questionWords...)
}

// asksAny reports whether the flow asks for one of the slots given.
func (f *flow) asksAny(vals map[string]any) bool {
	for name := range vals {
		if f.asksBefore(name, len(f.steps)) {
			return true
		}
	}
	return false
}

// bookingFlow is the flow that asks for the stay's check-in.
func (e *Engine) bookingFlow() *flow {
	for _, s := range e.dialog.Slots {
		if s.Entity == spec.EntityCheckIn {
			return e.askingFlow(map[string]any{s.Name: true})
		}
	}
	return nil
}

// reread is the flow a message starts once read against the conversation: trig is what
// its keywords or intent start on their own.
func (t *turn) reread(trig *flow, vals map[string]any) *flow {
	question := isQuestion(t.in.Text)
	switch {
	case trig != nil && !trig.Interrupt && !trig.asksAny(vals) && t.changesStay(vals):
		// "no, al final somos 2" reads like a change of a booking to the classifier: it
		// is a change of the stay being discussed, which the booking flow handles.
		if f := t.e.askingFlow(vals); f != nil {
			return f
		}
	case len(t.u.Amenities) > 0 && question && (trig == nil || (!trig.Interrupt && !trig.asksAny(vals))):
		// "¿tienen buen wifi?" answered even when the classifier hesitates.
		if f := t.e.byIntent["servicios"]; f != nil {
			return f
		}
	case len(t.u.Amenities) > 0 && !question && t.st.top() == nil && t.hasStay():
		// "llevamos al perro" after an offer or a hold: a new requirement for the same
		// stay, searched again.
		if f := t.e.bookingFlow(); f != nil {
			return f
		}
	}
	return trig
}
