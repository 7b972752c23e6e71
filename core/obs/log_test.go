package obs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoggerCarriesTraceAndConversation(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "info", "json")
	require.NoError(t, err)
	ctx := WithConversation(WithRequestID(t.Context(), "trace-1"), 42)
	l.InfoContext(ctx, "turn done")
	l.InfoContext(ctx, "relayed plugin line", KeyTraceID, "from-plugin")
	l.InfoContext(t.Context(), "plain")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 3)
	decode := func(b []byte) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	first, second, third := decode(lines[0]), decode(lines[1]), decode(lines[2])
	assert.Equal(t, "trace-1", first[KeyTraceID])
	assert.Equal(t, 42.0, first[KeyConversation])
	assert.Equal(t, "from-plugin", second[KeyTraceID], "a relayed line keeps the id it carries")
	assert.NotContains(t, third, KeyTraceID)
	assert.NotContains(t, third, KeyConversation)
}
