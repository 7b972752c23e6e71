package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/mailtest"
)

// pluginBinary is the real plugin, built once by TestMain.
var pluginBinary string

// The package's tests share one Dovecot (each takes its own mailbox); TestMain stops it.
var (
	dovecotOnce sync.Once
	dovecotSrv  *mailtest.Dovecot
	dovecotErr  error
)

func sharedDovecot(t *testing.T) *mailtest.Dovecot {
	t.Helper()
	bin := mailtest.Binary(t)
	dovecotOnce.Do(func() { dovecotSrv, dovecotErr = mailtest.Launch(t, bin) })
	require.NoError(t, dovecotErr)
	return dovecotSrv
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "email-plugin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginBinary = filepath.Join(dir, "email")
	build := exec.Command("go", "build", "-o", pluginBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the email plugin:", err)
		os.Exit(1)
	}
	code := m.Run()
	if dovecotSrv != nil {
		dovecotSrv.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// corpusDir finds ../shared/email above the repository; CI must have it.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "shared", "email", "expected.json")); err == nil {
			return filepath.Join(dir, "shared", "email")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/email (the development e-mail corpus) not found above the repository")
	}
	t.Skip("shared/email (the development e-mail corpus) not found above the repository")
	return ""
}

func runParse(t *testing.T, args ...string) (map[string]any, string, int) {
	t.Helper()
	cmd := exec.Command(pluginBinary, append([]string{"parse"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	var out map[string]any
	if code == 0 {
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
	}
	return out, stderr.String(), code
}

// TestParseCommand runs the binary as a person would on every message of the corpus:
// one JSON object with the fields the issue names, and the decision expected.json gives.
func TestParseCommand(t *testing.T) {
	t.Parallel()
	dir := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var corpus struct {
		Context struct {
			Own      []string `json:"own_addresses"`
			Authserv string   `json:"authserv_id"`
		} `json:"context"`
		Files map[string]struct {
			Answer   bool    `json:"answer"`
			Handoff  bool    `json:"handoff"`
			AnswerTo *string `json:"answer_to"`
			Portal   *string `json:"portal"`
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal(raw, &corpus))
	flags := []string{"--authserv-id", corpus.Context.Authserv}
	for _, o := range corpus.Context.Own {
		flags = append(flags, "--own", o)
	}
	for name, want := range corpus.Files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Flags go after the file here, as the usage line shows.
			out, stderr, code := runParse(t, append([]string{filepath.Join(dir, name)}, flags...)...)
			require.Zero(t, code, stderr)
			for _, key := range []string{"decision", "reason", "answer_to", "portal", "new_inquiry", "constraints",
				"guest_name", "guest_email", "guest_phone", "check_in", "check_out", "guests", "text"} {
				assert.Contains(t, out, key)
			}
			decision := "skip"
			if want.Answer {
				decision = "answer"
			} else if want.Handoff {
				decision = "handoff"
			}
			assert.Equal(t, decision, out["decision"])
			if want.AnswerTo != nil {
				assert.NotNil(t, out["answer_to"])
			}
			if want.Portal != nil {
				assert.Equal(t, *want.Portal, out["portal"])
			} else {
				assert.Nil(t, out["portal"])
			}
		})
	}
}

func TestParseCommandFlags(t *testing.T) {
	t.Parallel()
	dir := corpusDir(t)
	msg := filepath.Join(dir, "42_propio_reenvio_personal.eml")

	t.Run("own address before the file", func(t *testing.T) {
		t.Parallel()
		out, _, code := runParse(t, "--own", "Marta.Robles.VGB@example.com", msg)
		require.Zero(t, code)
		assert.Equal(t, "skip", out["decision"])
		assert.Equal(t, "own_address", out["category"])
	})
	t.Run("without --own the host's forward is a person's mail", func(t *testing.T) {
		t.Parallel()
		out, _, code := runParse(t, msg)
		require.Zero(t, code)
		assert.Equal(t, "answer", out["decision"])
	})
	t.Run("--now is the reference when Date is missing", func(t *testing.T) {
		t.Parallel()
		f := filepath.Join(t.TempDir(), "nodate.eml")
		require.NoError(t, os.WriteFile(f, []byte("From: Ana <ana@example.org>\r\nSubject: hola\r\nMessage-ID: <1@example.org>\r\n\r\nSomos 2, del 10 al 12 de enero\r\n"), 0o600))
		out, _, code := runParse(t, f, "--now", "2027-03-01T12:00:00-03:00")
		require.Zero(t, code)
		assert.Equal(t, "2028-01-10", out["check_in"])
		assert.Equal(t, "2028-01-12", out["check_out"])
		assert.EqualValues(t, 2, out["guests"])
	})
	t.Run("bad --now", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := runParse(t, msg, "--now", "yesterday")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "--now")
	})
	t.Run("no file", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := runParse(t)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "usage: email parse")
	})
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := runParse(t, filepath.Join(dir, "nope.eml"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "nope.eml")
	})
}
