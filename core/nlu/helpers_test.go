package nlu

import (
	"os"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
)

// defaultIntentsFile is the default dialog's intents, the training data of every test.
const defaultIntentsFile = "../../dialogs/intents.yaml"

var (
	trainedOnce   sync.Once
	trained       *Parser
	trainedErr    error
	trainExamples map[string][]string
)

// defaultExamples loads the default dialog's intents alone (the dialogs dir also holds
// files of the dialog engine this package does not need to read in tests).
func defaultExamples(tb testing.TB) map[string][]string {
	tb.Helper()
	data, err := os.ReadFile(defaultIntentsFile)
	require.NoError(tb, err)
	ex, err := LoadExamples(fstest.MapFS{"dialogs/intents.yaml": {Data: data}}, "dialogs")
	require.NoError(tb, err)
	return ex
}

// defaultParser is the parser trained on the default dialog, shared by the tests.
func defaultParser(tb testing.TB) *Parser {
	tb.Helper()
	trainedOnce.Do(func() {
		trainExamples = defaultExamples(tb)
		trained, trainedErr = Train(trainExamples, Options{})
	})
	require.NoError(tb, trainedErr)
	return trained
}

func ts(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	require.NoError(tb, err)
	return t
}

func dateStr(d *Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func intStr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}
