package plugin_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
)

func TestSettingsSchemaMarksSecrets(t *testing.T) {
	schema := plugin.SettingsSchema(
		plugin.Setting{Name: "access_token", Required: true, Secret: true, MinLength: 1},
		plugin.Setting{Name: "graph_url", Default: "https://graph.facebook.com"},
		plugin.Setting{Name: "strip_ar_mobile_9", Type: "boolean", Default: false},
	)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(schema, &doc))
	assert.Equal(t, false, doc["additionalProperties"])
	assert.Equal(t, []any{"access_token"}, doc["required"])
	token := doc["properties"].(map[string]any)["access_token"].(map[string]any)
	assert.Equal(t, true, token["writeOnly"])

	paths, err := plugin.SecretPaths(schema)
	require.NoError(t, err)
	assert.Equal(t, []string{"access_token"}, paths)
}

func TestSecretPathsWalkNestedObjects(t *testing.T) {
	paths, err := plugin.SecretPaths(json.RawMessage(`{"properties":{
		"imap":{"type":"object","properties":{"password":{"type":"string","x-secret":true},"host":{"type":"string"}}},
		"api_key":{"type":"string","writeOnly":true},"name":{"type":"string"}}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"api_key", "imap.password"}, paths)

	_, err = plugin.SecretPaths(json.RawMessage(`{`))
	require.Error(t, err)
	none, err := plugin.SecretPaths(nil)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestDecodeSettingsIsStrict(t *testing.T) {
	type settings struct {
		Token string `json:"access_token"`
		Strip bool   `json:"strip_ar_mobile_9"`
	}
	tests := []struct {
		name    string
		in      map[string]any
		want    settings
		wantErr bool
	}{
		{"known keys", map[string]any{"access_token": "t", "strip_ar_mobile_9": true}, settings{Token: "t", Strip: true}, false},
		{"nil is empty", nil, settings{}, false},
		{"unknown key", map[string]any{"acess_token": "t"}, settings{}, true},
		{"wrong type", map[string]any{"strip_ar_mobile_9": "yes"}, settings{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got settings
			err := plugin.DecodeSettings(tc.in, &got)
			if tc.wantErr {
				require.ErrorIs(t, err, plugin.ErrInvalidSettings)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
