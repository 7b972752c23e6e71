package dialog

import (
	"fmt"
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

// This file keeps the dates of a conversation across messages: the stay being discussed
// and a month said without days are handed to the NLU, so that "del 16 al 19" after
// "para febrero" is February, "no, de marzo" moves the stay to March and "salimos el
// viernes" is the departure of the stay already started; an impossible day ("31/4") is
// named to the guest.

// StayContext is the stay a conversation holds when a message arrives.
type StayContext struct {
	// CheckIn and CheckOut are YYYY-MM-DD, "" when unknown.
	CheckIn, CheckOut string
	// Month is a month said without days, YYYY-MM, "" when none.
	Month string
	// Departure says the bot asked for the check-out.
	Departure bool
}

// StayUnderstander is an Understander that reads a message against the stay in course;
// the engine prefers it when its Understander has it.
type StayUnderstander interface {
	Understander
	UnderstandStay(text string, ref time.Time, stay StayContext) Understanding
}

// ImpossibleDay is a day the guest named that its month does not have ("31/4", "29/2"
// in a year that is not a leap year).
type ImpossibleDay struct {
	Day         int `json:"day"`
	Month       int `json:"month"`
	Year        int `json:"year"`
	DaysInMonth int `json:"days_in_month"`
}

// understandIn runs the Understander against the conversation's stay when it can.
func (e *Engine) understandIn(text string, ref time.Time, stay StayContext) Understanding {
	if su, ok := e.und.(StayUnderstander); ok {
		return su.UnderstandStay(text, ref, stay)
	}
	return e.Understand(text, ref)
}

// stayContext is what the conversation holds of the stay.
func (t *turn) stayContext() StayContext {
	s := StayContext{Month: t.st.Month}
	s.CheckIn, _ = t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string)
	s.CheckOut, _ = t.st.Slots[t.slotFor(spec.EntityCheckOut)].(string)
	if fr := t.st.top(); fr != nil && fr.Asked != "" {
		if sl := t.e.slots[fr.Asked]; sl != nil && sl.Entity == spec.EntityCheckOut {
			s.Departure = true
		}
	}
	return s
}

// rememberMonth keeps a month said without days for the next messages; a check-in in
// another month replaces it.
func (t *turn) rememberMonth() {
	switch {
	case t.u.Month != "":
		t.st.Month = t.u.Month
	case t.u.CheckIn != "" && !strings.HasPrefix(t.u.CheckIn, t.st.Month):
		t.st.Month = ""
	}
}

// sayImpossible names a day that does not exist before anything else is answered
// ("el 31/4 no existe: ese mes tiene 30 días"), when the dialog has the message.
func (t *turn) sayImpossible() {
	const key = "fecha_inexistente"
	bad := t.u.Impossible
	if bad == nil || len(t.e.catalog.Missing(key)) == len(t.e.catalog.Languages()) {
		return
	}
	t.sayWith(key, nil)
}

// impossibleEnv is what the fecha_inexistente message shows: the day as written (31/4),
// the days its month has, the year when it matters (29/2), and the days around it to
// suggest (30/4, 1/5).
func impossibleEnv(bad *ImpossibleDay) map[string]any {
	if bad == nil {
		return nil
	}
	last := time.Date(bad.Year, time.Month(bad.Month), bad.DaysInMonth, 0, 0, 0, 0, time.UTC)
	next := last.AddDate(0, 0, 1)
	return map[string]any{
		"date":          fmt.Sprintf("%d/%d", bad.Day, bad.Month),
		"date_en":       fmt.Sprintf("%s %d", time.Month(bad.Month), bad.Day),
		"month":         int64(bad.Month),
		"year":          int64(bad.Year),
		"days_in_month": int64(bad.DaysInMonth),
		"leap_day":      bad.Month == 2 && bad.Day == 29,
		"last_day":      last.Format(time.DateOnly),
		"next_day":      next.Format(time.DateOnly),
	}
}
