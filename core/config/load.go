package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override: database.url → CONSERJE_DATABASE_URL.
const EnvPrefix = "CONSERJE_"

// EnvConfigFile names the config file when --config is not given.
const EnvConfigFile = "CONSERJE_CONFIG"

// DefaultFile is read when present and no file is named.
const DefaultFile = "config.yaml"

// Source says where the settings came from, for `config check` and the start banner.
type Source struct {
	// File is the config file read, or "" when the built-in defaults were used.
	File string
	// Env lists the CONSERJE_* variables that overrode a setting.
	Env []string
}

// Load reads the settings: defaults, then the file (path, else $CONSERJE_CONFIG, else
// ./config.yaml when it exists), then ${VAR} expansion, then CONSERJE_* overrides. It does
// not validate; call Validate.
func Load(path string) (*Config, Source, error) {
	return load(path, os.LookupEnv)
}

func load(path string, lookup func(string) (string, bool)) (*Config, Source, error) {
	cfg := Default()
	var src Source
	explicit := path != ""
	if path == "" {
		if v, ok := lookup(EnvConfigFile); ok && v != "" {
			path, explicit = v, true
		} else if _, err := os.Stat(DefaultFile); err == nil {
			path = DefaultFile
		}
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			if !explicit && errors.Is(err, os.ErrNotExist) {
				path = ""
			} else {
				return nil, src, fmt.Errorf("read config %s: %w", path, err)
			}
		}
		if path != "" {
			if err := decode(raw, cfg); err != nil {
				return nil, src, fmt.Errorf("config %s: %w", path, err)
			}
			src.File = path
		}
	}
	var expandErrs []string
	expandStrings(reflect.ValueOf(cfg).Elem(), "", lookup, &expandErrs)
	if len(expandErrs) > 0 {
		return nil, src, &ValidationError{Problems: expandErrs}
	}
	used, err := applyEnv(cfg, lookup)
	if err != nil {
		return nil, src, err
	}
	src.Env = used
	applyPluginDefaults(cfg)
	return cfg, src, nil
}

// applyPluginDefaults gives every plugins: entry the defaults of the keys it leaves out,
// as every other setting has: a file listing its own plugins replaces the default list,
// so the entries' optional keys would otherwise be zero.
func applyPluginDefaults(cfg *Config) {
	for i := range cfg.Plugins {
		p := &cfg.Plugins[i]
		if p.CallTimeout == 0 {
			p.CallTimeout = DefaultPluginCallTimeout
		}
		if p.Settings == nil {
			p.Settings = map[string]any{}
		}
	}
}

func decode(raw []byte, cfg *Config) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	return nil
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expandStrings replaces ${VAR} (and ${VAR:-default}) in every string setting, including
// plugin settings; an unset variable without a default is an error naming the key.
func expandStrings(v reflect.Value, keyPath string, lookup func(string) (string, bool), errs *[]string) {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			expandStrings(v.Field(i), join(keyPath, yamlName(t.Field(i))), lookup, errs)
		}
	case reflect.Slice:
		for i := range v.Len() {
			expandStrings(v.Index(i), fmt.Sprintf("%s[%d]", keyPath, i), lookup, errs)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			elem := v.MapIndex(k)
			if s, ok := elem.Interface().(string); ok {
				v.SetMapIndex(k, reflect.ValueOf(expand(s, join(keyPath, fmt.Sprint(k.Interface())), lookup, errs)))
			}
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(expand(v.String(), keyPath, lookup, errs))
		}
	}
}

func expand(s, keyPath string, lookup func(string) (string, bool), errs *[]string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		if val, ok := lookup(m[1]); ok {
			return val
		}
		if strings.Contains(ref, ":-") {
			return m[2]
		}
		*errs = append(*errs, fmt.Sprintf("%s: environment variable %s is not set", keyPath, m[1]))
		return ""
	})
}

// EnvName returns the environment variable that overrides a key path:
// "database.url" → "CONSERJE_DATABASE_URL", "plugins[0].path" → "CONSERJE_PLUGINS_0_PATH".
func EnvName(keyPath string) string {
	r := strings.NewReplacer(".", "_", "[", "_", "]", "", "-", "_")
	return EnvPrefix + strings.ToUpper(r.Replace(keyPath))
}

// applyEnv sets every setting whose CONSERJE_* variable is present and returns the names
// used. Plugin entries are addressed by index (CONSERJE_PLUGINS_0_PATH); their settings by
// key (CONSERJE_PLUGINS_0_SETTINGS_ACCESS_TOKEN sets settings.access_token).
func applyEnv(cfg *Config, lookup func(string) (string, bool)) ([]string, error) {
	var used []string
	var problems []string
	var walk func(v reflect.Value, keyPath string)
	walk = func(v reflect.Value, keyPath string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				break
			}
			t := v.Type()
			for i := range t.NumField() {
				walk(v.Field(i), join(keyPath, yamlName(t.Field(i))))
			}
			return
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Struct {
				for i := range v.Len() {
					walk(v.Index(i), fmt.Sprintf("%s[%d]", keyPath, i))
				}
				return
			}
		case reflect.Map:
			prefix := EnvName(keyPath) + "_"
			for _, kv := range environ(lookup) {
				name, val, _ := strings.Cut(kv, "=")
				if !strings.HasPrefix(name, prefix) {
					continue
				}
				if v.IsNil() {
					v.Set(reflect.MakeMap(v.Type()))
				}
				v.SetMapIndex(reflect.ValueOf(strings.ToLower(strings.TrimPrefix(name, prefix))), reflect.ValueOf(val))
				used = append(used, name)
			}
			return
		}
		name := EnvName(keyPath)
		raw, ok := lookup(name)
		if !ok {
			return
		}
		if err := setScalar(v, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s (from %s): %v", keyPath, name, err))
			return
		}
		used = append(used, name)
	}
	walk(reflect.ValueOf(cfg).Elem(), "")
	if len(problems) > 0 {
		return used, &ValidationError{Problems: problems}
	}
	return used, nil
}

// environ lists the process environment; tests substitute lookup, which cannot enumerate,
// so map overrides only come from the real environment.
var environ = func(func(string) (string, bool)) []string { return os.Environ() }

func setScalar(v reflect.Value, raw string) error {
	if v.Type() == reflect.TypeOf(time.Duration(0)) {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 30s, 15m): %q", raw)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot be set from the environment")
		}
		// A list of strings is written comma-separated: "10.0.0.1,10.0.0.0/8".
		items := []string{}
		for _, it := range strings.Split(raw, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		v.Set(reflect.ValueOf(items))
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean (true/false): %q", raw)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", raw)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", raw)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
