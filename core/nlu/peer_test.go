package nlu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The peer suites read third-party date corpora in place, from the project's shared
// directory beside the repository (never copied into it):
//
//   - ../shared/peers/recognizers-text-es: the Spanish DateTime specs of Microsoft
//     Recognizers-Text (MIT license, Copyright (c) Microsoft Corporation; provenance in
//     its README.md). A case is kept when it has exactly one result, of type date or
//     daterange, whose future resolution is on or after its reference day, and which is
//     day-granular: a day with its month (XXXX-MM-DD), a weekday (XXXX-WXX-N) or a range
//     of days of at most 60 nights. Left out: bare days of the month, weeks, months,
//     years and the peer's weekends (Saturday to Monday; the contract's run Friday to
//     Sunday), US month-first dates and spans counted from now. Duplicated sentences
//     with the same reference count once. Cases no guest would write, or that the
//     booking contract reads differently on purpose, are listed in notGuest with the
//     reason; every other case must pass.
//   - ../shared/peers/duckling-es: 91 stay phrasings from facebook/duckling's Spanish
//     corpus (BSD license; provenance, mapping and license in its README.md), with the
//     readings the contract gives differently in "alt". The families nlu-spec.md covers
//     must pass (duckMustPass).
//
// With CI=true a missing corpus fails the test; elsewhere the suites are skipped.

const peersDir = "../../../shared/peers"

// peerDir is one corpus directory; it skips (or, in CI, fails) when it is missing.
func peerDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(peersDir, name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if os.Getenv("CI") == "true" {
			t.Fatalf("peer corpus %s not found: CI must provide ../shared beside the repository", dir)
		}
		t.Skipf("peer corpus %s not found (the project's ../shared directory)", dir)
	}
	return dir
}

// peerCase is one selected case: the expected stay reading of a day or a range.
type peerCase struct {
	Source   string `json:"source"` // file#index in the peer specs
	Text     string `json:"text"`
	Ref      string `json:"ref"` // the peer's reference, local time in Buenos Aires
	Timex    string `json:"timex"`
	CheckIn  string `json:"check_in"`
	CheckOut string `json:"check_out,omitempty"` // only for ranges
	// Guest is true when a guest could plausibly write the phrase to a rental; the test
	// requires those to pass.
	Guest bool `json:"guest"`
	// Skip says why the case is kept for the count but its reading differs from the
	// booking contract on purpose (empty when none).
	Skip string `json:"skip,omitempty"`
}

var (
	dayTimex    = regexp.MustCompile(`^(XXXX|\d{4})-\d{2}-\d{2}$`)
	weekdayTx   = regexp.MustCompile(`^XXXX-WXX-[1-7]$`)
	rangeTimex  = regexp.MustCompile(`^\((XXXX|\d{4})-\d{2}-\d{2},(XXXX|\d{4})-\d{2}-\d{2},P(\d+)D\)$`)
	wdRangeTx   = regexp.MustCompile(`^\(XXXX-WXX-[1-7],XXXX-WXX-[1-7],P\d+D\)$`)
	usMonthDay  = regexp.MustCompile(`\b(0?[1-9]|1[0-2])[/.-](1[3-9]|2\d|3[01])\b`)
	durationish = regexp.MustCompile(`(?i)(pr[oó]xim[oa]s (\d|dos|tres|cuatro|cinco)|siguientes|resto|\ben (\d+|dos|tres|cuatro|cinco|seis) (d[ií]as|semanas|meses|a[ñn]os)|a partir de (hoy|ahora)|despu[eé]s de hoy|dentro de|hace )`)
)

