package mp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// corpusDir finds ../shared/protocols/mercadopago by walking up from the package: the
// corpus is read in place, never copied. Without it the test is skipped, except under CI,
// where it must exist.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "protocols", "mercadopago")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/protocols/mercadopago not found above the repository: CI must provide the protocol corpus")
	}
	t.Skip("shared/protocols/mercadopago not found above the repository; the protocol corpus tests need it")
	return ""
}

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), name))
	require.NoError(t, err)
	return b
}

func readCorpusJSON(t *testing.T, name string, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(readCorpus(t, name), v), name)
}

func headersOf(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h[k] = []string{v} // as received: the plugin must not depend on canonical keys
	}
	return h
}

func queryOf(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return q
}
