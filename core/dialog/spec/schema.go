package spec

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// SchemaJSON is the JSON Schema of a dialog file; dialogs/schema.json is a copy of it that
// editors use through the yaml-language-server modeline (a test keeps both equal).
//
//go:embed schema.json
var SchemaJSON []byte

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
	printer    = message.NewPrinter(language.English)
)

func compiledSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("parse embedded dialog schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("dialog.json", doc); err != nil {
			schemaErr = fmt.Errorf("add dialog schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile("dialog.json")
	})
	return schema, schemaErr
}

// validateSchema checks one file's YAML tree against the schema and reports each violation
// at the position of the offending value.
func validateSchema(file string, root *yaml.Node) Problems {
	sch, err := compiledSchema()
	if err != nil {
		return Problems{{Pos: Pos{File: file}, Message: err.Error()}}
	}
	err = sch.Validate(toValue(root))
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return Problems{{Pos: Pos{File: file}, Message: err.Error()}}
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(verr, &leaves)
	seen := map[string]bool{}
	var out Problems
	for _, l := range leaves {
		n := locate(root, l.InstanceLocation)
		if ap, ok := l.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
			n = keyNode(n, ap.Properties[0])
		}
		where := "/" + strings.Join(l.InstanceLocation, "/")
		msg := fmt.Sprintf("%s: %s", where, l.ErrorKind.LocalizedString(printer))
		key := fmt.Sprintf("%d:%d:%s", n.Line, n.Column, msg)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Problem{Pos: Pos{File: file, Line: n.Line, Column: n.Column}, Message: "schema: " + msg})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos.Line != out[j].Pos.Line {
			return out[i].Pos.Line < out[j].Pos.Line
		}
		return out[i].Pos.Column < out[j].Pos.Column
	})
	return out
}

// collectLeaves keeps the most precise errors. For oneOf failures it keeps only the branch
// that got furthest, so a host sees "missing property then" rather than seven alternatives.
func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	if isOneOf(e) {
		best := e.Causes[0]
		for _, c := range e.Causes[1:] {
			if depth(c) > depth(best) {
				best = c
			}
		}
		// when every branch failed only on "required", the step names no kind at all
		if allRequired(e) {
			*out = append(*out, &jsonschema.ValidationError{
				InstanceLocation: e.InstanceLocation,
				ErrorKind:        oneOfKind{},
			})
			return
		}
		collectLeaves(best, out)
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

type oneOfKind struct{}

func (oneOfKind) KeywordPath() []string { return []string{"oneOf"} }
func (oneOfKind) LocalizedString(*message.Printer) string {
	return "a step needs exactly one of say, ask, action, if (with then), goto, handoff, end"
}

func isOneOf(e *jsonschema.ValidationError) bool {
	kp := e.ErrorKind.KeywordPath()
	return len(kp) > 0 && kp[len(kp)-1] == "oneOf"
}

func allRequired(e *jsonschema.ValidationError) bool {
	for _, c := range e.Causes {
		var leaves []*jsonschema.ValidationError
		collectLeaves(c, &leaves)
		for _, l := range leaves {
			kp := l.ErrorKind.KeywordPath()
			if len(kp) == 0 || kp[len(kp)-1] != "required" {
				return false
			}
		}
	}
	return true
}

func depth(e *jsonschema.ValidationError) int {
	d := len(e.InstanceLocation)
	for _, c := range e.Causes {
		if cd := depth(c); cd > d {
			d = cd
		}
	}
	return d
}

// locate finds the node at a JSON pointer path; it stops at the deepest node that exists.
func locate(n *yaml.Node, path []string) *yaml.Node {
	cur := n
	for _, tok := range path {
		cur = resolve(cur)
		switch cur.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if cur.Content[i].Value == tok {
					cur = cur.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return cur
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Content) {
				return cur
			}
			cur = cur.Content[i]
		default:
			return cur
		}
	}
	return cur
}

// keyNode is the key node of a mapping entry, or the mapping itself when absent.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	m := resolve(n)
	if m.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return n
}

// toValue turns a YAML tree into the JSON-like value the schema validator expects.
func toValue(n *yaml.Node) any {
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return toValue(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, toValue(c))
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return i
			}
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return f
			}
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b
			}
		case "!!null":
			return nil
		}
		return n.Value
	}
	return nil
}
