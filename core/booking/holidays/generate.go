package holidays

import (
	"sort"
	"time"
)

// Official names of the national holidays (Ley 27.399 and amendments).
const (
	nameAnoNuevo     = "Año Nuevo"
	nameCarnaval     = "Carnaval"
	nameMemoria      = "Día Nacional de la Memoria por la Verdad y la Justicia"
	nameMalvinas     = "Día del Veterano y de los Caídos en la Guerra de Malvinas"
	nameJuevesSanto  = "Jueves Santo"
	nameViernesSanto = "Viernes Santo"
	nameTrabajador   = "Día del Trabajador"
	nameMayo         = "Día de la Revolución de Mayo"
	nameGuemes       = "Paso a la Inmortalidad del General Martín Miguel de Güemes"
	nameBelgrano     = "Paso a la Inmortalidad del General Manuel Belgrano"
	nameIndependen   = "Día de la Independencia"
	nameSanMartin    = "Paso a la Inmortalidad del General José de San Martín"
	nameDiversidad   = "Día del Respeto a la Diversidad Cultural"
	nameSoberania    = "Día de la Soberanía Nacional"
	nameInmaculada   = "Día de la Inmaculada Concepción de María"
	nameNavidad      = "Navidad"
	// NamePuente is the name used for "días no laborables con fines turísticos".
	NamePuente = "Día no laborable con fines turísticos"
)

// Generate computes a year's holidays from the law alone, every one marked provisional:
//
//   - inamovibles on their date (1/1, 24/3, 2/4, 1/5, 25/5, 20/6, 9/7, 8/12, 25/12);
//   - carnaval Monday and Tuesday (48 and 47 days before Easter) and Viernes Santo (2 days
//     before), with Jueves Santo as a día no laborable, from the Gregorian Easter;
//   - trasladables (17/6, 17/8, 12/10, 20/11) under article 6 of Ley 27.399: Tuesday and
//     Wednesday move to the previous Monday, Thursday and Friday to the next Monday.
//
// Two things only a decree sets are left out: bridge days (días no laborables con fines
// turísticos, up to three a year) and the optional move of a trasladable that falls on a
// weekend (Decreto 614/2025 lets the Jefatura de Gabinete move it to the Friday before or
// the Monday after). A generated year is a forecast until those are published.
func Generate(year int) []Holiday {
	d := func(m time.Month, day int) time.Time { return time.Date(year, m, day, 0, 0, 0, 0, time.UTC) }
	easter := Easter(year)
	hs := []Holiday{
		{Date: d(time.January, 1), Key: "ano_nuevo", Name: nameAnoNuevo, Kind: Inamovible},
		{Date: easter.AddDate(0, 0, -48), Key: "carnaval", Name: nameCarnaval, Kind: Inamovible},
		{Date: easter.AddDate(0, 0, -47), Key: "carnaval", Name: nameCarnaval, Kind: Inamovible},
		{Date: d(time.March, 24), Key: "memoria", Name: nameMemoria, Kind: Inamovible},
		{Date: d(time.April, 2), Key: "malvinas", Name: nameMalvinas, Kind: Inamovible},
		{Date: easter.AddDate(0, 0, -3), Key: "jueves_santo", Name: nameJuevesSanto, Kind: NoLaborable},
		{Date: easter.AddDate(0, 0, -2), Key: "viernes_santo", Name: nameViernesSanto, Kind: Inamovible},
		{Date: d(time.May, 1), Key: "trabajador", Name: nameTrabajador, Kind: Inamovible},
		{Date: d(time.May, 25), Key: "revolucion_de_mayo", Name: nameMayo, Kind: Inamovible},
		trasladable(d(time.June, 17), "guemes", nameGuemes),
		{Date: d(time.June, 20), Key: "belgrano", Name: nameBelgrano, Kind: Inamovible},
		{Date: d(time.July, 9), Key: "independencia", Name: nameIndependen, Kind: Inamovible},
		trasladable(d(time.August, 17), "san_martin", nameSanMartin),
		trasladable(d(time.October, 12), "diversidad_cultural", nameDiversidad),
		trasladable(d(time.November, 20), "soberania", nameSoberania),
		{Date: d(time.December, 8), Key: "inmaculada_concepcion", Name: nameInmaculada, Kind: Inamovible},
		{Date: d(time.December, 25), Key: "navidad", Name: nameNavidad, Kind: Inamovible},
	}
	for i := range hs {
		hs[i].Provisional = true
	}
	SortHolidays(hs)
	return hs
}

// trasladable applies article 6 of Ley 27.399.
func trasladable(legal time.Time, key, name string) Holiday {
	h := Holiday{Date: legal, Key: key, Name: name, Kind: Trasladable}
	shift := 0
	switch legal.Weekday() {
	case time.Tuesday:
		shift = -1
	case time.Wednesday:
		shift = -2
	case time.Thursday:
		shift = 4
	case time.Friday:
		shift = 3
	}
	if shift != 0 {
		h.Date = legal.AddDate(0, 0, shift)
		h.MovedFrom = legal
	}
	return h
}

// Easter returns Gregorian Easter Sunday of a year (the anonymous Gregorian computus of
// Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// SortHolidays orders holidays by date, then key, the order of the data files.
func SortHolidays(hs []Holiday) {
	sort.SliceStable(hs, func(i, j int) bool {
		if !hs[i].Date.Equal(hs[j].Date) {
			return hs[i].Date.Before(hs[j].Date)
		}
		return hs[i].Key < hs[j].Key
	})
}
