package sdk

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
)

// The host parses plugin log lines the way go-plugin parses hclog JSON: @level, @message
// and @timestamp in hclog's layout, every other key a field.
func TestLoggerWritesHCLogJSON(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, slog.LevelDebug)
	l.Warn("graph api slow", "ms", 900, slog.Group("req", "id", "r1"))
	l.Log(t.Context(), slog.LevelDebug-4, "trace level")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 1, "below debug is filtered")
	var entry map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &entry))
	assert.Equal(t, "warn", entry["@level"])
	assert.Equal(t, "graph api slow", entry["@message"])
	assert.Equal(t, 900.0, entry["ms"])
	assert.Equal(t, map[string]any{"id": "r1"}, entry["req"])
	_, err := time.Parse(hclogTimeFormat, entry["@timestamp"].(string))
	require.NoError(t, err)
}

func TestHCLogLevels(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug - 4, "trace"},
		{slog.LevelDebug, "debug"},
		{slog.LevelInfo, "info"},
		{slog.LevelWarn, "warn"},
		{slog.LevelError, "error"},
		{slog.LevelError + 4, "error"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, hclogLevel(tc.level))
		})
	}
}

// A line logged with a call's ctx carries the call's trace id, so the host's log ties the
// plugin's work to the guest request that caused it.
func TestLoggerAddsTraceIDFromContext(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, slog.LevelInfo)
	l.InfoContext(plugin.WithTraceID(t.Context(), "abc123"), "sent")
	l.InfoContext(t.Context(), "no trace")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 2)
	var with, without map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &with))
	require.NoError(t, json.Unmarshal(lines[1], &without))
	assert.Equal(t, "abc123", with["trace_id"])
	assert.NotContains(t, without, "trace_id")
}
