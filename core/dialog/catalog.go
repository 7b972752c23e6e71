package dialog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	i18ntemplate "github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Catalog holds the message templates of every language (locales/<tag>.yaml), each
// language in its own go-i18n bundle so a template is only ever parsed with its own
// language's functions (money, dates, plurals).
type Catalog struct {
	defaultLang string
	langs       []string // default first, then sorted
	tags        []language.Tag
	matcher     language.Matcher
	bundles     map[string]*i18n.Bundle
	localizers  map[string]*i18n.Localizer
	parsers     map[string]*funcParser
	keys        map[string]map[string]spec.Pos // lang → key → where it is written
	plurals     map[string]map[string]bool     // lang → key → has plural forms
	sources     map[string]map[string][]string // lang → key → template sources
	files       map[string]string
	loc         *time.Location
}

// ErrUnknownTemplate means a template key is in no locale.
var ErrUnknownTemplate = errors.New("unknown template key")

var pluralForms = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

// LoadCatalog reads every locales/<tag>.yaml file. defaultLang must be one of them. loc is
// the zone times are shown in.
func LoadCatalog(dir, defaultLang string, loc *time.Location) (*Catalog, spec.Problems) {
	return LoadCatalogFS(os.DirFS(dir), dir, defaultLang, loc)
}

