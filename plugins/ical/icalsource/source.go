package icalsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/conserje/conserje/plugins/ical/icsnorm"
	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/plugin"
)

// Version is the plugin's own version.
const Version = "1.0.0"

// Defaults of the settings.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = icsnorm.DefaultMaxBytes
	DefaultMaxRedirects = 5
	defaultUserAgent    = "conserje-ical/" + Version
)

const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "description": "bound of one fetch when the request sets none"},
    "max_bytes": {"type": "integer", "minimum": 1024, "maximum": 104857600, "description": "largest feed body accepted when the request sets none"},
    "max_redirects": {"type": "integer", "minimum": 0, "maximum": 20, "description": "redirects followed before giving up"},
    "user_agent": {"type": "string", "minLength": 1, "description": "User-Agent header sent to the portals"}
  },
  "additionalProperties": false
}`

type settings struct {
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
	userAgent    string
}

func defaultSettings() settings {
	return settings{timeout: DefaultTimeout, maxBytes: DefaultMaxBytes, maxRedirects: DefaultMaxRedirects, userAgent: defaultUserAgent}
}

// Source is the iCal calendar plugin. The zero value is not usable; call New.
type Source struct {
	mu       sync.RWMutex
	settings settings
	// transport is shared by every fetch; nil means http.DefaultTransport's clone.
	transport http.RoundTripper
}

var (
	_ calendar.Plugin      = (*Source)(nil)
	_ plugin.HealthChecker = (*Source)(nil)
)

// New returns a Source with the default settings; Configure may change them.
func New() *Source {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = DefaultTimeout
	return &Source{settings: defaultSettings(), transport: tr}
}

// Describe says what the plugin is.
func (s *Source) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:           plugin.KindCalendar,
		Name:           "ical",
		Version:        Version,
		Capabilities:   []string{"etag", "last-modified", "parse"},
		SettingsSchema: json.RawMessage(settingsSchema),
	}, nil
}

// Configure applies the optional settings; missing ones keep their defaults.
func (s *Source) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	st := defaultSettings()
	for k, v := range req.Settings {
		switch k {
		case "timeout_seconds":
			f, ok := v.(float64)
			if !ok || f <= 0 || f > 300 {
				return fmt.Errorf("%w: timeout_seconds must be a number in (0, 300], got %v", plugin.ErrInvalidSettings, v)
			}
			st.timeout = time.Duration(f * float64(time.Second))
		case "max_bytes":
			f, ok := v.(float64)
			if !ok || f < 1024 || f != float64(int64(f)) {
				return fmt.Errorf("%w: max_bytes must be an integer >= 1024, got %v", plugin.ErrInvalidSettings, v)
			}
			st.maxBytes = int64(f)
		case "max_redirects":
			f, ok := v.(float64)
			if !ok || f < 0 || f > 20 || f != float64(int(f)) {
				return fmt.Errorf("%w: max_redirects must be an integer in [0, 20], got %v", plugin.ErrInvalidSettings, v)
			}
			st.maxRedirects = int(f)
		case "user_agent":
			str, ok := v.(string)
			if !ok || str == "" {
				return fmt.Errorf("%w: user_agent must be a non-empty string", plugin.ErrInvalidSettings)
			}
			st.userAgent = str
		default:
			return fmt.Errorf("%w: unknown setting %q", plugin.ErrInvalidSettings, k)
		}
	}
	s.mu.Lock()
	s.settings = st
	s.mu.Unlock()
	return nil
}

// Stop closes idle connections.
func (s *Source) Stop(context.Context) error {
	if tr, ok := s.transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	return nil
}

// Health is fine while the process answers: the portals are checked per feed, by Fetch.
func (s *Source) Health(context.Context) error { return nil }

func (s *Source) current() settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings
}

// Parse normalizes a body already in hand.
func (s *Source) Parse(_ context.Context, req calendar.ParseRequest) (calendar.ParseResponse, error) {
	return normalize(req.Body, req.Options, 0)
}

// normalize runs icsnorm and maps its results and rejections onto the SDK's types.
func normalize(body []byte, o calendar.Options, maxBytes int64) (calendar.ParseResponse, error) {
	opts, err := normOptions(o)
	if err != nil {
		return calendar.ParseResponse{}, err
	}
	if maxBytes > 0 {
		opts.MaxBytes = int(maxBytes)
	} else {
		opts.MaxBytes = max(len(body), 1) // the fetcher already capped it; Parse takes what it is given
	}
	res, err := icsnorm.Normalize(body, opts)
	if err != nil {
		return calendar.ParseResponse{}, rejection(err)
	}
	blocks := make([]calendar.Block, 0, len(res.Blocks))
	for _, b := range res.Blocks {
		blocks = append(blocks, toBlock(b))
	}
	warnings := make([]calendar.Warning, 0, len(res.Warnings))
	for _, w := range res.Warnings {
		warnings = append(warnings, calendar.Warning{Code: w.Code, UID: w.UID, Line: w.Line, Message: w.String()})
	}
	return calendar.ParseResponse{Blocks: blocks, Warnings: warnings, Partial: res.Partial}, nil
}

func normOptions(o calendar.Options) (icsnorm.Options, error) {
	opts := icsnorm.Options{FeedID: o.FeedID, EndInclusive: o.EndInclusive, Now: o.Now}
	if p, err := icsnorm.ParsePlatform(string(o.Platform)); err == nil {
		opts.Platform = p
	} else {
		opts.Platform = icsnorm.PlatformGeneric // the contract: unknown platforms read as generic
	}
	tz := o.Timezone
	if tz == "" {
		tz = icsnorm.DefaultTimezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return opts, fmt.Errorf("%w: time zone %q: %w", plugin.ErrInvalidRequest, tz, err)
	}
	opts.Location = loc
	return opts, nil
}

func toBlock(b icsnorm.Block) calendar.Block {
	kind := calendar.KindBlock // includes icsnorm.KindUnknown: the contract has two kinds
	if b.Kind == icsnorm.KindReservation {
		kind = calendar.KindReservation
	}
	return calendar.Block{
		UID:             b.UID,
		Start:           b.Start.String(),
		End:             b.End.String(),
		Kind:            kind,
		Tentative:       b.Tentative,
		Summary:         b.Summary,
		ReservationCode: b.ReservationCode,
		PhoneLast4:      b.PhoneLast4,
	}
}

func rejection(err error) error {
	var reason calendar.RejectReason
	switch {
	case errors.Is(err, icsnorm.ErrNotICalendar):
		reason = calendar.RejectNotICalendar
	case errors.Is(err, icsnorm.ErrTruncated):
		reason = calendar.RejectTruncated
	case errors.Is(err, icsnorm.ErrTooLarge):
		reason = calendar.RejectTooLarge
	default:
		return fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	return &calendar.RejectedError{Reason: reason, Detail: err.Error()}
}
