package dialog

import (
	"regexp"
	"strings"
)

// This file answers everything one message asks (conversation.md, rule 4): "somos 2 del
// 10 al 13, ¿tiene cochera?" gets the offer and the parking answer; "¿tiene parrilla? ¿a
// qué hora se entra? ¿queda cerca?" gets three answers. The message is cut into its
// clauses, each read on its own; a clause that asks what a question flow answers (amenities,
// location, policies, payment) is an aside, answered before the message's main business
// (the booking, or the question flow the whole message starts).

// aside is a question flow a part of the message asks for, with that part as read alone.
type aside struct {
	flow *flow
	text string
	u    Understanding
}

// clauseBreak cuts a message into clauses: at ? ! ; , and ". ", and before "y" / "and".
var clauseBreak = regexp.MustCompile(`[?!;¿¡,]+|\.(?:\s|$)+|\s(?:y|and)\s`)

// clauses are the parts of a message worth reading alone (at least two words or one
// word that is not a filler).
func clauses(text string) []string {
	var out []string
	for _, c := range clauseBreak.Split(text, -1) {
		if c = strings.TrimSpace(c); fold(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

// topics reads the clauses of a message of more than one: the question flows they ask
// (asides, in the order asked, the same flow once with what its clauses asked together)
// and, when the message as a whole reads as a question but a clause asks to book ("para
// 3 del 16 al 18, ¿a qué hora es la salida?"), the booking flow as the main one: the
// message's intent becomes that clause's.
func (t *turn) topics() (main *flow, asides []aside) {
	if t.e.und == nil || t.in.Understanding != nil || t.in.Form != nil {
		return nil, nil
	}
	parts := clauses(t.in.Text)
	if len(parts) < 2 || !asksSomething(t.in.Text, parts) {
		return nil, nil
	}
	whole := t.trigger()
	var promote, person *Understanding
	byFlow := map[*flow]int{}
	for _, p := range parts {
		u := t.e.und.Understand(p, t.in.Now)
		f := t.clauseTrigger(p, u)
		if f == nil {
			continue
		}
		if !f.Interrupt {
			switch {
			case promote == nil && len(f.asks()) > 0:
				promote = &u
			case person == nil && f.forPerson() && isQuestion(p) && u.Confidence >= personConfidence:
				// "¿tienen cuna?": something only a person can answer.
				pu := u
				person = &pu
			}
			continue
		}
		if f.NoReask {
			// Closings ("gracias", "perfecto") are not questions to answer on the side.
			continue
		}
		if i, ok := byFlow[f]; ok {
			a := &asides[i]
			a.text += ", " + p
			a.u.Amenities = unionStrings(a.u.Amenities, u.Amenities)
			continue
		}
		byFlow[f] = len(asides)
		asides = append(asides, aside{flow: f, text: p, u: u})
	}
	if person != nil && t.u.CheckIn == "" && (whole == nil || !whole.forPerson()) {
		// Asked with no stay to quote, a request for a person is the message's business.
		t.u.Intent, t.u.Confidence = person.Intent, person.Confidence
		return t.e.byIntent[person.Intent], asides
	}
	if promote != nil && (whole == nil || (whole.Interrupt && !whole.NoReask)) {
		t.u.Intent, t.u.Confidence = promote.Intent, promote.Confidence
		main = t.trigger()
		if main != nil && main.Interrupt {
			main = t.e.byIntent[promote.Intent]
		}
	}
	return main, asides
}

// personConfidence is how sure the NLU must be that a clause asks for what only a person
// can do before the whole message is handed over.
const personConfidence = 0.8

// forPerson reports whether the flow only hands the conversation to a person (it asks
// nothing).
func (f *flow) forPerson() bool { return f.handsOff() && len(f.asks()) == 0 }

// clauseTrigger is the flow one clause starts alone: by keyword, then by intent.
func (t *turn) clauseTrigger(text string, u Understanding) *flow {
	folded := fold(text)
	for _, f := range t.e.byKeyword {
		if anyPhrase(folded, f.keywords...) {
			return f
		}
	}
	var f *flow
	if u.Intent != "" && u.Confidence >= t.settings().MinConfidence {
		f = t.e.byIntent[u.Intent]
	}
	if len(u.Amenities) > 0 && u.CheckIn == "" && u.Guests == 0 && isFoldedQuestion(text, folded) && (f == nil || !f.Interrupt) {
		// "¿tienen cochera?" asks about the amenity, however the classifier leans.
		if s := t.e.byIntent["servicios"]; s != nil {
			return s
		}
	}
	return f
}

// runAside answers one aside as an interruption that does not resume: the flow below it
// (if any) goes on with the message's main business afterwards.
func (t *turn) runAside(a aside) {
	u, text, folded := t.u, t.in.Text, t.folded
	t.u, t.in.Text, t.folded = a.u, a.text, fold(a.text)
	t.noteDiscussed(a.u)
	floor := len(t.st.Stack)
	t.st.Stack = append(t.st.Stack, Frame{Flow: a.flow.Name})
	t.aside = true
	t.changed()
	t.runAbove(floor)
	t.u, t.in.Text, t.folded = u, text, folded
	t.aside, t.joinNext, t.quietResume = false, false, false
	t.changed()
}

// asks are the slots the flow asks for, in order.
func (f *flow) asks() []string {
	var out []string
	for _, s := range f.steps {
		out = append(out, s.Ask...)
	}
	return out
}

func unionStrings(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		found := false
		for _, x := range out {
			found = found || x == s
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// asideFlow reports whether f answers one of the asides.
func asideFlow(asides []aside, f *flow) bool {
	for _, a := range asides {
		if a.flow == f {
			return true
		}
	}
	return false
}

// asksSomething reports whether a message asks a question (asides are questions): a
// question mark, or a clause that starts as a question.
func asksSomething(text string, parts []string) bool {
	if strings.ContainsAny(text, "?¿") {
		return true
	}
	for _, p := range parts {
		if isQuestion(p) {
			return true
		}
	}
	return false
}
