package holidays

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml
var embedded embed.FS

// ErrInvalidData is wrapped by every error about a malformed year file.
var ErrInvalidData = errors.New("invalid holiday data")

// YearFile is the content of one data/YYYY.yaml file.
type YearFile struct {
	// Version names this revision of the year's data ("2026.1"); bump it on every change
	// so booking can tell which data priced a stay.
	Version string `yaml:"version"`
	Year    int    `yaml:"year"`
	// Provisional is true while the year's decree (bridge days, weekend moves) is not out.
	Provisional bool     `yaml:"provisional"`
	Sources     []string `yaml:"sources"`
	Holidays    []Entry  `yaml:"holidays"`
}

// Entry is one holiday line of a year file.
type Entry struct {
	Date      string `yaml:"date"`
	Key       string `yaml:"key"`
	Name      string `yaml:"name"`
	Kind      Kind   `yaml:"kind"`
	MovedFrom string `yaml:"moved_from,omitempty"`
}

var (
	defaultOnce sync.Once
	defaultCal  *Calendar
)

// Default returns the calendar of the embedded data files. The data is compiled in and
// checked by this package's tests, so a failure to load it is a build defect and panics.
func Default() *Calendar {
	defaultOnce.Do(func() {
		c, err := Load(embedded, "data")
		if err != nil {
			panic(fmt.Sprintf("holidays: embedded data: %v", err))
		}
		defaultCal = c
	})
	return defaultCal
}

// Load reads every *.yaml year file in dir of fsys into one calendar.
func Load(fsys fs.FS, dir string) (*Calendar, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list holiday files in %s: %w", dir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no holiday files in %s: %w", dir, ErrInvalidData)
	}
	sort.Strings(names)
	var list []Holiday
	versions := map[int]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read holiday file %s: %w", name, err)
		}
		yf, hs, err := ParseYear(data)
		if err != nil {
			return nil, fmt.Errorf("holiday file %s: %w", name, err)
		}
		if _, dup := versions[yf.Year]; dup {
			return nil, fmt.Errorf("holiday file %s: year %d given twice: %w", name, yf.Year, ErrInvalidData)
		}
		versions[yf.Year] = yf.Version
		list = append(list, hs...)
	}
	return newCalendar(list, versions), nil
}

// ParseYear decodes and validates one year file.
func ParseYear(data []byte) (YearFile, []Holiday, error) {
	var yf YearFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&yf); err != nil {
		return YearFile{}, nil, fmt.Errorf("decode: %w: %w", ErrInvalidData, err)
	}
	if yf.Version == "" {
		return YearFile{}, nil, fmt.Errorf("missing version: %w", ErrInvalidData)
	}
	if yf.Year < 2000 || yf.Year > 2200 {
		return YearFile{}, nil, fmt.Errorf("year %d out of range: %w", yf.Year, ErrInvalidData)
	}
	if len(yf.Holidays) == 0 {
		return YearFile{}, nil, fmt.Errorf("year %d has no holidays: %w", yf.Year, ErrInvalidData)
	}
	seen := map[string]bool{}
	out := make([]Holiday, 0, len(yf.Holidays))
	for i, e := range yf.Holidays {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			return YearFile{}, nil, fmt.Errorf("entry %d: date %q: %w", i+1, e.Date, ErrInvalidData)
		}
		if d.Year() != yf.Year {
			return YearFile{}, nil, fmt.Errorf("entry %d: date %s is not in %d: %w", i+1, e.Date, yf.Year, ErrInvalidData)
		}
		if e.Key == "" || e.Name == "" {
			return YearFile{}, nil, fmt.Errorf("entry %d (%s): key and name are required: %w", i+1, e.Date, ErrInvalidData)
		}
		if !e.Kind.Valid() {
			return YearFile{}, nil, fmt.Errorf("entry %d (%s): unknown kind %q: %w", i+1, e.Date, e.Kind, ErrInvalidData)
		}
		id := e.Date + "/" + e.Key
		if seen[id] {
			return YearFile{}, nil, fmt.Errorf("entry %d: %s given twice: %w", i+1, id, ErrInvalidData)
		}
		seen[id] = true
		h := Holiday{Date: d, Key: e.Key, Name: e.Name, Kind: e.Kind, Provisional: yf.Provisional}
		if e.MovedFrom != "" {
			mf, err := time.Parse(time.DateOnly, e.MovedFrom)
			if err != nil {
				return YearFile{}, nil, fmt.Errorf("entry %d: moved_from %q: %w", i+1, e.MovedFrom, ErrInvalidData)
			}
			h.MovedFrom = mf
		}
		out = append(out, h)
	}
	return yf, out, nil
}

// MarshalYear writes a year file in the layout of the embedded data (used to write a
// generated year; hand edits keep the same shape).
func MarshalYear(yf YearFile) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Argentine national holidays %d. Dates are calendar dates (America/Argentina/Buenos_Aires).\n", yf.Year)
	b.WriteString("# kind: inamovible | trasladable | puente_turistico (día no laborable con fines turísticos,\n")
	b.WriteString("# counted as a day off) | no_laborable (optional for employers, not counted as a day off).\n")
	fmt.Fprintf(&b, "version: %q\n", yf.Version)
	fmt.Fprintf(&b, "year: %d\n", yf.Year)
	fmt.Fprintf(&b, "provisional: %t\n", yf.Provisional)
	b.WriteString("sources:\n")
	for _, s := range yf.Sources {
		fmt.Fprintf(&b, "  - %q\n", s)
	}
	b.WriteString("holidays:\n")
	for _, e := range yf.Holidays {
		fmt.Fprintf(&b, "  - date: %s\n", e.Date)
		fmt.Fprintf(&b, "    key: %s\n", e.Key)
		fmt.Fprintf(&b, "    name: %q\n", e.Name)
		fmt.Fprintf(&b, "    kind: %s\n", e.Kind)
		if e.MovedFrom != "" {
			fmt.Fprintf(&b, "    moved_from: %s\n", e.MovedFrom)
		}
	}
	return []byte(b.String())
}

// Entries converts holidays to file entries, in the given order.
func Entries(hs []Holiday) []Entry {
	out := make([]Entry, 0, len(hs))
	for _, h := range hs {
		e := Entry{Date: h.Date.Format(time.DateOnly), Key: h.Key, Name: h.Name, Kind: h.Kind}
		if !h.MovedFrom.IsZero() {
			e.MovedFrom = h.MovedFrom.Format(time.DateOnly)
		}
		out = append(out, e)
	}
	return out
}
