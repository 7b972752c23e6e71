package holidays

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Kind says how a holiday is set and whether it is a day off.
type Kind string

// The kinds of Ley 27.399 and the decrees that apply it.
const (
	// Inamovible holidays keep their date (Año Nuevo, carnaval, Viernes Santo...).
	Inamovible Kind = "inamovible"
	// Trasladable holidays move to a Monday when they fall Tuesday to Friday.
	Trasladable Kind = "trasladable"
	// PuenteTuristico is a "día no laborable con fines turísticos" set each year by
	// decree to build long weekends. Counted as a day off: tourism is the point of it.
	PuenteTuristico Kind = "puente_turistico"
	// NoLaborable is a día no laborable left to each employer (Jueves Santo). Recorded,
	// never counted as a day off.
	NoLaborable Kind = "no_laborable"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case Inamovible, Trasladable, PuenteTuristico, NoLaborable:
		return true
	}
	return false
}

// DayOff reports whether a holiday of this kind frees the day for most people.
func (k Kind) DayOff() bool { return k == Inamovible || k == Trasladable || k == PuenteTuristico }

// Holiday is one dated holiday.
type Holiday struct {
	// Date is the day it is observed, at 00:00 UTC.
	Date time.Time
	// Key is a stable ASCII identifier shared by the same holiday every year
	// ("carnaval", "viernes_santo", "guemes", "puente_turistico"...).
	Key string
	// Name is the official Spanish name.
	Name string
	Kind Kind
	// MovedFrom is the legal date of a trasladable holiday observed on another day; zero
	// when it was not moved.
	MovedFrom time.Time
	// Provisional is true while the year's decree is not out (generated from the law).
	Provisional bool
}

// Run is a stretch of consecutive days off, weekends included.
type Run struct {
	// First and Last are the first and last days off (inclusive), at 00:00 UTC.
	First, Last time.Time
	// Holidays are the holidays inside the run (days off or not), in date order.
	Holidays []Holiday
}

// Days is the number of days off in the run.
func (r Run) Days() int { return int(dayNum(r.Last)-dayNum(r.First)) + 1 }

// CheckIn is the day a guest arrives to spend the whole run: the evening before the
// first day off.
func (r Run) CheckIn() time.Time { return r.First.AddDate(0, 0, -1) }

// CheckOut is the departure day: the last day off.
func (r Run) CheckOut() time.Time { return r.Last }

// Calendar answers questions about days off for the years it covers. It is immutable and
// safe for concurrent use.
type Calendar struct {
	byDay    map[int64][]Holiday // every holiday on a day, day-off kinds first
	years    []int               // covered years, ascending
	covered  map[int]bool
	runs     []Run                // runs of ≥1 days off that lie wholly inside covered years
	versions map[int]string       // data version per year, when loaded from files
	all      []Holiday            // date order
	byKey    map[string][]Holiday // date order
	aliasKey map[string]string    // folded alias → key
	nameKey  map[string]string    // folded official name → key
}

// New builds a calendar from a list of holidays. The years covered are exactly the years
// that appear in the list: a year without any entry is unknown, not holiday-free.
func New(list []Holiday) *Calendar {
	return newCalendar(list, nil)
}