// notGuest are phrasings no guest writes to a rental, or readings the booking contract
// gives differently on purpose; they stay in the count but are not required to pass.
var notGuest = map[string]string{
	"volveré el segundo de Ago.":                                                           "ordinal words for days of the month",
	"volveré el vigesimo segundo de Junio":                                                 "ordinal words for days of the month",
	"Volveré el segundo de agosto.":                                                        "ordinal words for days of the month",
	"volveré el próximo dia":                                                               "a day relative to an unnamed day",
	"volveré el proximo día":                                                               "a day relative to an unnamed day",
	"volveré el día siguiente":                                                             "a day relative to an unnamed day",
	"¿Cuál es tu plan para el día siguiente?":                                              "a day relative to an unnamed day",
	"volveré en el día":                                                                    "not a date in Argentine Spanish",
	"Estoy bloqueado por el día":                                                           "not a date in Argentine Spanish",
	"Oye, tenemos un socio del día.":                                                       "not a date in Argentine Spanish",
	"volveré el proximo domingo":                                                           "contract: «el próximo domingo» is the coming Sunday, not next week's",
	"volveré el próximo domingo":                                                           "contract: «el próximo domingo» is the coming Sunday, not next week's",
	"¿Tienes algún plan para el próximo viernes?":                                          "contract: «el próximo viernes» is the coming Friday, not next week's",
	"¿Tienes algún plan para el viernes siguiente?":                                        "contract: «el viernes siguiente» said alone is the coming Friday",
	"Estaré afuera de 2 a 7 de feb de dos mil dieciocho":                                   "years written in words",
	"Estaré afuera entre el 2 y el 7 de feb de dos mil dieciocho":                          "years written in words",
	"Estaré afuera entre 2-7 de feb de dos mil dieciocho":                                  "years written in words",
	"Encontrémonos el 1.º de enero de dos mil treinta y dos":                               "years written in words",
	"Estaré afuera de 1 de feb a marzo de 2019":                                            "a range ending on a whole month",
	"Estaré afuera entre 1 de feb y marzo de 2019":                                         "a range ending on a whole month",
	"Cortana, planea una llamada de Skype en algún momento el viernes 6 Jul con Jim.":      "contract: a day is on or after the reference day, so today counts",
	"Cortana, planea una llamada de Skype en algún momento el viernes 6 de julio con Jim.": "contract: a day is on or after the reference day, so today counts",
	"Cortana, configura una llamada de Skype en algún momento el viernes(6/7)con Jim.":     "contract: a day is on or after the reference day, so today counts",
	"¡Celebremos el Día del Trabajador!":                                                   "contract: a holiday name alone is vague, only carnaval and Semana Santa runs give dates",
	"¡Celebremos el Día Internacional de los Trabajadores!":                                "contract: a holiday name alone is vague",
	"Regresaré al día de San Patricio 2020":                                                "not an Argentine holiday",
	"Regresaré a la semana santa 2018":                                                     "contract: Semana Santa is the stay over its days off, not Easter Sunday",
	"Cortana, ¿puedes preparar algo alrededor del 21ro este mes?":                          "not Argentine Spanish",
	"APEC sucederá en Corea de 18 a 19 el noviembre":                                       "not Argentine Spanish",
	"Saldré desde 23/04 el próximo mes":                                                    "the peer's own reading is inconsistent",
	"Voy a volver sep-23-2020.":                                                            "machine date formats",
	"Voy a volver septiembre-2020-23.":                                                     "machine date formats",
	"Voy a volver 2020/23/sep.":                                                            "machine date formats",
	"Voy a volver 2020/sep/23":                                                             "machine date formats",
	"Voy a volver 23/sep/2020":                                                             "machine date formats",
	"Voy a volver 23-2020-septiembre":                                                      "machine date formats",
	"Programáme una reunión mar":                                                           "«mar» for martes",
	"Programáme una reunión de lunes a mar":                                                "«mar» for martes",
	"29/2": "contract: a 29/2 falling in a year that is not a leap year does not exist (conversation.md rule 5), it does not wait for the next leap year",
}

