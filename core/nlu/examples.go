package nlu

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrDuplicateIntent is returned when two dialog files declare the same intent.
var ErrDuplicateIntent = errors.New("intent declared twice")

// dialogFile is the part of a dialog YAML file the NLU reads. Other top-level keys
// (slots, flows, settings) belong to the dialog engine and are ignored.
type dialogFile struct {
	Intents map[string]struct {
		Description string   `yaml:"description"`
		Examples    []string `yaml:"examples"`
	} `yaml:"intents"`
}

// LoadExamples reads the intents: section of every *.yaml and *.yml file directly in
// dir of fsys and returns intent → example phrases, ready for Train. An intent may be
// declared in one file only.
func LoadExamples(fsys fs.FS, dir string) (map[string][]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read dialog dir %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := map[string][]string{}
	where := map[string]string{}
	for _, n := range names {
		file := path.Join(dir, n)
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		var df dialogFile
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&df); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		for name, in := range df.Intents {
			if prev, dup := where[name]; dup {
				return nil, fmt.Errorf("intent %q in %s and %s: %w", name, prev, file, ErrDuplicateIntent)
			}
			where[name] = file
			out[name] = append([]string(nil), in.Examples...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dialog dir %s: %w", dir, ErrNoExamples)
	}
	return out, nil
}
