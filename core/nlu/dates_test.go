package nlu

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Reference instants used below (Buenos Aires): 2027-01-20 is a Wednesday, 2026-11-28 a
// Saturday.
const (
	refWed = "2027-01-20T10:00:00-03:00"
	refSat = "2026-11-28T10:00:00-03:00"
)

func TestDates(t *testing.T) {
	p := defaultParser(t)
	tests := []struct {
		name, text, ref string
		in, out         string // "" = null
		nights          int    // 0 = not checked
		reason          string // ambiguity reason for dates, "" = none
	}{
		// Explicit ranges in every listed form.
		{"del al with month on the end", "del 5 al 8/1", refSat, "2027-01-05", "2027-01-08", 3, ""},
		{"month name", "5 al 8 de enero", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"desde hasta, no month", "desde el 5 hasta el 8", refWed, "2027-02-05", "2027-02-08", 0, ""},
		{"entre y", "entre el 5 y el 8 de enero", "2026-12-10T09:00:00-03:00", "2027-01-05", "2027-01-08", 0, ""},
		{"dash between dates", "15/12 - 18/12", refSat, "2026-12-15", "2026-12-18", 0, ""},
		{"cross year", "del 28/12 al 2/1", refSat, "2026-12-28", "2027-01-02", 5, ""},
		{"first day larger than second", "del 28 al 2 de enero", refSat, "2026-12-28", "2027-01-02", 0, ""},
		{"cross month", "del 30 al 4 de enero", "2026-12-16T10:00:00-03:00", "2026-12-30", "2027-01-04", 0, ""},
		{"dots", "del 27.2 al 2.3", "2027-02-10T10:00:00-03:00", "2027-02-27", "2027-03-02", 0, ""},
		{"dashes as separators", "20-2 al 23-2", "2027-02-01T10:00:00-03:00", "2027-02-20", "2027-02-23", 0, ""},
		{"explicit years", "del 3/1/2027 al 7/1/2027", "2026-12-15T10:00:00-03:00", "2027-01-03", "2027-01-07", 0, ""},
		{"number words", "del once al catorce de enero", "2026-12-22T10:00:00-03:00", "2027-01-11", "2027-01-14", 0, ""},
		{"dash pair of days with month", "5-8 de enero", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"no month, earliest month", "del 1 al 3", "2027-02-24T10:00:00-03:00", "2027-03-01", "2027-03-03", 0, ""},
		{"que viene after the month in that month", "del 10 al 20 de enero que viene", "2027-01-05T10:00:00-03:00", "2028-01-10", "2028-01-20", 0, ""},
		{"weekday range", "del sábado al lunes", "2027-01-27T10:00:00-03:00", "2027-01-30", "2027-02-01", 0, ""},
		{"arrival and departure", "llegamos el 5/1 y nos vamos el 8/1", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"entrada salida", "entrada 10/1 salida 15/1", refSat, "2027-01-10", "2027-01-15", 0, ""},
		{"desde mañana hasta el domingo", "desde mañana hasta el domingo", refWed, "2027-01-21", "2027-01-24", 0, ""},
		// Start and length.
		{"noches desde", "3 noches desde el 10 de febrero", refWed, "2027-02-10", "2027-02-13", 3, ""},
		{"por noches", "el 10/2 por 3 noches", refWed, "2027-02-10", "2027-02-13", 3, ""},
		{"x noches", "el viernes 19 x 2 noches", "2027-02-01T10:00:00-03:00", "2027-02-19", "2027-02-21", 2, ""},
		{"una semana desde", "una semana desde el 3 de marzo", refWed, "2027-03-03", "2027-03-10", 7, ""},
		{"dos semanas", "2 semanas desde el 3 de enero", "2026-12-14T10:00:00-03:00", "2027-01-03", "2027-01-17", 14, ""},
		{"dias mean nights", "3 días desde el 10", refWed, "2027-02-10", "2027-02-13", 3, ""},
		{"a partir de", "una semana a partir del 2 de enero", refSat, "2027-01-02", "2027-01-09", 7, ""},
		{"weekday then length", "para el viernes 2 noches", refWed, "2027-01-22", "2027-01-24", 2, ""},
		// Single days.
		{"hoy", "para hoy tienen algo?", refWed, "2027-01-20", "", 0, ""},
		{"mañana", "mañana hay lugar?", refWed, "2027-01-21", "", 0, ""},
		{"pasado mañana with length", "pasado mañana 2 noches", refWed, "2027-01-22", "2027-01-24", 2, ""},
		{"la mañana is not a day", "se puede llegar a la mañana?", refWed, "", "", 0, ""},
		{"weekday", "el viernes hay lugar?", refWed, "2027-01-22", "", 0, ""},
		{"weekday today counts", "el miércoles", refWed, "2027-01-20", "", 0, ""},
		{"weekday with day number", "el sábado 13", refWed, "2027-02-13", "", 0, ""},
		{"day and month", "para el 6 de enero", "2026-12-17T10:00:00-03:00", "2027-01-06", "", 0, ""},
		{"8/1 is January", "el 8/1", refSat, "2027-01-08", "", 0, ""},
		{"a loose day is not a date", "el 10 rindo un final", refWed, "", "", 0, ""},
		{"guests are not a day", "para 4", refWed, "", "", 0, ""},
		{"a clock time is not a day", "podemos llegar a las 10?", refWed, "", "", 0, ""},
		// Weekends.
		{"este finde from wednesday", "este finde", refWed, "2027-01-22", "2027-01-24", 2, ""},
		{"el finde from wednesday", "hay lugar el finde?", refWed, "2027-01-22", "2027-01-24", 0, ""},
		{"fin de semana", "este fin de semana", refWed, "2027-01-22", "2027-01-24", 0, ""},
		{"este finde on saturday", "este finde", "2027-01-23T10:00:00-03:00", "2027-01-23", "2027-01-24", 1, ""},
		{"este finde on friday", "somos 4 y queremos ir este finde", "2027-01-29T10:00:00-03:00", "2027-01-29", "2027-01-31", 0, ""},
		{"este finde on sunday is over", "este finde", "2027-01-24T10:00:00-03:00", "", "", 0, ReasonWeekendOver},
		{"el finde on friday is ambiguous", "el finde", "2027-01-22T10:00:00-03:00", "", "", 0, ReasonWeekendThisOrNext},
		{"el otro finde", "el otro finde", refWed, "2027-01-29", "2027-01-31", 0, ""},
		{"el finde que viene is ambiguous", "el finde que viene", refWed, "", "", 0, ReasonWeekendThisOrNext},
		{"el próximo finde is ambiguous", "el próximo finde", refWed, "", "", 0, ReasonWeekendThisOrNext},
		{"this weekend", "this weekend", refWed, "2027-01-22", "2027-01-24", 0, ""},
		{"next weekend is ambiguous", "next weekend", refWed, "", "", 0, ReasonWeekendThisOrNext},
		// Long weekends and holiday runs.
		{"finde largo with bridge day", "finde largo", "2026-12-03T10:00:00-03:00", "2026-12-04", "2026-12-08", 4, ""},
		{"finde largo de carnaval", "el finde largo de carnaval", "2026-11-30T10:00:00-03:00", "2027-02-05", "2027-02-09", 0, ""},
		{"carnaval alone", "para carnaval", "2027-01-10T10:00:00-03:00", "2027-02-05", "2027-02-09", 0, ""},
		{"semana santa", "semana santa", "2027-02-17T10:00:00-03:00", "2027-03-25", "2027-03-28", 0, ""},
		{"finde largo de navidad", "finde largo de navidad", "2026-12-14T10:00:00-03:00", "2026-12-24", "2026-12-27", 0, ""},
		{"finde largo of a month", "el finde largo de octubre", "2027-08-20T10:00:00-03:00", "2027-10-08", "2027-10-11", 0, ""},
		{"feriado largo", "el feriado largo", "2027-03-31T10:00:00-03:00", "2027-04-01", "2027-04-04", 0, ""},
		{"no data left", "finde largo", "2028-12-27T10:00:00-03:00", "", "", 0, ReasonNoLongWeekend},
		// Quincenas.
		{"primera quincena", "primera quincena de enero", refSat, "2027-01-01", "2027-01-16", 15, ""},
		{"segunda quincena", "la segunda quincena de enero", refSat, "2027-01-16", "2027-02-01", 16, ""},
		{"2da quincena", "2da quincena de febrero", refWed, "2027-02-16", "2027-03-01", 0, ""},
		{"quincena without month", "la primera quincena", refWed, "", "", 0, ReasonVaguePeriod},
		// Vague periods.
		{"month alone", "en enero", refSat, "", "", 0, ReasonVaguePeriod},
		{"winter holidays", "para las vacaciones de invierno", refSat, "", "", 0, ReasonVaguePeriod},
		{"new year", "para año nuevo", refSat, "", "", 0, ReasonVaguePeriod},
		{"las fiestas", "para las fiestas tienen algo?", refSat, "", "", 0, ReasonVaguePeriod},
		{"length alone", "tienen algo para 4 noches?", refWed, "", "", 4, ""},
		// Invalid days.
		{"no such day", "el 30/2", refWed, "", "", 0, ReasonInvalidDate},
		{"a leap day in a year that has none does not exist", "del 29/2 al 2/3", refSat, "", "", 0, ReasonInvalidDate},
		{"a leap day in a leap year", "del 29/2 al 2/3", "2027-03-10T10:00:00-03:00", "2028-02-29", "2028-03-02", 0, ""},
		{"days written out win over a named period", "para carnaval somos 4, del 6 al 8 de febrero", "2027-01-20T11:00:00-03:00", "2027-02-06", "2027-02-08", 2, ""},
		// A weekend named by one of its days; ranges of weekdays with their day numbers.
		{"weekend of a saturday", "el fin de semana del 20 de marzo", "2027-03-03T09:30:00-03:00", "2027-03-19", "2027-03-21", 2, ""},
		{"weekend that a day falls in", "para el finde que cae 14 de febrero", "2026-12-12T09:40:00-03:00", "2027-02-12", "2027-02-14", 2, ""},
		{"weekend of a thursday is the one after", "el finde del 18 de febrero", "2026-12-12T09:40:00-03:00", "2027-02-19", "2027-02-21", 2, ""},
		{"weekday range with the month once", "lunes 1 a jueves 4 de marzo", "2027-01-20T11:00:00-03:00", "2027-03-01", "2027-03-04", 3, ""},
		{"short weekday range", "del lun al mié", refSat, "2026-11-30", "2026-12-02", 2, ""},
		// The departure said first, in other words.
		{"departure before arrival", "me tengo que ir el 5/2 temprano, llegaría el 1/2", "2026-12-28T15:50:00-03:00", "2027-02-01", "2027-02-05", 4, ""},
		{"me voy", "llego el 2/2 y me voy el 6/2", refWed, "2027-02-02", "2027-02-06", 4, ""},
		{"check out with a verb between", "check in el 3/3, el check out sería el 6/3", refWed, "2027-03-03", "2027-03-06", 3, ""},
		// A month said once in the message places bare days.
		{"month said before the days", "quise decir febrero: del 8 al 11", refWed, "2027-02-08", "2027-02-11", 3, ""},
		{"month said before the days, next year", "no, de enero: 13 al 16", "2026-12-19T17:05:00-03:00", "2027-01-13", "2027-01-16", 3, ""},
		// Bare days and spans from today that plainly name a day.
		{"para el 16", "¿tienen lugar para el 16?", refWed, "2027-02-16", "", 0, ""},
		{"el día quince", "el día quince", refWed, "2027-02-15", "", 0, ""},
		{"a day number in a sentence is not a day", "el 10 rindo un final", refWed, "", "", 0, ""},
		{"en 7 días", "en 7 días", refWed, "2027-01-27", "", 0, ""},
		{"dentro de una semana", "dentro de una semana", refWed, "2027-01-27", "", 0, ""},
		{"a span in a sentence is not a day", "te confirmo en 2 días", refWed, "", "", 0, ""},
		{"an arrival in a span from today", "somos 2, llegamos en 10 días, por 3 noches", refWed, "2027-01-30", "2027-02-02", 3, ""},
		// Impossible days: the check-in stands when only the departure is impossible.
		{"impossible departure keeps the check-in", "del 28/4 al 31/4", refWed, "2027-04-28", "", 0, ""},
		{"impossible arrival", "entramos el 30/2 y salimos el 2/3", refWed, "", "", 0, ReasonInvalidDate},
		// English and Portuguese.
		{"english range", "from January 5 to 8", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"english short range", "Jan 5-8", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"english nights from", "3 nights from Feb 10", refWed, "2027-02-10", "2027-02-13", 3, ""},
		{"portuguese range", "de 5 a 8 de janeiro", refSat, "2027-01-05", "2027-01-08", 0, ""},
		{"portuguese ao", "do dia 5 ao dia 8 de fevereiro", refWed, "2027-02-05", "2027-02-08", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Parse(tc.text, ts(t, tc.ref))
			assert.Equal(t, tc.in, dateStr(r.CheckIn), "check_in")
			assert.Equal(t, tc.out, dateStr(r.CheckOut), "check_out")
			if tc.nights > 0 {
				assert.Equal(t, tc.nights, intStr(r.Nights), "nights")
			}
			if tc.reason == "" {
				assert.NotContains(t, r.Ambiguous, "dates")
			} else {
				assert.Contains(t, r.Ambiguous, "dates")
				assert.Equal(t, tc.reason, r.Reasons["dates"])
			}
		})
	}
}

