package nlu

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

const evalSample = `{"id": "a", "text": "hola", "ref": "2027-01-20T10:00:00-03:00", "intent": "saludo"}
{"id": "b", "text": "del 5 al 8/1 para 4", "ref": "2026-11-28T10:00:00-03:00", "intent": "disponibilidad", "check_in": "2027-01-05", "check_out": "2027-01-08", "guests": 4, "amenities": []}
{"id": "c", "text": "tiene wifi y pileta?", "ref": "2027-01-20T10:00:00-03:00", "intent": "servicios", "amenities": ["pileta", "wifi"]}
{"id": "d", "text": "quiero cancelar", "ref": "2027-01-20T10:00:00-03:00", "intent": "saludo", "guests": 2, "unknown_field": true}
`

func TestReadLines(t *testing.T) {
	def := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	lines, err := ReadLines(strings.NewReader(evalSample+"\n{\"text\": \"sin ref\"}\n"), def)
	require.NoError(t, err)
	require.Len(t, lines, 5)
	assert.Equal(t, "b", lines[1].ID)
	assert.Contains(t, lines[1].Gold, "check_in")
	assert.NotContains(t, lines[3].Gold, "unknown_field")
	assert.Equal(t, def, lines[4].Ref)

	for name, bad := range map[string]string{
		"not json":   "hola\n",
		"text type":  `{"text": 4}` + "\n",
		"bad ref":    `{"text": "x", "ref": "ayer"}` + "\n",
		"ref number": `{"text": "x", "ref": 5}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLines(strings.NewReader(bad), def)
			require.ErrorIs(t, err, ErrBadLine)
		})
	}
}

func TestEvaluateReport(t *testing.T) {
	lines, err := ReadLines(strings.NewReader(evalSample), time.Now())
	require.NoError(t, err)
	rep := Evaluate(defaultParser(t), lines)
	assert.Equal(t, 4, rep.Field("intent").Total)
	assert.Equal(t, 3, rep.Field("intent").Correct, "d is labelled wrong on purpose")
	assert.Equal(t, 1.0, rep.Field("amenities").Accuracy(), "amenities compare as sets")
	assert.Equal(t, 1, rep.Confusion["saludo"]["cancelar_modificar"])
	require.Len(t, rep.Failures, 1)
	assert.Equal(t, "d", rep.Failures[0].Line.ID)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	golden := "testdata/eval_report.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String(), "go test -update rewrites %s", golden)
}
