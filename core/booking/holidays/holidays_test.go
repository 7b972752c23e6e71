package holidays

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the generated year files in data/")

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// generatedYears are the files written by Generate; any other year file is hand-kept.
var generatedYears = []int{2027, 2028}

func generatedFile(year int) YearFile {
	return YearFile{
		Version:     fmt.Sprintf("%d.0", year),
		Year:        year,
		Provisional: true,
		Sources: []string{
			"Ley 27.399 arts. 1 and 6, computed by holidays.Generate",
			"No decree yet: bridge days and moves of trasladables falling on a weekend (Decreto 614/2025) are not set",
		},
		Holidays: Entries(Generate(year)),
	}
}

func TestGeneratorReproducesProvisionalFiles(t *testing.T) {
	for _, y := range generatedYears {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			path := filepath.Join("data", fmt.Sprintf("%d.yaml", y))
			want := MarshalYear(generatedFile(y))
			if *update {
				require.NoError(t, os.WriteFile(path, want, 0o644))
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got), "run go test -update to rewrite %s", path)

			_, hs, err := ParseYear(got)
			require.NoError(t, err)
			assert.Equal(t, Generate(y), hs)
		})
	}
}

func TestEmbeddedDataMatchesFilesOnDisk(t *testing.T) {
	onDisk, err := Load(os.DirFS("."), "data")
	require.NoError(t, err)
	assert.Equal(t, onDisk.All(), Default().All())
	assert.Equal(t, []int{2026, 2027, 2028}, Default().Years())
	assert.Equal(t, "2026.1", Default().Version(2026))
}

func Test2026MatchesOfficialList(t *testing.T) {
	// The 2026 calendar as published (Ley 27.399 and Resolución JGM 164/2025), written out
	// independently of the data file.
	official := []struct {
		date string
		kind Kind
		key  string
	}{
		{"2026-01-01", Inamovible, "ano_nuevo"},
		{"2026-02-16", Inamovible, "carnaval"},
		{"2026-02-17", Inamovible, "carnaval"},
		{"2026-03-23", PuenteTuristico, "puente_turistico"},
		{"2026-03-24", Inamovible, "memoria"},
		{"2026-04-02", NoLaborable, "jueves_santo"},
		{"2026-04-02", Inamovible, "malvinas"},
		{"2026-04-03", Inamovible, "viernes_santo"},
		{"2026-05-01", Inamovible, "trabajador"},
		{"2026-05-25", Inamovible, "revolucion_de_mayo"},
		{"2026-06-15", Trasladable, "guemes"},
		{"2026-06-20", Inamovible, "belgrano"},
		{"2026-07-09", Inamovible, "independencia"},
		{"2026-07-10", PuenteTuristico, "puente_turistico"},
		{"2026-08-17", Trasladable, "san_martin"},
		{"2026-10-12", Trasladable, "diversidad_cultural"},
		{"2026-11-23", Trasladable, "soberania"},
		{"2026-12-07", PuenteTuristico, "puente_turistico"},
		{"2026-12-08", Inamovible, "inmaculada_concepcion"},
		{"2026-12-25", Inamovible, "navidad"},
	}
	got := Default().Holidays(2026)
	require.Len(t, got, len(official))
	for i, o := range official {
		assert.Equal(t, o.date, got[i].Date.Format(time.DateOnly), "entry %d", i)
		assert.Equal(t, o.kind, got[i].Kind, "entry %d (%s)", i, o.date)
		assert.Equal(t, o.key, got[i].Key, "entry %d (%s)", i, o.date)
		assert.False(t, got[i].Provisional, "2026 is decreed")
	}
}

func TestGenerate2026IsTheFileWithoutBridgeDays(t *testing.T) {
	var want []Holiday
	for _, h := range Default().Holidays(2026) {
		if h.Kind == PuenteTuristico {
			continue
		}
		h.Provisional = true
		want = append(want, h)
	}
	assert.Equal(t, want, Generate(2026))
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2000: "2000-04-23", 2019: "2019-04-21", 2024: "2024-03-31", 2025: "2025-04-20",
		2026: "2026-04-05", 2027: "2027-03-28", 2028: "2028-04-16", 2038: "2038-04-25",
	} {
		assert.Equal(t, want, Easter(year).Format(time.DateOnly), "Easter %d", year)
	}
}

