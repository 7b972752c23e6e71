package host

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
)

// A plugin that exits before the handshake is not among the cases: go-plugin v1.7.0 has a
// data race on that path (its process-wait goroutine against Client), which -race reports.

// script writes an executable shell script standing in for a plugin binary: it lets the
// tests speak the handshake by hand, like a plugin in another language would.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plugin.sh")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return path
}

func TestStartRefusesBadHandshakes(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		errHas string
	}{
		{"other protocol version", "echo '1|99|unix|/nonexistent.sock|grpc'; sleep 1", "incompatible API version"},
		{"net/rpc instead of grpc", "echo '1|1|unix|/nonexistent.sock|netrpc'; sleep 1", "netrpc"},
		{"not a handshake", "echo 'hello'; sleep 1", "Unrecognized remote plugin message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(context.Background(), Config{Name: "x", Path: script(t, tc.body), StartTimeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
			require.ErrorContains(t, err, tc.errHas)
		})
	}
	t.Run("missing binary", func(t *testing.T) {
		_, err := Start(context.Background(), Config{Name: "x", Path: filepath.Join(t.TempDir(), "nope"), Logger: slog.New(slog.DiscardHandler)})
		require.Error(t, err)
	})
	t.Run("no path", func(t *testing.T) {
		_, err := Start(context.Background(), Config{Name: "x"})
		require.ErrorContains(t, err, "no path")
	})
}

// The environment a plugin gets is the documented part of the handshake.
func TestPluginEnvironment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "env")
	_, err := Start(context.Background(), Config{
		Name: "env", Path: script(t, "env > "+out+"; exit 1"), LogLevel: slog.LevelDebug,
		Env: []string{"EXTRA=1"}, StartTimeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler),
	})
	require.Error(t, err)
	env, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, want := range []string{
		plugin.MagicCookieKey + "=" + plugin.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=1",
		"CONSERJE_PLUGIN_LOG_LEVEL=debug",
		"EXTRA=1",
	} {
		assert.Contains(t, string(env), want+"\n")
	}
}

func TestVerifySHA256(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bin")
	require.NoError(t, os.WriteFile(path, []byte("abc"), 0o644))
	const sum = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	require.NoError(t, VerifySHA256(path, sum))
	require.NoError(t, VerifySHA256(path, strings.ToUpper(sum)))
	require.ErrorIs(t, VerifySHA256(path, "00"+sum[2:]), ErrChecksumMismatch)
	require.Error(t, VerifySHA256(path+"-missing", sum))
}

func TestHCLogLandsInSlog(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("plugin", "wa"))
	assert.Equal(t, hclog.Debug, l.GetLevel())
	assert.False(t, l.IsTrace())

	l.Named("whatsapp").With("k", "v").Warn("graph api slow", "ms", 900)
	l.Trace("dropped below debug")
	out := buf.String()
	assert.Contains(t, out, `level=WARN msg="graph api slow" plugin=wa module=whatsapp k=v ms=900`)
	assert.NotContains(t, out, "dropped")
}
