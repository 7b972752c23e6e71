package icsnorm

import (
	"fmt"
	"strings"
	"time"
)

// Platform names the producer of a feed; it selects how SUMMARY/DESCRIPTION are read.
type Platform string

// The platform profiles conserje knows.
const (
	PlatformGeneric Platform = "generic"
	PlatformAirbnb  Platform = "airbnb"
	PlatformBooking Platform = "booking"
	PlatformVrbo    Platform = "vrbo"
	PlatformGoogle  Platform = "google"
)

// Platforms lists every profile, for flag help and validation.
var Platforms = []Platform{PlatformAirbnb, PlatformBooking, PlatformVrbo, PlatformGoogle, PlatformGeneric}

// ParsePlatform reads a profile name (case-insensitive); "" is generic.
func ParsePlatform(s string) (Platform, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return PlatformGeneric, nil
	}
	for _, p := range Platforms {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown calendar platform %q (want one of airbnb, booking, vrbo, google, generic)", s)
}

// DefaultTimezone is the zone of the properties conserje serves.
const DefaultTimezone = "America/Argentina/Buenos_Aires"

// Budgets that keep Normalize bounded on hostile input.
const (
	// DefaultMaxBytes is the largest body Normalize accepts (the fetcher caps reads the same way).
	DefaultMaxBytes = 10 << 20
	// maxRecurrenceSteps caps the instances one RRULE may produce while being expanded,
	// counting those before Now.
	maxRecurrenceSteps = 20_000
	// maxFileRecurrenceSteps caps the instances all RRULEs of a file may produce.
	maxFileRecurrenceSteps = 200_000
	// maxRecurringEvents caps the RRULEs of a file that are expanded; later ones block
	// their first occurrence only, with a warning.
	maxRecurringEvents = 1_000
	// maxFileVTimezones caps the VTIMEZONE definitions built for one file.
	maxFileVTimezones = 100
)

// Options say how to read one feed.
type Options struct {
	// Platform selects the profile; "" is generic.
	Platform Platform
	// EndInclusive: the feed's all-day DTEND is the last night, not the checkout day.
	EndInclusive bool
	// Location is the property's zone; nil is America/Argentina/Buenos_Aires.
	Location *time.Location
	// FeedID seeds the synthetic UIDs of events without one (R18).
	FeedID string
	// Now anchors the recurrence horizon; zero is time.Now().
	Now time.Time
	// Horizon is how far past Now recurrences are expanded; zero is two calendar years
	// from Now's date (an instance starting on or after that date is left out).
	Horizon time.Duration
	// MaxBytes rejects larger bodies with ErrTooLarge; zero is DefaultMaxBytes.
	MaxBytes int
}

func (o Options) withDefaults() (Options, error) {
	if o.Platform == "" {
		o.Platform = PlatformGeneric
	}
	if _, err := ParsePlatform(string(o.Platform)); err != nil {
		return o, err
	}
	if o.Location == nil {
		loc, err := time.LoadLocation(DefaultTimezone)
		if err != nil {
			return o, fmt.Errorf("load default zone: %w", err)
		}
		o.Location = loc
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	return o, nil
}