func TestPeerRecognizers(t *testing.T) {
	cases := recognizersCases(t, peerDir(t, "recognizers-text-es"))
	require.NotEmpty(t, cases)
	p := defaultParser(t)
	var right, guests, guestsRight int
	var failing []string
	for _, c := range cases {
		ref, err := time.ParseInLocation("2006-01-02T15:04:05", c.Ref, buenosAires)
		require.NoError(t, err)
		in, out := extractStay(p, c.Text, ref)
		ok := in == c.CheckIn && (c.CheckOut == "" || out == c.CheckOut)
		if c.Guest {
			guests++
		}
		if ok {
			right++
			if c.Guest {
				guestsRight++
			}
			continue
		}
		failing = append(failing, fmt.Sprintf("%s %q ref %s: want %s..%s, got %s..%s", c.Source, c.Text, c.Ref, c.CheckIn, c.CheckOut, in, out))
		if c.Guest {
			t.Errorf("guest-plausible peer case fails: %s", failing[len(failing)-1])
		}
	}
	t.Logf("recognizers-text-es: %d/%d booking cases right; guest-plausible %d/%d", right, len(cases), guestsRight, guests)
	for _, f := range failing {
		t.Log("  fails: " + f)
	}
}

// duckCase is one line of the duckling corpus.
type duckCase struct {
	Text     string  `json:"text"`
	Ref      string  `json:"ref"`
	CheckIn  *string `json:"check_in"`
	CheckOut *string `json:"check_out"`
	Family   string  `json:"family"`
	Alt      []struct {
		CheckIn  *string `json:"check_in"`
		CheckOut *string `json:"check_out"`
	} `json:"alt"`
}

// duckMustPass are the families of the duckling corpus nlu-spec.md gives a reading for
// (days with their month, numeric dates, weekdays and their short names, bare days of
// the month, "hoy"/"mañana", "en 7 días", ranges, this weekend, holidays that stay
// vague). Left to the count only: a day with a clock time, a weekday qualified by "de
// esta semana", and "próximos 3 días".
var duckMustPass = map[string]bool{
	"relative-day": true, "weekday": true, "weekday-abbrev": true, "weekday+date": true,
	"date-monthname": true, "date-with-year": true, "date-numeric": true, "day-of-month": true,
	"offset": true, "holiday": true, "weekend": true, "range": true,
}

// duckNotSpec are duckling phrases of a covered family that nlu-spec.md does not read:
// two-letter weekday abbreviations (Spanish calendars write "lu", "ma"; the spec's short
// names are "lun", "mié", "vie").
var duckNotSpec = map[string]string{
	"lu":  "two-letter weekday abbreviation",
	"ma":  "two-letter weekday abbreviation",
	"ma.": "two-letter weekday abbreviation",
}

func TestPeerDuckling(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(peerDir(t, "duckling-es"), "cases.jsonl"))
	require.NoError(t, err)
	p := defaultParser(t)
	var total, right, must, mustRight int
	var failing []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c duckCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		ref, err := time.Parse(time.RFC3339, c.Ref)
		require.NoError(t, err)
		in, out := extractStay(p, c.Text, ref)
		ok := duckMatches(c.CheckIn, c.CheckOut, in, out)
		for _, a := range c.Alt {
			ok = ok || duckMatches(a.CheckIn, a.CheckOut, in, out)
		}
		total++
		required := duckMustPass[c.Family] && duckNotSpec[c.Text] == ""
		if required {
			must++
		}
		if ok {
			right++
			if required {
				mustRight++
			}
			continue
		}
		failing = append(failing, fmt.Sprintf("[%s] %q: want %s..%s, got %s..%s", c.Family, c.Text, deref(c.CheckIn), deref(c.CheckOut), in, out))
		if required {
			t.Errorf("duckling case nlu-spec.md covers fails: %s", failing[len(failing)-1])
		}
	}
	require.NoError(t, sc.Err())
	require.NotZero(t, total)
	t.Logf("duckling-es: %d/%d cases right; the families nlu-spec.md covers %d/%d", right, total, mustRight, must)
	for _, f := range failing {
		t.Log("  fails: " + f)
	}
}

