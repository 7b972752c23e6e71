package plugin_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
)

// The protocol version and the handshake cookie are part of the contract other-language
// plugins implement from docs/plugins.md: changing them breaks every plugin, so this test
// must be edited (with the docs) on purpose.
func TestProtocolIsWrittenDown(t *testing.T) {
	assert.Equal(t, 1, plugin.ProtocolVersion)
	assert.Equal(t, "CONSERJE_PLUGIN_MAGIC_COOKIE", plugin.MagicCookieKey)
	assert.Equal(t, "f0a4c3e2-conserje-plugin-v1-5b1d9e7a", plugin.MagicCookieValue)

	doc, err := os.ReadFile("../../docs/plugins.md")
	require.NoError(t, err, "docs/plugins.md documents the protocol")
	for _, want := range []string{
		plugin.MagicCookieKey + "=" + plugin.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=" + strconv.Itoa(plugin.ProtocolVersion),
		"1|" + strconv.Itoa(plugin.ProtocolVersion) + "|unix|",
	} {
		assert.Contains(t, string(doc), want)
	}
}

func TestKinds(t *testing.T) {
	for _, k := range plugin.Kinds() {
		assert.True(t, k.Valid(), k)
	}
	assert.False(t, plugin.Kind("fax").Valid())
	assert.False(t, plugin.Kind("").Valid())
}

func TestTraceID(t *testing.T) {
	ctx := context.Background()
	assert.Empty(t, plugin.TraceID(ctx))
	assert.Equal(t, "abc", plugin.TraceID(plugin.WithTraceID(ctx, "abc")))
}

func TestHasCapability(t *testing.T) {
	d := plugin.Description{Capabilities: []string{"buttons", "pull"}}
	assert.True(t, d.HasCapability("pull"))
	assert.False(t, d.HasCapability("templates"))
}
