package inquiry

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Stay is a requested stay: CheckOut is the departure day. Zero dates are unknown.
type Stay struct {
	CheckIn, CheckOut time.Time
}

// Known says whether both ends are set.
func (s Stay) Known() bool { return !s.CheckIn.IsZero() && !s.CheckOut.IsZero() }

var months = map[string]time.Month{
	"enero": 1, "ene": 1, "january": 1, "jan": 1, "janeiro": 1, "jane": 1,
	"febrero": 2, "feb": 2, "february": 2, "fevereiro": 2, "fev": 2,
	"marzo": 3, "mar": 3, "march": 3, "marco": 3,
	"abril": 4, "abr": 4, "april": 4, "apr": 4,
	"mayo": 5, "may": 5, "maio": 5, "mai": 5,
	"junio": 6, "jun": 6, "june": 6, "junho": 6,
	"julio": 7, "jul": 7, "july": 7, "julho": 7,
	"agosto": 8, "ago": 8, "august": 8, "aug": 8,
	"septiembre": 9, "setiembre": 9, "sep": 9, "sept": 9, "set": 9, "september": 9, "setembro": 9,
	"octubre": 10, "oct": 10, "october": 10, "outubro": 10, "out": 10,
	"noviembre": 11, "nov": 11, "november": 11, "novembro": 11,
	"diciembre": 12, "dic": 12, "december": 12, "dec": 12, "dezembro": 12, "dez": 12,
}

const (
	monthRe   = `(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|january|february|march|april|june|july|august|september|october|november|december|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro|ene|jan|feb|fev|mar|abr|apr|may|jun|jul|ago|aug|sept|sep|set|oct|out|nov|dic|dec|dez)\.?`
	weekdayRe = `(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|monday|tuesday|wednesday|thursday|friday|saturday|sunday|segunda|terca|quarta|quinta|sexta|lun|mar|mie|jue|vie|sab|dom|mon|tue|wed|thu|fri|sat|sun)\.?,?`
)

