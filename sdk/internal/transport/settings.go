package transport

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/conserje/conserje/sdk/plugin"
)

// CompileSettingsSchema compiles a plugin's settings JSON Schema (draft 2020-12 unless it
// names another with $schema).
func CompileSettingsSchema(schema json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("settings schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const loc = "urn:conserje:plugin-settings"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("settings schema: %w", err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("settings schema does not compile: %w", err)
	}
	return sch, nil
}

// ValidateSettings checks settings against a plugin's settings schema; an empty schema
// accepts anything. The error wraps plugin.ErrInvalidSettings and lists every problem.
func ValidateSettings(schema json.RawMessage, settings map[string]any) error {
	if len(schema) == 0 {
		return nil
	}
	sch, err := CompileSettingsSchema(schema)
	if err != nil {
		return err
	}
	if settings == nil {
		settings = map[string]any{}
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("%w: not representable as JSON: %w", plugin.ErrInvalidSettings, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	return nil
}