// duckMatches compares a reading with an expectation: a null check-in expects none, a
// null check-out is not scored.
func duckMatches(wantIn, wantOut *string, in, out string) bool {
	if deref(wantIn) != in {
		return false
	}
	return wantOut == nil || *wantOut == out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// extractStay runs only the date extractor.
func extractStay(p *Parser, text string, ref time.Time) (string, string) {
	toks := tokenize(text, nil)
	role := make([]uint8, len(toks))
	markTimesAndAddresses(toks, role)
	c := &dateCtx{toks: toks, role: role, ref: refDay(ref), cal: p.cal}
	f := c.extractDates()
	in, out := "", ""
	if f.hasIn {
		in = dayTime(f.in).Format(time.DateOnly)
	}
	if f.hasOut {
		out = dayTime(f.out).Format(time.DateOnly)
	}
	return in, out
}

// recognizersCases selects the booking cases from the peer's parser and model specs.
func recognizersCases(t *testing.T, dir string) []peerCase {
	t.Helper()
	var cases []peerCase
	seen := map[string]bool{}
	for _, file := range []string{"DateParser.json", "DatePeriodParser.json", "DateTimeModel.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		var specs []struct {
			Input   string
			Context struct{ ReferenceDateTime string }
			Results []struct {
				Text     string
				Type     string
				TypeName string
				Value    struct {
					Timex            string
					FutureResolution map[string]string
				}
				Resolution struct {
					Values []map[string]string `json:"values"`
				}
			}
		}
		require.NoError(t, json.Unmarshal(raw, &specs))
		for i, s := range specs {
			if len(s.Results) != 1 || s.Context.ReferenceDateTime == "" {
				continue
			}
			r := s.Results[0]
			ref := s.Context.ReferenceDateTime[:19]
			var timex, start, end string
			rangeCase := false
			switch {
			case r.Type == "date":
				timex, start = r.Value.Timex, r.Value.FutureResolution["date"]
			case r.Type == "daterange":
				timex, start, end, rangeCase = r.Value.Timex, r.Value.FutureResolution["startDate"], r.Value.FutureResolution["endDate"], true
			case r.TypeName == "datetimeV2.date" && len(r.Resolution.Values) > 0:
				v := r.Resolution.Values[len(r.Resolution.Values)-1]
				timex, start = v["timex"], v["value"]
			case r.TypeName == "datetimeV2.daterange" && len(r.Resolution.Values) > 0:
				v := r.Resolution.Values[len(r.Resolution.Values)-1]
				timex, start, end, rangeCase = v["timex"], v["start"], v["end"], true
			default:
				continue
			}
			if _, err := time.Parse(time.DateOnly, start); err != nil || start < ref[:10] {
				continue // unresolved or in the past: not a stay
			}
			if rangeCase {
				m := rangeTimex.FindStringSubmatch(timex)
				if m == nil && !wdRangeTx.MatchString(timex) {
					continue // weeks, months, years, weekends of another convention
				}
				if _, err := time.Parse(time.DateOnly, end); err != nil || end <= start {
					continue
				}
				if d, _ := time.Parse(time.DateOnly, end); d.Sub(mustDay(start)) > 60*24*time.Hour {
					continue
				}
			} else if !dayTimex.MatchString(timex) && !weekdayTx.MatchString(timex) {
				continue // a bare day of the month, a week of a month...
			}
			if usMonthDay.MatchString(r.Text) || durationish.MatchString(r.Text) || durationish.MatchString(s.Input) {
				continue // month-first dates and spans counted from now are not booking language
			}
			key := strings.ToLower(s.Input) + "|" + ref
			if seen[key] {
				continue
			}
			seen[key] = true
			c := peerCase{
				Source: fmt.Sprintf("%s#%d", strings.TrimSuffix(file, ".json"), i), Text: s.Input, Ref: ref,
				Timex: timex, CheckIn: start, Guest: true,
			}
			if rangeCase {
				c.CheckOut = end
			}
			if why, ok := notGuest[s.Input]; ok {
				c.Guest, c.Skip = false, why
			}
			cases = append(cases, c)
		}
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].Source < cases[j].Source })
	return cases
}

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