func TestTrasladableRule(t *testing.T) {
	tests := []struct {
		name, legal, want string
	}{
		{"monday stays", "2026-08-17", "2026-08-17"},
		{"tuesday to previous monday", "2027-08-17", "2027-08-16"},
		{"wednesday to previous monday", "2026-06-17", "2026-06-15"},
		{"thursday to next monday", "2027-06-17", "2027-06-21"},
		{"friday to next monday", "2026-11-20", "2026-11-23"},
		{"saturday stays", "2027-11-20", "2027-11-20"},
		{"sunday stays", "2029-06-17", "2029-06-17"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := trasladable(day(tc.legal), "k", "n")
			assert.Equal(t, tc.want, h.Date.Format(time.DateOnly))
			if tc.want == tc.legal {
				assert.True(t, h.MovedFrom.IsZero())
			} else {
				assert.Equal(t, tc.legal, h.MovedFrom.Format(time.DateOnly))
			}
		})
	}
}

func TestGenerate2027(t *testing.T) {
	got := map[string]Kind{}
	for _, h := range Generate(2027) {
		got[h.Date.Format(time.DateOnly)] = h.Kind
		assert.True(t, h.Provisional)
	}
	want := map[string]Kind{
		"2027-01-01": Inamovible, "2027-02-08": Inamovible, "2027-02-09": Inamovible,
		"2027-03-24": Inamovible, "2027-03-25": NoLaborable, "2027-03-26": Inamovible,
		"2027-04-02": Inamovible, "2027-05-01": Inamovible, "2027-05-25": Inamovible,
		"2027-06-21": Trasladable, "2027-06-20": Inamovible, "2027-07-09": Inamovible,
		"2027-08-16": Trasladable, "2027-10-11": Trasladable, "2027-11-20": Trasladable,
		"2027-12-08": Inamovible, "2027-12-25": Inamovible,
	}
	assert.Equal(t, want, got)
}

func TestIsDayOff(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		date string
		want bool
	}{
		{"plain wednesday", "2027-03-17", false},
		{"saturday", "2027-03-20", true},
		{"sunday", "2027-03-21", true},
		{"inamovible on a weekday", "2027-03-24", true},
		{"moved trasladable", "2026-06-15", true},
		{"legal date of a moved trasladable", "2026-06-17", false},
		{"bridge day", "2026-03-23", true},
		{"jueves santo is not a day off", "2027-03-25", false},
		{"jueves santo sharing a day with malvinas", "2026-04-02", true},
		{"uncovered year falls back to weekends", "2031-01-01", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, c.IsDayOff(day(tc.date)))
		})
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	h, ok := c.Lookup(day("2026-04-02"))
	require.True(t, ok)
	assert.Equal(t, "malvinas", h.Key, "the day-off holiday wins a shared day")
	assert.Len(t, c.On(day("2026-04-02")), 2)

	// Zone and clock are ignored: a Buenos Aires evening is still that calendar day.
	ba := time.FixedZone("ART", -3*3600)
	h, ok = c.Lookup(time.Date(2026, 12, 25, 23, 30, 0, 0, ba))
	require.True(t, ok)
	assert.Equal(t, "navidad", h.Key)

	_, ok = c.Lookup(day("2026-12-24"))
	assert.False(t, ok)
}

func TestLongWeekendAfter(t *testing.T) {
	c := Default()
	tests := []struct {
		name, from       string
		checkIn, lastOff string
		ok               bool
	}{
		{"bridge day before inmaculada", "2026-12-03", "2026-12-04", "2026-12-08", true},
		{"from inside a run returns that run", "2026-12-06", "2026-12-04", "2026-12-08", true},
		{"on the last day off the run is over", "2026-12-08", "2026-12-24", "2026-12-27", true},
		{"navidad on a friday", "2026-12-14", "2026-12-24", "2026-12-27", true},
		{"carnaval 2027", "2027-01-13", "2027-02-05", "2027-02-09", true},
		{"semana santa then malvinas 2027", "2027-03-20", "2027-03-25", "2027-03-28", true},
		{"malvinas friday 2027", "2027-03-31", "2027-04-01", "2027-04-04", true},
		{"last covered long weekend", "2028-12-20", "2028-12-22", "2028-12-25", true},
		{"data runs out", "2028-12-26", "", "", false},
		{"uncovered year", "2031-03-01", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := c.LongWeekendAfter(day(tc.from))
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tc.checkIn, r.CheckIn().Format(time.DateOnly))
			assert.Equal(t, tc.lastOff, r.CheckOut().Format(time.DateOnly))
			assert.GreaterOrEqual(t, r.Days(), 3)
		})
	}
}