// LoadCatalogFS is LoadCatalog over a file system; prefix is how file names are shown.
func LoadCatalogFS(fsys fs.FS, prefix, defaultLang string, loc *time.Location) (*Catalog, spec.Problems) {
	if loc == nil {
		loc = time.UTC
	}
	c := &Catalog{
		defaultLang: defaultLang,
		bundles:     map[string]*i18n.Bundle{},
		localizers:  map[string]*i18n.Localizer{},
		parsers:     map[string]*funcParser{},
		keys:        map[string]map[string]spec.Pos{},
		plurals:     map[string]map[string]bool{},
		sources:     map[string]map[string][]string{},
		files:       map[string]string{},
		loc:         loc,
	}
	var problems spec.Problems
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return c, spec.Problems{{Pos: spec.Pos{File: prefix}, Message: fmt.Sprintf("read locales folder: %v", err)}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		shown := filepath.Join(prefix, n)
		tagName := strings.TrimSuffix(n, ".yaml")
		tag, err := language.Parse(tagName)
		if err != nil {
			problems = append(problems, spec.Problem{Pos: spec.Pos{File: shown}, Message: fmt.Sprintf("file name %q is not a language tag (es-AR.yaml, en.yaml, pt-BR.yaml)", n)})
			continue
		}
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			problems = append(problems, spec.Problem{Pos: spec.Pos{File: shown}, Message: fmt.Sprintf("read: %v", err)})
			continue
		}
		problems = append(problems, c.addFile(tagName, tag, shown, data)...)
	}
	if _, ok := c.bundles[defaultLang]; !ok {
		problems = append(problems, spec.Problem{Pos: spec.Pos{File: prefix}, Message: fmt.Sprintf("no locale file for the default language %s (%s.yaml)", defaultLang, defaultLang)})
		return c, problems
	}
	c.langs = append(c.langs, defaultLang)
	var rest []string
	for l := range c.bundles {
		if l != defaultLang {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	c.langs = append(c.langs, rest...)
	for _, l := range c.langs {
		c.tags = append(c.tags, language.MustParse(l))
	}
	c.matcher = language.NewMatcher(c.tags)
	problems = append(problems, c.crossCheck()...)
	return c, problems
}

func (c *Catalog) addFile(lang string, tag language.Tag, file string, data []byte) spec.Problems {
	var problems spec.Problems
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return spec.Problems{{Pos: spec.Pos{File: file}, Message: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	bundle := i18n.NewBundle(tag)
	parser := &funcParser{}
	parser.funcs = c.funcs(lang, parser)
	c.bundles[lang] = bundle
	c.parsers[lang] = parser
	c.keys[lang] = map[string]spec.Pos{}
	c.plurals[lang] = map[string]bool{}
	c.sources[lang] = map[string][]string{}
	c.files[lang] = file
	if len(doc.Content) == 0 {
		c.localizers[lang] = i18n.NewLocalizer(bundle, lang)
		return nil
	}
	root := doc.Content[0]
	pos := func(n *yaml.Node) spec.Pos { return spec.Pos{File: file, Line: n.Line, Column: n.Column} }
	if root.Kind != yaml.MappingNode {
		return spec.Problems{{Pos: pos(root), Message: "a locale file is a map of message keys to templates"}}
	}
	var msgs []*i18n.Message
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if _, dup := c.keys[lang][k.Value]; dup {
			problems = append(problems, spec.Problem{Pos: pos(k), Message: fmt.Sprintf("message %q is written twice", k.Value)})
			continue
		}
		m := &i18n.Message{ID: k.Value}
		switch v.Kind {
		case yaml.ScalarNode:
			m.Other = v.Value
		case yaml.MappingNode:
			c.plurals[lang][k.Value] = true
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				if fk.Value == "description" {
					m.Description = fv.Value
					continue
				}
				if !pluralForms[fk.Value] || fv.Kind != yaml.ScalarNode {
					problems = append(problems, spec.Problem{Pos: pos(fk), Message: fmt.Sprintf("message %q: %q is not a plural form (zero, one, two, few, many, other) or description", k.Value, fk.Value)})
					continue
				}
				switch fk.Value {
				case "zero":
					m.Zero = fv.Value
				case "one":
					m.One = fv.Value
				case "two":
					m.Two = fv.Value
				case "few":
					m.Few = fv.Value
				case "many":
					m.Many = fv.Value
				case "other":
					m.Other = fv.Value
				}
			}
			if m.Other == "" || m.One == "" {
				problems = append(problems, spec.Problem{Pos: pos(k), Message: fmt.Sprintf("message %q has plural forms but lacks one or other", k.Value)})
			}
		default:
			problems = append(problems, spec.Problem{Pos: pos(k), Message: fmt.Sprintf("message %q must be a text or a map of plural forms", k.Value)})
			continue
		}
		srcs := []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}
		for _, src := range srcs {
			if src == "" {
				continue
			}
			c.sources[lang][k.Value] = append(c.sources[lang][k.Value], src)
			if _, err := template.New(k.Value).Funcs(parser.funcs).Parse(src); err != nil {
				problems = append(problems, spec.Problem{Pos: pos(v), Message: fmt.Sprintf("message %q: bad template: %v", k.Value, cleanTemplateError(err))})
			}
		}
		c.keys[lang][k.Value] = pos(k)
		msgs = append(msgs, m)
	}
	if err := bundle.AddMessages(tag, msgs...); err != nil {
		problems = append(problems, spec.Problem{Pos: spec.Pos{File: file}, Message: err.Error()})
	}
	c.localizers[lang] = i18n.NewLocalizer(bundle, lang)
	return problems
}

func cleanTemplateError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "template: ") {
		msg = msg[i+2:]
	}
	return msg
}

var pluralCall = regexp.MustCompile(`plural\s+"([^"]+)"`)

