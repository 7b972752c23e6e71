package dialog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

// Catalog keys of an e-mail's frame (every locale has them).
const (
	LetterGreeting  = "email_saludo"
	LetterSignature = "email_firma"
	LetterSubject   = "email_asunto"
)

// Letter is one e-mail to a guest.
type Letter struct {
	// Subject is for a new thread; an answer keeps the subject of the mail it answers.
	Subject string
	Text    string
}

// Letter writes a turn's replies as one e-mail: the greeting with the guest's name, every
// reply as the dialog rendered it for any channel (options as numbered lines: mail has no
// buttons), and the signature with the property — and the staff member's name when author
// is a person ("" is the bot). The frame obeys the guest's relay constraints as the
// replies do (no contact details through Airbnb's relay). A catalog without the e-mail keys
// gives the bare replies.
func (e *Engine) Letter(ctx context.Context, st *State, g Guest, replies []Reply, author string, now time.Time) (Letter, error) {
	t := e.newTurn(ctx, st, Input{Now: now, Guest: g})
	env := maps.Clone(t.env())
	env["author"] = author
	render := func(key string) (string, error) {
		text, err := e.catalog.Render(st.Language, key, env)
		if errors.Is(err, ErrUnknownTemplate) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("letter %s: %w", key, err)
		}
		return strings.TrimSpace(text), nil
	}
	greeting, err := render(LetterGreeting)
	if err != nil {
		return Letter{}, err
	}
	signature, err := render(LetterSignature)
	if err != nil {
		return Letter{}, err
	}
	subject, err := render(LetterSubject)
	if err != nil {
		return Letter{}, err
	}
	parts := make([]string, 0, len(replies)+2)
	if greeting != "" {
		parts = append(parts, greeting)
	}
	for _, r := range replies {
		if text := strings.TrimSpace(OptionsText(r.Text, r.Buttons)); text != "" {
			parts = append(parts, text)
		}
	}
	if signature != "" {
		parts = append(parts, signature)
	}
	return Letter{Subject: subject, Text: strings.Join(parts, "\n\n")}, nil
}

// OptionsText appends the buttons' titles to text for channels without buttons: options
// as a numbered list the guest can answer with a number, action buttons as phrases to
// reply with (their typed title is a tap while they are shown).
func OptionsText(text string, buttons []Button) string {
	if len(buttons) == 0 {
		return text
	}
	var sb strings.Builder
	sb.WriteString(text)
	n := 0
	for _, btn := range buttons {
		if btn.Action {
			sb.WriteString("\n• " + btn.Title)
			continue
		}
		n++
		sb.WriteString("\n" + strconv.Itoa(n) + ". " + btn.Title)
	}
	return sb.String()
}

// readForm lays a portal form's dates and people over what the words said: the form
// wins (email-inquiries.md section 3).
func (t *turn) readForm() {
	f := t.in.Form
	if f == nil {
		return
	}
	if f.CheckIn != "" {
		t.u.CheckIn, t.u.DaysOnly = f.CheckIn, false
		if f.CheckOut != "" {
			t.u.CheckOut = f.CheckOut
		}
		t.u.Ambiguous, t.u.Impossible, t.u.Month = nil, nil, ""
	}
	if f.Guests > 0 {
		t.u.Guests = f.Guests
	}
}

// formFirst answers a portal inquiry whose form gave the stay with the flow that asks for
// it (the offer, not a question the form answered), unless the guest's words ask for that
// same flow anyway or for a person. A question the words ask besides ("¿tiene wifi?") is
// answered after the offer, which then resumes.
func (t *turn) formFirst(trig *flow, vals map[string]any) bool {
	asking := t.e.askingFlow(vals)
	if asking == nil || trig == asking || (trig != nil && trig.handsOff()) {
		return false
	}
	t.start(asking, vals)
	if trig != nil && trig.Interrupt && t.out.Handoff == nil && t.st.top() != nil {
		t.askedAbove = true
		t.interrupt(trig, vals)
	}
	return true
}

// handsOff reports whether the flow hands the conversation to a person.
func (f *flow) handsOff() bool {
	for _, s := range f.steps {
		if s.Kind == spec.StepHandoff {
			return true
		}
	}
	return false
}
