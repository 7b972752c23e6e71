package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

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

// SettingsProblem is one way settings fail their schema: the key path of the setting
// (dot-separated, "" for the settings object itself) and what is wrong.
type SettingsProblem struct {
	Path    string
	Message string
}

// SettingsProblems lists every way settings fail a plugin's settings schema, one per
// setting (a missing required setting is named by its own path), sorted by path.
func SettingsProblems(schema json.RawMessage, settings map[string]any) ([]SettingsProblem, error) {
	if len(schema) == 0 {
		return nil, nil
	}
	sch, err := CompileSettingsSchema(schema)
	if err != nil {
		return nil, err
	}
	if settings == nil {
		settings = map[string]any{}
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return []SettingsProblem{{Message: "not representable as JSON: " + err.Error()}}, nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	err = sch.Validate(inst)
	var verr *jsonschema.ValidationError
	if err == nil {
		return nil, nil
	}
	if !errors.As(err, &verr) {
		return nil, err
	}
	var out []SettingsProblem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := strings.Join(e.InstanceLocation, ".")
		join := func(name string) string {
			if at == "" {
				return name
			}
			return at + "." + name
		}
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				out = append(out, SettingsProblem{Path: join(m), Message: "required"})
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				out = append(out, SettingsProblem{Path: join(p), Message: "unknown setting"})
			}
		default:
			out = append(out, SettingsProblem{Path: at, Message: e.ErrorKind.LocalizedString(englishPrinter)})
		}
	}
	walk(verr)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

var englishPrinter = message.NewPrinter(language.English)