func newCalendar(list []Holiday, versions map[int]string) *Calendar {
	c := &Calendar{
		byDay:    map[int64][]Holiday{},
		covered:  map[int]bool{},
		versions: map[int]string{},
		byKey:    map[string][]Holiday{},
		aliasKey: map[string]string{},
		nameKey:  map[string]string{},
	}
	for y, v := range versions {
		c.versions[y] = v
	}
	for _, h := range list {
		h.Date = Date(h.Date)
		if !h.MovedFrom.IsZero() {
			h.MovedFrom = Date(h.MovedFrom)
		}
		n := dayNum(h.Date)
		c.byDay[n] = append(c.byDay[n], h)
		c.covered[h.Date.Year()] = true
		c.all = append(c.all, h)
	}
	for n, hs := range c.byDay {
		// Day-off kinds first so Lookup answers with the holiday that matters for rest.
		slices.SortStableFunc(hs, func(a, b Holiday) int {
			if a.Kind.DayOff() != b.Kind.DayOff() {
				if a.Kind.DayOff() {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Key, b.Key)
		})
		c.byDay[n] = hs
	}
	sort.SliceStable(c.all, func(i, j int) bool { return c.all[i].Date.Before(c.all[j].Date) })
	for _, h := range c.all {
		if h.Key != "" {
			c.byKey[h.Key] = append(c.byKey[h.Key], h)
			c.nameKey[fold(h.Name)] = h.Key
		}
	}
	for alias, key := range aliases {
		c.aliasKey[fold(alias)] = key
	}
	for y := range c.covered {
		c.years = append(c.years, y)
	}
	sort.Ints(c.years)
	c.runs = c.computeRuns()
	return c
}

// Years lists the covered years in ascending order.
func (c *Calendar) Years() []int { return slices.Clone(c.years) }

// Version is the data version of a year loaded from a file ("" for other calendars).
func (c *Calendar) Version(year int) string { return c.versions[year] }

// Covers reports whether the calendar has data for d's year.
func (c *Calendar) Covers(d time.Time) bool { return c.covered[Date(d).Year()] }

// Holidays returns the holidays of a year in date order (nil when the year is not covered).
func (c *Calendar) Holidays(year int) []Holiday {
	var out []Holiday
	for _, h := range c.all {
		if h.Date.Year() == year {
			out = append(out, h)
		}
	}
	return out
}

// All returns every holiday in date order.
func (c *Calendar) All() []Holiday { return slices.Clone(c.all) }

// Lookup returns the holiday on d. When two fall on the same day (Malvinas and Jueves
// Santo in 2026) the one that is a day off wins; On returns both.
func (c *Calendar) Lookup(d time.Time) (Holiday, bool) {
	hs := c.byDay[dayNum(Date(d))]
	if len(hs) == 0 {
		return Holiday{}, false
	}
	return hs[0], true
}

// On returns every holiday on d.
func (c *Calendar) On(d time.Time) []Holiday {
	return slices.Clone(c.byDay[dayNum(Date(d))])
}

// IsDayOff reports whether d is a Saturday, a Sunday or a holiday that frees the day.
// Days of uncovered years are judged by the weekend alone.
func (c *Calendar) IsDayOff(d time.Time) bool {
	d = Date(d)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return true
	}
	for _, h := range c.byDay[dayNum(d)] {
		if h.Kind.DayOff() {
			return true
		}
	}
	return false
}

// LongWeekendAfter returns the next long weekend: the first run of at least three
// consecutive days off that has not ended by from (its last day is after from). A run
// already under way on from is returned; callers that book it should not check in
// before from. Runs are only reported when they lie wholly inside covered years, so the
// answer is false once the data runs out.
func (c *Calendar) LongWeekendAfter(from time.Time) (Run, bool) {
	from = Date(from)
	i := c.firstRunEndingAfter(from)
	for ; i < len(c.runs); i++ {
		if c.runs[i].Days() >= 3 {
			return cloneRun(c.runs[i]), true
		}
	}
	return Run{}, false
}

// NamedRun returns the run of days off around the next occurrence of a named holiday
// that has not ended by from. name is a key ("carnaval", "viernes_santo"), an official
// name, or a common alias ("semana santa", "pascuas", "navidad", "año nuevo"); case and
// accents do not matter. The run may be shorter than three days (Navidad on a Wednesday);
// callers decide whether that is a long weekend. Holidays that are not days off
// themselves (Jueves Santo) are skipped.
func (c *Calendar) NamedRun(name string, from time.Time) (Run, bool) {
	key, ok := c.KeyFor(name)
	if !ok {
		return Run{}, false
	}
	from = Date(from)
	for _, h := range c.byKey[key] {
		if !h.Kind.DayOff() {
			continue
		}
		r, ok := c.runContaining(h.Date)
		if !ok || !r.Last.After(from) {
			continue
		}
		return cloneRun(r), true
	}
	return Run{}, false
}

// KeyFor resolves a key, official name or alias to a holiday key.
func (c *Calendar) KeyFor(name string) (string, bool) {
	f := fold(name)
	if _, ok := c.byKey[f]; ok {
		return f, true
	}
	if k, ok := c.aliasKey[f]; ok {
		return k, true
	}
	if k, ok := c.nameKey[f]; ok {
		return k, true
	}
	return "", false
}

// WithOverrides returns a copy of the calendar with holidays added and days removed (all
// holidays on a removed day go). Additions replace nothing: add a day and remove the old
// one to move a holiday. The copy covers the years of the original plus those added.
func (c *Calendar) WithOverrides(add []Holiday, remove ...time.Time) *Calendar {
	drop := map[int64]bool{}
	for _, d := range remove {
		drop[dayNum(Date(d))] = true
	}
	list := make([]Holiday, 0, len(c.all)+len(add))
	for _, h := range c.all {
		if !drop[dayNum(h.Date)] {
			list = append(list, h)
		}
	}
	list = append(list, add...)
	nc := newCalendar(list, c.versions)
	// Removing every holiday of a year must not make the year unknown.
	for y := range c.covered {
		if !nc.covered[y] {
			nc.covered[y] = true
			nc.years = append(nc.years, y)
		}
	}
	sort.Ints(nc.years)
	nc.runs = nc.computeRuns()
	return nc
}