// crossCheck reports keys missing in some language and plural helpers naming keys that
// are not plural messages.
func (c *Catalog) crossCheck() spec.Problems {
	var problems spec.Problems
	for _, l := range c.langs {
		for key, p := range c.keys[l] {
			for _, other := range c.langs {
				if _, ok := c.keys[other][key]; !ok {
					problems = append(problems, spec.Problem{Pos: p, Message: fmt.Sprintf("message %q is missing in %s", key, c.files[other])})
				}
			}
			for _, src := range c.sources[l][key] {
				for _, m := range pluralCall.FindAllStringSubmatch(src, -1) {
					if !c.plurals[l][m[1]] {
						problems = append(problems, spec.Problem{Pos: p, Message: fmt.Sprintf("message %q calls plural %q, which is not a message with plural forms in this file", key, m[1])})
					}
				}
			}
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i].Pos, problems[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return problems
}

// Languages lists the catalog's languages, the default first.
func (c *Catalog) Languages() []string { return append([]string(nil), c.langs...) }

// Default is the default language.
func (c *Catalog) Default() string { return c.defaultLang }

// Keys lists the message keys of a language, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.keys[lang]))
	for k := range c.keys[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Missing lists the languages that lack key.
func (c *Catalog) Missing(key string) []string {
	var out []string
	for _, l := range c.langs {
		if _, ok := c.keys[l][key]; !ok {
			out = append(out, l)
		}
	}
	return out
}

// Match picks the catalog language closest to a detected tag ("es" → "es-AR", "pt" →
// "pt-BR"); unknown or unsupported tags give "".
func (c *Catalog) Match(tag string) string {
	if tag == "" || c.matcher == nil {
		return ""
	}
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	_, i, conf := c.matcher.Match(t)
	if conf == language.No {
		return ""
	}
	return c.langs[i]
}

// Render executes the template key in lang with data (falling back to the default
// language when lang lacks it).
func (c *Catalog) Render(lang, key string, data map[string]any) (string, error) {
	if _, ok := c.keys[lang][key]; !ok {
		lang = c.defaultLang
		if _, ok := c.keys[lang][key]; !ok {
			return "", fmt.Errorf("render %q: %w", key, ErrUnknownTemplate)
		}
	}
	lc := &i18n.LocalizeConfig{MessageID: key, TemplateData: data, TemplateParser: c.parsers[lang]}
	if c.plurals[lang][key] {
		n := int64(1)
		if v, ok := toInt64(data["Count"]); ok {
			n = v
		}
		lc.PluralCount = n
	}
	out, err := c.localizers[lang].Localize(lc)
	if err != nil {
		return "", fmt.Errorf("render %q in %s: %w", key, lang, err)
	}
	return strings.TrimSpace(out), nil
}

// funcs are the helpers templates may call; they format for lang.
func (c *Catalog) funcs(lang string, p *funcParser) template.FuncMap {
	return template.FuncMap{
		"money": func(v any) string {
			n, _ := toInt64(v)
			return FormatMoney(lang, n)
		},
		"date":     func(v any) string { return FormatDate(lang, v, c.loc) },
		"longdate": func(v any) string { return FormatLongDate(lang, v, c.loc) },
		"clock":    func(v any) string { return FormatClock(v, c.loc) },
		"text":     func(key string) (string, error) { return c.Render(lang, key, nil) },
		"plural": func(key string, n any) (string, error) {
			count, _ := toInt64(n)
			return c.Render(lang, key, map[string]any{"Count": count})
		},
		"join": func(sep string, items any) string {
			list, _ := items.([]any)
			parts := make([]string, 0, len(list))
			for _, it := range list {
				parts = append(parts, fmt.Sprint(it))
			}
			return strings.Join(parts, sep)
		},
	}
}

// funcParser parses go-i18n templates with the language's functions. Unlike go-i18n's
// own TextParser with Funcs it is cacheable: each bundle only ever sees one parser.
type funcParser struct {
	funcs template.FuncMap
}

var _ i18ntemplate.Parser = (*funcParser)(nil)

func (p *funcParser) Cacheable() bool { return true }

func (p *funcParser) Parse(src, left, right string) (i18ntemplate.ParsedTemplate, error) {
	t, err := template.New("").Delims(left, right).Option("missingkey=zero").Funcs(p.funcs).Parse(src)
	if err != nil {
		return nil, err
	}
	return parsedTemplate{t}, nil
}

type parsedTemplate struct{ t *template.Template }

func (p parsedTemplate) Execute(data any) (string, error) {
	var b strings.Builder
	if err := p.t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
