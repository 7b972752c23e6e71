// Package holidays owns the Argentine national holiday calendar as data: one versioned YAML
// file per year embedded in the binary (data/YYYY.yaml), the rules of Ley 27.399 to
// generate a provisional year before its decree is out, and the questions booking and the
// NLU ask of it: is this day off, where is the next long weekend, which days are carnaval
// or Semana Santa.
//
// Dates are calendar dates represented as time.Time at 00:00 UTC (the wall-clock date in
// America/Argentina/Buenos_Aires, stripped of its zone). Every function that takes a date
// ignores the clock and zone of its argument and uses only its year, month and day as
// printed in the argument's own location, so callers may pass a local midnight too.
//
// What counts as a day off: Saturdays, Sundays and holidays of kind inamovible, trasladable
// and puente_turistico. Jueves Santo (kind no_laborable) is optional for employers, so it
// is recorded but does not make a day off: a "finde largo" or a holiday price never relies
// on it. Días no laborables for particular faiths (Pésaj, Rosh Hashaná, Eid...) apply only
// to members of those faiths and are not recorded.
//
// The package has no database: booking copies it into its own table; a host can add or
// remove days (a provincial holiday, a decree that moved a date) with WithOverrides.
package holidays