func TestDateText(t *testing.T) {
	p := defaultParser(t)
	r := p.Parse("Hola! tienen lugar del 5 al 8/1 para 4?", ts(t, refSat))
	assert.Equal(t, "del 5 al 8/1", r.DateText)
	r = p.Parse("PRECIO PARA EL OTRO FINDE", ts(t, refWed))
	assert.Equal(t, "EL OTRO FINDE", r.DateText)
}

func TestImpossibleDates(t *testing.T) {
	p := defaultParser(t)
	tests := []struct {
		name, text, ref string
		want            *ImpossibleDate
	}{
		{"31 of april", "del 28/4 al 31/4", refWed, &ImpossibleDate{Day: 31, Month: 4, Year: 2027, DaysInMonth: 30}},
		{"30 of february", "entramos el 30/2 y salimos el 2/3", refWed, &ImpossibleDate{Day: 30, Month: 2, Year: 2027, DaysInMonth: 28}},
		{"31 of june without its month", "del 31 al 4/7", refWed, &ImpossibleDate{Day: 31, Month: 6, Year: 2027, DaysInMonth: 30}},
		{"29/2 in a year that is not a leap year", "el 29/2", refWed, &ImpossibleDate{Day: 29, Month: 2, Year: 2027, DaysInMonth: 28}},
		{"29/2 in a leap year", "el 29/2", "2027-03-10T10:00:00-03:00", nil},
		{"a day that exists", "del 28/4 al 30/4", refWed, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := p.Parse(tc.text, ts(t, tc.ref))
			assert.Equal(t, tc.want, r.Impossible)
		})
	}
}

