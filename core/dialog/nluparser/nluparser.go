// Package nluparser adapts core/nlu to the dialog engine: it trains the parser from the
// dialog's intents and turns its results into dialog.Understanding.
package nluparser

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/nlu"
)

// Parser is a trained NLU seen as a dialog.Understander.
type Parser struct {
	p *nlu.Parser
}

var _ dialog.StayUnderstander = (*Parser)(nil)

// Options tune training (the fallback threshold, the holiday calendar).
type Options = nlu.Options

// Trainer returns a dialog.TrainFunc with opts.
func Trainer(opts Options) dialog.TrainFunc {
	return func(examples map[string][]string) (dialog.Understander, error) {
		p, err := nlu.Train(examples, opts)
		if err != nil {
			return nil, err
		}
		return &Parser{p: p}, nil
	}
}

// Train trains with the default options; it is a dialog.TrainFunc.
func Train(examples map[string][]string) (dialog.Understander, error) {
	return Trainer(Options{})(examples)
}

// Understand parses text received at ref.
func (p *Parser) Understand(text string, ref time.Time) dialog.Understanding {
	return Convert(p.p.Parse(text, ref))
}

// UnderstandStay parses text received at ref against the conversation's stay: bare days
// fall in the month said, a month alone moves the stay, a lone departure follows the
// check-in.
func (p *Parser) UnderstandStay(text string, ref time.Time, stay dialog.StayContext) dialog.Understanding {
	var ctx nlu.Context
	if d, err := nlu.ParseDate(stay.CheckIn); err == nil {
		ctx.CheckIn = d
	}
	if d, err := nlu.ParseDate(stay.CheckOut); err == nil {
		ctx.CheckOut = d
	}
	if d, err := nlu.ParseDate(stay.Month + "-01"); err == nil {
		ctx.Month = d
	}
	ctx.Departure = stay.Departure
	return Convert(p.p.ParseIn(text, ref, ctx))
}

// Convert maps an NLU result to the engine's view.
func Convert(r nlu.Result) dialog.Understanding {
	u := dialog.Understanding{
		Intent: r.Intent, Confidence: r.Confidence, Amenities: r.Amenities, Ambiguous: r.Ambiguous,
	}
	if r.LanguageKnown {
		u.Language = r.Language
	}
	if r.CheckIn != nil {
		u.CheckIn = r.CheckIn.String()
	}
	if r.CheckOut != nil {
		u.CheckOut = r.CheckOut.String()
	}
	if r.Guests != nil {
		u.Guests = *r.Guests
	}
	if r.Adults != nil {
		u.Adults = *r.Adults
	}
	if r.Children != nil {
		u.Children = *r.Children
	}
	if r.UnitType != nil {
		u.UnitType = *r.UnitType
	}
	u.DaysOnly = u.CheckIn != "" && daysOnly(r.DateText)
	if r.Month != nil {
		u.Month = r.Month.Format("2006-01")
	}
	if b := r.Impossible; b != nil {
		u.Impossible = &dialog.ImpossibleDay{Day: b.Day, Month: b.Month, Year: b.Year, DaysInMonth: b.DaysInMonth}
	}
	return u
}

// connectors may sit between bare day numbers in a range.
var connectors = map[string]bool{
	"del": true, "de": true, "desde": true, "el": true, "al": true, "a": true, "hasta": true, "y": true,
	"entre": true, "from": true, "to": true, "the": true, "till": true, "until": true, "and": true,
	"ate": true, "do": true, "dia": true, "dias": true, "day": true,
}

// daysOnly reports whether the date text is made of day numbers and connectors only:
// no month, no weekday, nothing relative ("del 6 al 9", "6 al 9", "from 6 to 9").
func daysOnly(text string) bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 || strings.ContainsAny(text, "/.-") {
		return false
	}
	numbers := 0
	for _, w := range words {
		if n, err := strconv.Atoi(w); err == nil {
			if n < 1 || n > 31 {
				return false
			}
			numbers++
			continue
		}
		if !connectors[w] {
			return false
		}
	}
	return numbers > 0
}
