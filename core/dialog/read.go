package dialog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

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

// holding reports whether the guest holds a unit now (a hold made in this conversation
// and not let go since).
func (t *turn) holding() bool {
	hold, ok := t.st.Results["pre_reservar"].(map[string]any)
	if !ok || hold["ok"] != true {
		return false
	}
	released, _ := t.st.Results["liberar_hold"].(map[string]any)
	return released == nil || released["code"] != hold["code"]
}

// isQuestion reports whether the guest asks something ("¿tiene wifi?", "tienen cochera").
func isQuestion(text string) bool {
	return isFoldedQuestion(text, fold(text))
}

// isFoldedQuestion is isQuestion for a message already folded: the turn folds its text
// once.
func isFoldedQuestion(text, folded string) bool {
	if strings.ContainsAny(text, "?¿") {
		return true
	}
	words := strings.Fields(folded)
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
	question := isFoldedQuestion(t.in.Text, t.folded)
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
	case question && len(vals) == 0 && t.holding() && (t.u.Intent == "precio" || anyPhrase(t.folded, "total")):
		// "¿y el total cuánto es?" after a hold asks about that hold, not for a new
		// search (rule 3): the payment flow answers with its unit, dates and total.
		if f := t.e.flows["pago"]; f != nil {
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

var (
	weekdayNames = map[string]time.Weekday{
		"domingo": time.Sunday, "lunes": time.Monday, "martes": time.Tuesday, "miercoles": time.Wednesday,
		"jueves": time.Thursday, "viernes": time.Friday, "sabado": time.Saturday,
		"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
		"segunda": time.Monday, "terca": time.Tuesday, "quarta": time.Wednesday, "quinta": time.Thursday, "sexta": time.Friday,
	}
	monthNames = map[string]time.Month{
		"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
		"septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
		"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
		"september": 9, "october": 10, "november": 11, "december": 12,
		"janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
		"outubro": 10, "novembro": 11, "dezembro": 12,
	}
	// addWords add a night to the stay on the table: "sumamos el jueves", "agregamos el domingo".
	addWords = []string{"sumamos", "sumo", "sumar", "sumale", "agregamos", "agrego", "agregar", "agregale", "add", "adding", "adicionar", "acrescentar"}
	// weekdayPair names two nights by their weekdays: "viernes y sábado", "martes y miércoles".
	weekdayPair = regexp.MustCompile(`\b([a-z]+) (?:y|and|e) (?:el |la )?([a-z]+)\b`)
	// moreNights lengthens the stay on the table: "una noche más", "one more night", "2 noches extra".
	moreNights = regexp.MustCompile(`\b(?:([a-z0-9]+) (?:noches?|dias?|nights?|days?|noites?|diarias?) (?:mas|extra|a mais)|(?:one|a|an|([a-z0-9]+)) (?:more|extra) (?:nights?|days?))\b`)
	// monthsLength is a stay said in months or weeks: "4 meses", "6 months", "dos semanas".
	monthsLength = regexp.MustCompile(`\b([a-z0-9]+) (meses|mes|months?|semanas|weeks?)\b`)
	// singleNight is a stay of one night: "una sola noche", "solo la noche del martes", "just one night".
	singleNight = regexp.MustCompile(`\b(?:una sola noche|solo una noche|solo la noche|la noche del|una noche sola|just one night|only one night|just the night|uma noite so|so uma noite|so a noite)\b`)
	// monthRange is a stay from one month to another: "de abril a agosto", "from March to July".
	monthRange = regexp.MustCompile(`\b(?:de|desde|from|entre) ([a-z]+) (?:a|al|hasta|to|until|till|y|and|ate) ([a-z]+)\b`)
)

// count reads a number word or digits up to 90.
func count(w string) (int, bool) {
	if n, err := strconv.Atoi(w); err == nil && n > 0 && n <= 90 {
		return n, true
	}
	n, ok := numberWords[w]
	return n, ok
}

func day(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}

// readStay reads the message's dates against the stay on the table (conversation.md,
// rule 5): weekdays said about it fall in its week ("viernes y sábado entonces" after
// "el viernes 22"), two weekdays joined by "y" name two nights, "sumamos el jueves" adds a
// night, "una noche más" lengthens it; and a length the NLU leaves to the dialog ("una
// sola noche", "por 4 meses", "de abril a agosto") gives the check-out.
func (t *turn) readStay(u Understanding) Understanding {
	folded := t.folded
	prevIn, _ := t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string)
	prevOut, _ := t.st.Slots[t.slotFor(spec.EntityCheckOut)].(string)
	pIn, havePrev := day(prevIn)
	pOut, haveOut := day(prevOut)
	var days []time.Weekday
	for _, w := range strings.Fields(folded) {
		if wd, ok := weekdayNames[w]; ok {
			days = append(days, wd)
		}
	}
	digits := strings.ContainsAny(folded, "0123456789")
	nextWeek := anyPhrase(folded, "proximo", "proxima", "que viene", "siguiente", "next", "otro", "otra", "este", "esta", "this", "hoy", "manana")
	in, inOK := day(u.CheckIn)
	out, outOK := day(u.CheckOut)
	if havePrev && inOK && len(days) > 0 && !digits && !nextWeek {
		// Weekdays said about the stay on the table are the nearest ones to it.
		k := (int(in.Weekday()) - int(pIn.Weekday()) + 7) % 7
		if k > 3 {
			k -= 7
		}
		shift := pIn.AddDate(0, 0, k).Sub(in)
		in = in.Add(shift)
		if outOK {
			out = out.Add(shift)
		}
	}
	if inOK && outOK && len(days) == 2 {
		if m := weekdayPair.FindStringSubmatch(folded); m != nil {
			a, okA := weekdayNames[m[1]]
			b, okB := weekdayNames[m[2]]
			if okA && okB && in.Weekday() == a && out.Weekday() == b {
				// "viernes y sábado": the nights, so the stay ends the morning after.
				out = out.AddDate(0, 0, 1)
			}
		}
	}
	if havePrev && haveOut && inOK && !outOK && anyPhrase(folded, addWords...) {
		// "sumamos el jueves": one more night before or after the stay.
		switch {
		case in.Before(pIn):
			out, outOK = pOut, true
		case !in.Before(pOut):
			in, out, outOK = pIn, in.AddDate(0, 0, 1), true
		default:
			in, out, outOK = pIn, pOut, true
		}
	}
	if havePrev && haveOut {
		if m := moreNights.FindStringSubmatch(folded); m != nil {
			n := 1
			if w := m[1] + m[2]; w != "" {
				if c, ok := count(w); ok {
					n = c
				}
			}
			if !outOK {
				out, outOK = pOut.AddDate(0, 0, n), true
			}
			in, inOK = pIn, true
		}
	}
	if !inOK {
		if m := monthRange.FindStringSubmatch(folded); m != nil {
			a, okA := monthNames[m[1]]
			b, okB := monthNames[m[2]]
			if okA && okB {
				today := t.today()
				year := today.Year()
				if a < today.Month() {
					year++
				}
				in, inOK = time.Date(year, a, 1, 0, 0, 0, 0, time.UTC), true
				endYear := year
				if b < a {
					endYear++
				}
				out, outOK = time.Date(endYear, b+1, 1, 0, 0, 0, 0, time.UTC), true
				if in.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
					in = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
				}
			}
		}
	}
	if inOK && !outOK {
		nights, haveNights := nightsIn(folded)
		switch m := monthsLength.FindStringSubmatch(folded); {
		case singleNight.MatchString(folded):
			out, outOK = in.AddDate(0, 0, 1), true
		case haveNights:
			out, outOK = in.AddDate(0, 0, nights), true
		case m != nil:
			if n, ok := count(m[1]); ok {
				if strings.HasPrefix(m[2], "mes") || strings.HasPrefix(m[2], "month") {
					out, outOK = in.AddDate(0, n, 0), true
				} else {
					out, outOK = in.AddDate(0, 0, 7*n), true
				}
			}
		}
	}
	if inOK {
		u.CheckIn = in.Format(time.DateOnly)
	}
	if outOK {
		u.CheckOut = out.Format(time.DateOnly)
	}
	return u
}