func TestNamedRun(t *testing.T) {
	c := Default()
	tests := []struct {
		name, holiday, from string
		first, last         string
		ok                  bool
	}{
		{"carnaval next year", "carnaval", "2026-11-30", "2027-02-06", "2027-02-09", true},
		{"carnaval this year", "Carnaval", "2026-01-10", "2026-02-14", "2026-02-17", true},
		{"semana santa 2027 starts on viernes santo", "semana santa", "2027-02-17", "2027-03-26", "2027-03-28", true},
		{"semana santa 2026 starts on malvinas thursday", "Semana Santa", "2026-03-01", "2026-04-02", "2026-04-05", true},
		{"accents and case do not matter", "AÑO NUEVO", "2026-12-01", "2027-01-01", "2027-01-03", true},
		{"navidad", "navidad", "2026-12-14", "2026-12-25", "2026-12-27", true},
		{"official name", "Día de la Independencia", "2026-06-01", "2026-07-09", "2026-07-12", true},
		{"holiday on a weekday without a bridge is a one-day run", "memoria", "2027-03-01", "2027-03-24", "2027-03-24", true},
		{"unknown name", "oktoberfest", "2026-01-01", "", "", false},
		{"jueves santo alone is never a run", "jueves_santo", "2027-01-01", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := c.NamedRun(tc.holiday, day(tc.from))
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tc.first, r.First.Format(time.DateOnly))
			assert.Equal(t, tc.last, r.Last.Format(time.DateOnly))
		})
	}
}

func TestWithOverrides(t *testing.T) {
	base := Default()
	provincial := Holiday{Date: day("2027-03-22"), Key: "provincial", Name: "Feriado provincial", Kind: Inamovible}
	c := base.WithOverrides([]Holiday{provincial}, day("2026-12-07"))

	r, ok := c.LongWeekendAfter(day("2026-12-01"))
	require.True(t, ok)
	assert.Equal(t, "2026-12-25", r.First.Format(time.DateOnly), "without the bridge day, 8/12 is a lone Tuesday")

	r, ok = c.LongWeekendAfter(day("2027-03-15"))
	require.True(t, ok)
	assert.Equal(t, "2027-03-20", r.First.Format(time.DateOnly))
	assert.Equal(t, "2027-03-22", r.Last.Format(time.DateOnly))

	// The original is untouched.
	assert.True(t, base.IsDayOff(day("2026-12-07")))
	assert.False(t, base.IsDayOff(day("2027-03-22")))
	assert.Equal(t, base.Years(), c.Years())
}

func TestNewCoversOnlyListedYears(t *testing.T) {
	c := New([]Holiday{{Date: day("2030-01-01"), Key: "ano_nuevo", Name: "Año Nuevo", Kind: Inamovible}})
	assert.Equal(t, []int{2030}, c.Years())
	assert.True(t, c.Covers(day("2030-07-01")))
	assert.False(t, c.Covers(day("2029-07-01")))
}

func TestLoadRejectsBadFiles(t *testing.T) {
	good := "version: \"x\"\nyear: 2030\nprovisional: false\nsources: []\nholidays:\n  - date: 2030-01-01\n    key: ano_nuevo\n    name: Año Nuevo\n    kind: inamovible\n"
	tests := []struct {
		name, file string
	}{
		{"unknown kind", "version: \"x\"\nyear: 2030\nholidays:\n  - {date: 2030-01-01, key: a, name: A, kind: feriadazo}\n"},
		{"date outside the year", "version: \"x\"\nyear: 2030\nholidays:\n  - {date: 2031-01-01, key: a, name: A, kind: inamovible}\n"},
		{"bad date", "version: \"x\"\nyear: 2030\nholidays:\n  - {date: 2030-02-30, key: a, name: A, kind: inamovible}\n"},
		{"missing key", "version: \"x\"\nyear: 2030\nholidays:\n  - {date: 2030-01-01, name: A, kind: inamovible}\n"},
		{"missing version", "year: 2030\nholidays:\n  - {date: 2030-01-01, key: a, name: A, kind: inamovible}\n"},
		{"unknown field", good + "colour: blue\n"},
		{"duplicate", good + "  - date: 2030-01-01\n    key: ano_nuevo\n    name: Año Nuevo\n    kind: inamovible\n"},
		{"no holidays", "version: \"x\"\nyear: 2030\nholidays: []\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"d/2030.yaml": {Data: []byte(tc.file)}}, "d")
			require.ErrorIs(t, err, ErrInvalidData)
		})
	}
	t.Run("good file loads", func(t *testing.T) {
		c, err := Load(fstest.MapFS{"d/2030.yaml": {Data: []byte(good)}}, "d")
		require.NoError(t, err)
		assert.Equal(t, []int{2030}, c.Years())
	})
	t.Run("empty dir", func(t *testing.T) {
		_, err := Load(fstest.MapFS{}, "d")
		require.ErrorIs(t, err, ErrInvalidData)
	})
}