// A day and month, optionally a year: "06/02/2027", "15/01", "12 de enero de 2027",
// "12 feb 2027", "Feb 12, 2027" (all in folded text).
var (
	numericDateRe = regexp.MustCompile(`\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?\b`)
	wordDateRe    = regexp.MustCompile(`\b(\d{1,2})(?:\s+de)?\s+` + monthRe + `(?:\s+(?:de\s+)?(\d{4}))?`)
	englishDateRe = regexp.MustCompile(`\b` + monthRe + `\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?`)

	// Ranges in free text (nlu-spec "Dates").
	rangeRe        = regexp.MustCompile(`\b(?:del|desde el|desde|entre el|entre)\s+(?:` + weekdayRe + `\s+)?(\d{1,2})(?:\s+de\s+` + monthRe + `|/(\d{1,2}))?\s+(?:al|hasta el|hasta|y el|a)\s+(?:` + weekdayRe + `\s+)?(\d{1,2})(?:\s+de\s+` + monthRe + `|/(\d{1,2}))`)
	slashRangeRe   = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})\s*(?:-|al|a)\s*(\d{1,2})/(\d{1,2})\b`)
	englishRangeRe = regexp.MustCompile(`\b(?:from\s+)?` + monthRe + `\s+(\d{1,2})(?:st|nd|rd|th)?\s*(?:-|to|until|through)\s*(?:` + monthRe + `\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?`)
	// "2-5 de feb. de 2027" (Airbnb's Spanish subject).
	dayRangeMonthRe = regexp.MustCompile(`\b(\d{1,2})\s*-\s*(\d{1,2})\s+de\s+` + monthRe + `(?:\s+de\s+(\d{4}))?`)
	quincenaRe      = regexp.MustCompile(`\b(primera|1ra|1a|segunda|2da|2a)\s+quincena\s+de\s+` + monthRe)
	relativeDayRe   = regexp.MustCompile(`(^|[^a-z])(pasado manana|manana|hoy)([^a-z]|$)`)
	nightsRe        = regexp.MustCompile(`\b` + numPattern + `\s+(?:noches|noche|nights|night|noites|dias)\b|\buna semana\b|\ba week\b`)
)

// resolve gives the date of day/month without a year: the earliest year in which it falls
// on or after ref's day (nlu-spec "No year").
func resolve(ref time.Time, day int, month time.Month) time.Time {
	t := time.Date(ref.Year(), month, day, 0, 0, 0, 0, time.UTC)
	if t.Before(civil(ref)) {
		t = t.AddDate(1, 0, 0)
	}
	return t
}

// civil is ref's calendar day as a UTC midnight.
func civil(ref time.Time) time.Time {
	return time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, time.UTC)
}

func validDay(y int, m time.Month, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d
}

// checkOutAfter places a check-out day/month after check-in, rolling into the next year.
func checkOutAfter(in time.Time, day int, month time.Month) time.Time {
	t := time.Date(in.Year(), month, day, 0, 0, 0, 0, time.UTC)
	if !t.After(in) {
		t = t.AddDate(1, 0, 0)
	}
	return t
}

func year(s string) int {
	if s == "" {
		return 0
	}
	y, _ := strconv.Atoi(s)
	if y < 100 {
		y += 2000
	}
	return y
}

// parseDate reads one date of a portal field ("viernes 15/01/2027", "Fri 12 Feb 2027",
// "jueves, 1 de abril de 2027"); without a year it is resolved against ref.
func parseDate(s string, ref time.Time) (time.Time, bool) {
	f := fold(s)
	var d, y int
	var m time.Month
	if g := numericDateRe.FindStringSubmatch(f); g != nil {
		d, _ = strconv.Atoi(g[1])
		mi, _ := strconv.Atoi(g[2])
		m, y = time.Month(mi), year(g[3])
	} else if g := wordDateRe.FindStringSubmatch(f); g != nil {
		d, _ = strconv.Atoi(g[1])
		m, y = months[g[2]], year(g[3])
	} else if g := englishDateRe.FindStringSubmatch(f); g != nil {
		d, _ = strconv.Atoi(g[2])
		m, y = months[g[1]], year(g[3])
	} else {
		return time.Time{}, false
	}
	if y == 0 {
		if !validDay(2028, m, d) { // a leap year accepts every real day
			return time.Time{}, false
		}
		return resolve(ref, d, m), true
	}
	if !validDay(y, m, d) {
		return time.Time{}, false
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
}

// parseRangeField reads "desde 06/02/2027 hasta 12/02/2027" or "6/2 al 12/2".
func parseRangeField(s string, ref time.Time) (Stay, bool) {
	f := fold(s)
	for _, sep := range []string{" hasta ", " al ", " - ", " a "} {
		if a, b, ok := strings.Cut(f, sep); ok {
			a = strings.TrimPrefix(strings.TrimSpace(a), "desde ")
			in, ok1 := parseDate(a, ref)
			out, ok2 := parseDate(b, in)
			if ok1 && ok2 && out.After(in) {
				return Stay{CheckIn: in, CheckOut: out}, true
			}
		}
	}
	return Stay{}, false
}

// subjectStay reads the stay a portal writes in its subject or summary line
// ("Feb 19 - 22, 2027", "2-5 de feb. de 2027", "Mar 12 - 15, 2027").
func subjectStay(s string, ref time.Time) (Stay, bool) {
	f := fold(s)
	if g := dayRangeMonthRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[1], "", "", g[2], g[3], "", g[4])
	}
	if g := englishRangeRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[2], g[1], "", g[4], g[3], "", g[5])
	}
	return Stay{}, false
}

// textStay reads the stay a guest writes (folded text), as nlu-spec.md "Dates" says.
func textStay(f string, ref time.Time) (Stay, bool) {
	if g := rangeRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[1], g[2], g[3], g[4], g[5], g[6], "")
	}
	if g := slashRangeRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[1], "", g[2], g[3], "", g[4], "")
	}
	if g := englishRangeRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[2], g[1], "", g[4], g[3], "", g[5])
	}
	if g := dayRangeMonthRe.FindStringSubmatch(f); g != nil {
		return buildRange(ref, g[1], "", "", g[2], g[3], "", g[4])
	}
	if g := quincenaRe.FindStringSubmatch(f); g != nil {
		m := months[g[2]]
		start := resolve(ref, 1, m)
		if strings.HasPrefix(g[1], "1") || g[1] == "primera" {
			return Stay{CheckIn: start, CheckOut: start.AddDate(0, 0, 15)}, true
		}
		in := time.Date(start.Year(), m, 16, 0, 0, 0, 0, time.UTC)
		if in.Before(civil(ref)) {
			in = in.AddDate(1, 0, 0)
		}
		return Stay{CheckIn: in, CheckOut: time.Date(in.Year(), m+1, 1, 0, 0, 0, 0, time.UTC)}, true
	}
	if g := relativeDayRe.FindStringSubmatch(f); g != nil && !morning(f, g[2]) {
		in := civil(ref)
		switch g[2] {
		case "manana":
			in = in.AddDate(0, 0, 1)
		case "pasado manana":
			in = in.AddDate(0, 0, 2)
		}
		st := Stay{CheckIn: in}
		if n := nights(f); n > 0 {
			st.CheckOut = in.AddDate(0, 0, n)
		}
		return st, true
	}
	return Stay{}, false
}

// morning tells "a la mañana" (in the morning) from "mañana" (tomorrow).
func morning(f, word string) bool {
	if word != "manana" {
		return false
	}
	for _, p := range []string{"la manana", "las mananas", "de manana", "por la manana"} {
		if strings.Contains(f, p) && !strings.Contains(strings.ReplaceAll(f, p, ""), "manana") {
			return true
		}
	}
	return false
}

// nights reads a length of stay: "2 noches", "una semana", "3 días" (nlu-spec: days
// mean nights).
func nights(f string) int {
	g := nightsRe.FindStringSubmatch(f)
	if g == nil {
		return 0
	}
	if g[1] == "" {
		return 7
	}
	return atoiWord(g[1])
}

// buildRange resolves a range: months given once apply to both ends, a first day larger
// than the second belongs to the previous month, a missing year is the earliest with
// check-in on or after ref's day, and check-out rolls into the next year when needed.
func buildRange(ref time.Time, d1, m1word, m1num, d2, m2word, m2num, y string) (Stay, bool) {
	day1, _ := strconv.Atoi(d1)
	day2, _ := strconv.Atoi(d2)
	month := func(word, num string) time.Month {
		if word != "" {
			return months[word]
		}
		if num != "" {
			n, _ := strconv.Atoi(num)
			return time.Month(n)
		}
		return 0
	}
	mo1, mo2 := month(m1word, m1num), month(m2word, m2num)
	if mo2 == 0 {
		mo2 = mo1
	}
	if mo2 < 1 || mo2 > 12 {
		return Stay{}, false
	}
	if mo1 == 0 {
		mo1 = mo2
		if day1 > day2 {
			mo1 = mo2 - 1
			if mo1 == 0 {
				mo1 = 12
			}
		}
	}
	if mo1 < 1 || mo1 > 12 || !validDay(2028, mo1, day1) || !validDay(2028, mo2, day2) {
		return Stay{}, false
	}
	var in time.Time
	if yy := year(y); yy != 0 {
		in = time.Date(yy, mo1, day1, 0, 0, 0, 0, time.UTC)
		if mo1 > mo2 { // "28 dic - 2 ene, 2027": the year names the check-out
			in = in.AddDate(-1, 0, 0)
		}
	} else {
		in = resolve(ref, day1, mo1)
	}
	out := checkOutAfter(in, day2, mo2)
	if out.Sub(in) > 90*24*time.Hour {
		return Stay{}, false
	}
	return Stay{CheckIn: in, CheckOut: out}, true
}
