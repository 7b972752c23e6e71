package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Setting describes one setting for SettingsSchema.
type Setting struct {
	Name        string
	Description string
	// Type is a JSON Schema type: "string" (the default), "boolean", "integer", "number".
	Type     string
	Required bool
	// Secret marks a credential: the schema says "writeOnly": true and "x-secret": true,
	// and the core masks the value.
	Secret  bool
	Default any
	Enum    []string
	// Pattern is a regular expression a string must match.
	Pattern string
	// MinLength is the shortest string accepted (0: any, "" included).
	MinLength int
}

// SettingsSchema builds the JSON Schema (draft 2020-12) of a flat settings object with
// these settings and no others.
func SettingsSchema(settings ...Setting) json.RawMessage {
	props := map[string]any{}
	var required []string
	for _, s := range settings {
		p := map[string]any{"type": "string"}
		if s.Type != "" {
			p["type"] = s.Type
		}
		if s.Description != "" {
			p["description"] = s.Description
		}
		if s.Secret {
			p["writeOnly"] = true
			p["x-secret"] = true
		}
		if s.Default != nil {
			p["default"] = s.Default
		}
		if len(s.Enum) > 0 {
			p["enum"] = s.Enum
		}
		if s.Pattern != "" {
			p["pattern"] = s.Pattern
		}
		if s.MinLength > 0 {
			p["minLength"] = s.MinLength
		}
		props[s.Name] = p
		if s.Required {
			required = append(required, s.Name)
		}
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(required) > 0 {
		schema["required"] = required
	}
	out, err := json.Marshal(schema)
	if err != nil {
		// Only strings, bools and the caller's defaults: a default that cannot be JSON is
		// a programming error in the plugin.
		panic(fmt.Sprintf("plugin: settings schema: %v", err))
	}
	return out
}

// SecretPaths lists the key paths (dot-separated, sorted) of the settings a schema marks
// secret ("writeOnly": true or "x-secret": true), walking nested object properties.
func SecretPaths(schema json.RawMessage) ([]string, error) {
	if len(schema) == 0 {
		return nil, nil
	}
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, fmt.Errorf("settings schema is not JSON: %w", err)
	}
	var out []string
	var walk func(node any, prefix string)
	walk = func(node any, prefix string) {
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		props, _ := m["properties"].(map[string]any)
		for name, p := range props {
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			pm, _ := p.(map[string]any)
			if pm["writeOnly"] == true || pm["x-secret"] == true {
				out = append(out, path)
				continue
			}
			walk(p, path)
		}
	}
	walk(doc, "")
	sort.Strings(out)
	return out, nil
}

// DecodeSettings decodes a Configure request's settings into dst (a pointer to a struct
// with json tags), strictly: an unknown key or a value of the wrong type is an error
// wrapping ErrInvalidSettings.
func DecodeSettings(settings map[string]any, dst any) error {
	if settings == nil {
		settings = map[string]any{}
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSettings, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSettings, err)
	}
	return nil
}
