package transport

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
)

func TestValidateSettings(t *testing.T) {
	schema := json.RawMessage(`{
	  "type": "object",
	  "required": ["access_token", "phone_number_id"],
	  "properties": {
	    "access_token": {"type": "string", "minLength": 10},
	    "phone_number_id": {"type": "string"},
	    "timeout_seconds": {"type": "integer", "minimum": 1}
	  },
	  "additionalProperties": false
	}`)
	tests := []struct {
		name     string
		schema   json.RawMessage
		settings map[string]any
		problems []string // every one must be reported
	}{
		{"valid", schema, map[string]any{"access_token": "EAAG-0123456789", "phone_number_id": "1", "timeout_seconds": 5}, nil},
		{"no schema accepts anything", nil, map[string]any{"x": 1}, nil},
		{"every problem at once", schema, map[string]any{"access_token": "short", "timeout_seconds": 0, "extra": true},
			[]string{"phone_number_id", "minLength", "minimum", "extra"}},
		{"nil settings against required", schema, nil, []string{"access_token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSettings(tc.schema, tc.settings)
			if tc.problems == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, plugin.ErrInvalidSettings)
			for _, p := range tc.problems {
				assert.Contains(t, err.Error(), p)
			}
		})
	}
	t.Run("broken schema", func(t *testing.T) {
		require.Error(t, ValidateSettings(json.RawMessage(`{"type": 12}`), nil))
		require.Error(t, ValidateSettings(json.RawMessage(`{`), nil))
	})
}

func TestSettingsProblemsNameEachSetting(t *testing.T) {
	t.Parallel()
	schema := plugin.SettingsSchema(
		plugin.Setting{Name: "access_token", Required: true, Secret: true, MinLength: 1},
		plugin.Setting{Name: "api_version", Required: true, Pattern: `^v[0-9.]+$`},
		plugin.Setting{Name: "strip_ar_mobile_9", Type: "boolean"},
	)
	cases := []struct {
		name     string
		settings map[string]any
		want     []SettingsProblem
	}{
		{"valid", map[string]any{"access_token": "t", "api_version": "v24.0"}, nil},
		{"missing ones by their own path", map[string]any{}, []SettingsProblem{
			{Path: "access_token", Message: "required"}, {Path: "api_version", Message: "required"}}},
		{"unknown setting", map[string]any{"access_token": "t", "api_version": "v24.0", "acces_token": "x"}, []SettingsProblem{
			{Path: "acces_token", Message: "unknown setting"}}},
		{"wrong type", map[string]any{"access_token": "t", "api_version": "v24.0", "strip_ar_mobile_9": "yes"}, []SettingsProblem{
			{Path: "strip_ar_mobile_9", Message: "got string, want boolean"}}},
		{"pattern", map[string]any{"access_token": "t", "api_version": "24"}, []SettingsProblem{
			{Path: "api_version", Message: "'24' does not match pattern '^v[0-9.]+$'"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := SettingsProblems(schema, tc.settings)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
