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
