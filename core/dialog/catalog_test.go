package dialog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryTemplateKeyIsInEveryLocale(t *testing.T) {
	cat, problems := dialog.LoadCatalog("../../locales", "es-AR", ba)
	require.Empty(t, problems)
	require.Equal(t, []string{"es-AR", "en", "pt-BR"}, cat.Languages())
	want := cat.Keys("es-AR")
	require.NotEmpty(t, want)
	for _, lang := range cat.Languages() {
		assert.Equal(t, want, cat.Keys(lang), "keys of %s", lang)
	}
	for _, key := range dialog.SystemTemplates {
		assert.Empty(t, cat.Missing(key), key)
	}
}

func TestPluralsFollowTheLanguage(t *testing.T) {
	cat, problems := dialog.LoadCatalog("../../locales", "es-AR", ba)
	require.Empty(t, problems)
	cases := []struct {
		lang, key string
		n         int
		want      string
	}{
		{"es-AR", "noches", 1, "1 noche"},
		{"es-AR", "noches", 3, "3 noches"},
		{"es-AR", "personas", 1, "1 persona"},
		{"es-AR", "personas", 4, "4 personas"},
		{"en", "noches", 1, "1 night"},
		{"en", "personas", 2, "2 guests"},
		{"pt-BR", "noches", 2, "2 noites"},
		{"pt-BR", "personas", 1, "1 pessoa"},
	}
	for _, tc := range cases {
		t.Run(tc.lang+" "+tc.key, func(t *testing.T) {
			got, err := cat.Render(tc.lang, tc.key, map[string]any{"Count": tc.n})
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMatchPicksTheClosestLanguage(t *testing.T) {
	cat, problems := dialog.LoadCatalog("../../locales", "es-AR", ba)
	require.Empty(t, problems)
	for in, want := range map[string]string{"es": "es-AR", "en": "en", "en-US": "en", "pt": "pt-BR", "pt-PT": "pt-BR", "": "", "xx": ""} {
		assert.Equal(t, want, cat.Match(in), in)
	}
}

func TestCatalogProblems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("es-AR.yaml", "hola: \"Hola {{.name\"\nnoches:\n  other: \"{{.Count}} noches\"\nsolo_es: \"x\"\ntotal: \"{{plural \\\"hola\\\" 2}}\"\n")
	write("en.yaml", "hola: \"Hi\"\nnoches:\n  one: \"night\"\n  other: \"nights\"\ntotal: \"x\"\n")
	_, problems := dialog.LoadCatalog(dir, "es-AR", time.UTC)
	var lines []string
	for _, p := range problems {
		lines = append(lines, strings.TrimPrefix(p.String(), dir+"/"))
	}
	assert.ElementsMatch(t, []string{
		`es-AR.yaml:1:7: message "hola": bad template: hola:1: unclosed action`,
		`es-AR.yaml:2:1: message "noches" has plural forms but lacks one or other`,
		`es-AR.yaml:4:1: message "solo_es" is missing in ` + filepath.Join(dir, "en.yaml"),
		`es-AR.yaml:5:1: message "total" calls plural "hola", which is not a message with plural forms in this file`,
	}, lines)
}

func TestFormatMoney(t *testing.T) {
	cases := []struct {
		lang  string
		cents int64
		want  string
	}{
		{"es-AR", 13_500_000, "$135.000"},
		{"es-AR", 4_050_000, "$40.500"},
		{"es-AR", 4_500_050, "$45.000,50"},
		{"es-AR", 99_900, "$999"},
		{"es-AR", 123_456_789_00, "$123.456.789"},
		{"es-AR", 0, "$0"},
		{"en", 13_500_000, "ARS 135,000"},
		{"en", 4_500_050, "ARS 45,000.50"},
		{"pt-BR", 13_500_000, "ARS 135.000"},
		{"es-AR", -4_050_000, "-$40.500"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, dialog.FormatMoney(tc.lang, tc.cents))
		})
	}
}

func TestFormatDates(t *testing.T) {
	assert.Equal(t, "5/1", dialog.FormatDate("es-AR", "2027-01-05", ba))
	assert.Equal(t, "Jan 5", dialog.FormatDate("en", "2027-01-05", ba))
	assert.Equal(t, "martes 5/1", dialog.FormatLongDate("es-AR", "2027-01-05", ba))
	assert.Equal(t, "Tue, Jan 5", dialog.FormatLongDate("en", "2027-01-05", ba))
	assert.Equal(t, "terça 5/1", dialog.FormatLongDate("pt-BR", "2027-01-05", ba))
	assert.Equal(t, "10:30", dialog.FormatClock("2026-11-28T13:30:00Z", ba))
	assert.Equal(t, "14:00", dialog.FormatClock("14:00", ba))
}