func TestDatesInContext(t *testing.T) {
	p := defaultParser(t)
	day := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name, text, ref string
		ctx             Context
		in, out         string
		month           string // "" = none
	}{
		{"a month alone is remembered", "estamos viendo para febrero, somos 3", "2026-12-10T11:15:00-03:00", Context{}, "", "", "2027-02-01"},
		{"december said in january is the coming one", "quiero ir en diciembre", "2027-01-20T11:00:00-03:00", Context{}, "", "", "2027-12-01"},
		{"bare days fall in the month said", "del 16 al 19", "2026-12-10T11:15:00-03:00", Context{Month: day("2027-02-01")}, "2027-02-16", "2027-02-19", ""},
		{"bare days in december of the next year", "del 27 al 30", "2027-01-20T11:00:00-03:00", Context{Month: day("2027-12-01")}, "2027-12-27", "2027-12-30", ""},
		{"de N a M in the month said", "de 12 a 15", "2027-01-10T10:00:00-03:00", Context{Month: day("2027-04-01")}, "2027-04-12", "2027-04-15", ""},
		{"de N a M without a month is no stay", "de 12 a 15", "2027-01-10T10:00:00-03:00", Context{}, "", "", ""},
		{"a month alone moves the stay", "no no, de febrero", "2027-01-10T16:20:00-03:00", Context{CheckIn: day("2027-01-22"), CheckOut: day("2027-01-25")}, "2027-02-22", "2027-02-25", "2027-02-01"},
		{"a month alone moves a stay of next year back", "uy perdón, marzo!", "2027-02-17T14:25:00-03:00", Context{CheckIn: day("2028-02-10"), CheckOut: day("2028-02-13")}, "2027-03-10", "2027-03-13", "2027-03-01"},
		{"a story about a month moves nothing", "el año pasado fuimos en enero y nos encantó el lugar", "2027-01-10T16:20:00-03:00", Context{CheckIn: day("2027-02-22"), CheckOut: day("2027-02-25")}, "", "", "2027-01-01"},
		{"two months are no correction", "de abril a agosto", "2027-01-10T16:20:00-03:00", Context{CheckIn: day("2027-02-22"), CheckOut: day("2027-02-25")}, "", "", "2027-04-01"},
		{"a check-in moved past the stay keeps its nights", "perdón, era el 8 de febrero", "2027-01-20T11:00:00-03:00", Context{CheckIn: day("2028-01-08"), CheckOut: day("2028-01-11")}, "2027-02-08", "2027-02-11", ""},
		{"a check-in moved within the stay leaves the departure", "mejor llegamos el 11", "2027-01-10T10:00:00-03:00", Context{CheckIn: day("2027-02-10"), CheckOut: day("2027-02-13")}, "2027-02-11", "", ""},
		{"a departure weekday follows the check-in", "salimos el viernes", "2026-12-10T11:15:00-03:00", Context{CheckIn: day("2027-01-18")}, "", "2027-01-22", ""},
		{"hasta el domingo a la mañana", "nos quedamos hasta el domingo a la mañana", "2027-01-20T11:00:00-03:00", Context{CheckIn: day("2027-03-01")}, "", "2027-03-07", ""},
		{"a departure with a weekday and its day", "mejor hasta el jueves 18", "2027-01-04T10:20:00-03:00", Context{CheckIn: day("2027-02-15"), CheckOut: day("2027-02-17")}, "", "2027-02-18", ""},
		{"a departure day number before the arrival's day is next month", "la salida el 2", "2027-01-10T10:00:00-03:00", Context{CheckIn: day("2027-02-27")}, "", "2027-03-02", ""},
		{"asked for the departure, a lone day is it", "el sábado", "2027-02-17T14:25:00-03:00", Context{CheckIn: day("2027-03-03"), Departure: true}, "", "2027-03-06", ""},
		{"without a stay a departure alone is nothing", "salimos el viernes", "2026-12-10T11:15:00-03:00", Context{}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := p.ParseIn(tc.text, ts(t, tc.ref), tc.ctx)
			assert.Equal(t, tc.in, dateStr(r.CheckIn), "check_in")
			assert.Equal(t, tc.out, dateStr(r.CheckOut), "check_out")
			assert.Equal(t, tc.month, dateStr(r.Month), "month")
		})
	}
}
