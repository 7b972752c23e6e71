package nlu

import "time"

// WeekendChoice answers the dialog's "¿Te referís a este fin de semana o el siguiente?".
type WeekendChoice string

// The two answers.
const (
	// WeekendThis is the coming weekend (Monday to Thursday) or the current one, from
	// the reference day (Friday to Sunday).
	WeekendThis WeekendChoice = "this"
	// WeekendNext is the weekend after that one.
	WeekendNext WeekendChoice = "next"
)

// ParseWeekendChoice reads an answer to "¿este fin de semana o el siguiente?": "este",
// "este mismo", "el de esta semana", "this one" mean this weekend; "el siguiente", "el
// otro", "el próximo", "el que viene", "el de la semana que viene", "next one", "o
// próximo" mean the next (set against "este", "el que viene" is the later one). It
// reports false when the text picks neither or both.
func ParseWeekendChoice(text string) (WeekendChoice, bool) {
	return weekendChoiceOf(tokenize(text, nil))
}

func weekendChoiceOf(toks []token) (WeekendChoice, bool) {
	this, next := false, false
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		w := t.w
		prev, nextW := "", ""
		if i > 0 {
			prev = toks[i-1].w
		}
		if i+1 < len(toks) {
			nextW = toks[i+1].w
		}
		switch w {
		case "este", "esta", "this", "ese", "esse", "actual", "current", "neste", "nesse":
			if w == "esta" && nextW == "semana" && prev != "de" {
				continue
			}
			this = true
		case "siguiente", "otro", "proximo", "next", "following", "seguinte", "outro", "after":
			next = true
		case "viene", "vem":
			if prev == "que" {
				next = true
			}
		}
	}
	switch {
	case this && !next:
		return WeekendThis, true
	case next && !this:
		return WeekendNext, true
	}
	return "", false
}

// WeekendRange returns the Friday-to-Sunday stay of the chosen weekend relative to ref
// (its calendar day in Buenos Aires). ok is false for WeekendThis on a Sunday, when the
// weekend is ending.
func WeekendRange(choice WeekendChoice, ref time.Time) (checkIn, checkOut Date, ok bool) {
	in, out, ok := weekendRange(refDay(ref), choice == WeekendNext)
	if !ok {
		return Date{}, Date{}, false
	}
	return Date{dayTime(in)}, Date{dayTime(out)}, true
}