// computeRuns lists every run of days off lying wholly inside a block of consecutive
// covered years; a run touching the edge of a block could continue into unknown data and
// is left out.
func (c *Calendar) computeRuns() []Run {
	var runs []Run
	for i := 0; i < len(c.years); {
		j := i
		for j+1 < len(c.years) && c.years[j+1] == c.years[j]+1 {
			j++
		}
		start := dayNum(time.Date(c.years[i], 1, 1, 0, 0, 0, 0, time.UTC))
		end := dayNum(time.Date(c.years[j], 12, 31, 0, 0, 0, 0, time.UTC))
		for n := start; n <= end; {
			if !c.IsDayOff(fromDayNum(n)) {
				n++
				continue
			}
			m := n
			for m+1 <= end && c.IsDayOff(fromDayNum(m+1)) {
				m++
			}
			if n > start && m < end {
				r := Run{First: fromDayNum(n), Last: fromDayNum(m)}
				for k := n; k <= m; k++ {
					r.Holidays = append(r.Holidays, c.byDay[k]...)
				}
				runs = append(runs, r)
			}
			n = m + 1
		}
		i = j + 1
	}
	return runs
}

func (c *Calendar) firstRunEndingAfter(from time.Time) int {
	f := dayNum(from)
	return sort.Search(len(c.runs), func(i int) bool { return dayNum(c.runs[i].Last) > f })
}

func (c *Calendar) runContaining(d time.Time) (Run, bool) {
	n := dayNum(d)
	i := sort.Search(len(c.runs), func(i int) bool { return dayNum(c.runs[i].Last) >= n })
	if i < len(c.runs) && dayNum(c.runs[i].First) <= n {
		return c.runs[i], true
	}
	return Run{}, false
}

func cloneRun(r Run) Run {
	r.Holidays = slices.Clone(r.Holidays)
	return r
}

// Date truncates t to its calendar date (as printed in t's own location) at 00:00 UTC.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dayNum(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func fromDayNum(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// aliases are the everyday names guests and hosts use for holiday keys.
var aliases = map[string]string{
	"semana santa":          "viernes_santo",
	"pascua":                "viernes_santo",
	"pascuas":               "viernes_santo",
	"viernes santo":         "viernes_santo",
	"carnaval":              "carnaval",
	"carnavales":            "carnaval",
	"navidad":               "navidad",
	"año nuevo":             "ano_nuevo",
	"1 de enero":            "ano_nuevo",
	"24 de marzo":           "memoria",
	"dia de la memoria":     "memoria",
	"malvinas":              "malvinas",
	"2 de abril":            "malvinas",
	"dia del trabajador":    "trabajador",
	"dia del trabajo":       "trabajador",
	"1 de mayo":             "trabajador",
	"primero de mayo":       "trabajador",
	"25 de mayo":            "revolucion_de_mayo",
	"guemes":                "guemes",
	"17 de junio":           "guemes",
	"belgrano":              "belgrano",
	"dia de la bandera":     "belgrano",
	"20 de junio":           "belgrano",
	"9 de julio":            "independencia",
	"independencia":         "independencia",
	"san martin":            "san_martin",
	"17 de agosto":          "san_martin",
	"12 de octubre":         "diversidad_cultural",
	"dia de la raza":        "diversidad_cultural",
	"diversidad cultural":   "diversidad_cultural",
	"soberania":             "soberania",
	"soberania nacional":    "soberania",
	"20 de noviembre":       "soberania",
	"8 de diciembre":        "inmaculada_concepcion",
	"inmaculada":            "inmaculada_concepcion",
	"inmaculada concepcion": "inmaculada_concepcion",
	"25 de diciembre":       "navidad",
}

// fold lower-cases and strips Spanish accents, so "Año Nuevo" and "ano nuevo" match.
func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 'á', 'à', 'â', 'ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'í', 'ì', 'î', 'ï':
			r = 'i'
		case 'ó', 'ò', 'ô', 'ö':
			r = 'o'
		case 'ú', 'ù', 'û', 'ü':
			r = 'u'
		case 'ñ':
			r = 'n'
		}
		b.WriteRune(r)
	}
	return b.String()
}
