package nlu

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readLinesFile(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLines(f, time.Now())
}

func readLabelled(t *testing.T, path string) []Line {
	t.Helper()
	lines, err := readLinesFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, lines)
	return lines
}

// The quality floors of issue 4 on the development set (testdata/dev.jsonl, a copy of
// the project's shared/nlu/dev.jsonl). No line of it is in the training examples.
func TestDevSetFloors(t *testing.T) {
	rep := Evaluate(defaultParser(t), readLabelled(t, "testdata/dev.jsonl"))
	floors := map[string]float64{
		"intent": 0.92, "check_in": 0.97, "check_out": 0.97, "guests": 0.97, "unit_type": 0.97, "amenities": 0.97,
	}
	for field, floor := range floors {
		s := rep.Field(field)
		t.Logf("%-10s %.1f%% (%d/%d)", field, 100*s.Accuracy(), s.Correct, s.Total)
		assert.GreaterOrEqual(t, s.Accuracy(), floor, field)
	}
}

// testdata/holdout.jsonl: messages written apart from the training examples and never
// tuned against, English and Portuguese included; the same floors, intent a little
// lower.
func TestHoldoutFloors(t *testing.T) {
	rep := Evaluate(defaultParser(t), readLabelled(t, "testdata/holdout.jsonl"))
	floors := map[string]float64{
		"intent": 0.90, "check_in": 0.97, "check_out": 0.97, "guests": 0.97, "unit_type": 0.97, "amenities": 0.97,
	}
	for field, floor := range floors {
		s := rep.Field(field)
		t.Logf("%-10s %.1f%% (%d/%d)", field, 100*s.Accuracy(), s.Correct, s.Total)
		assert.GreaterOrEqual(t, s.Accuracy(), floor, field)
	}
}
