package calendar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// Source fetches and normalizes calendar feeds. Implementations must be safe for
// concurrent use.
type Source interface {
	// Fetch downloads the feed at req.URL (conditionally when ETag or LastModified are
	// set) and normalizes it. A body that must not replace the previous import (not
	// iCalendar, truncated, too large, an HTTP error) is returned as a *RejectedError.
	Fetch(ctx context.Context, req FetchRequest) (FetchResponse, error)
	// Parse normalizes a feed body already in hand, with the same rules and rejections as
	// Fetch (used by `conserje calendar parse FILE` and tests).
	Parse(ctx context.Context, req ParseRequest) (ParseResponse, error)
}

// Plugin is what a calendar plugin implements and what the host's client offers.
type Plugin interface {
	plugin.Lifecycle
	Source
}

// Platform names the producer of a feed, selecting its normalization profile.
type Platform string

// Known platforms. Plugins treat an unknown platform like PlatformGeneric.
const (
	PlatformAirbnb  Platform = "airbnb"
	PlatformBooking Platform = "booking"
	PlatformVrbo    Platform = "vrbo"
	PlatformGoogle  Platform = "google"
	PlatformGeneric Platform = "generic"
)

// Options are the normalization settings of one feed, shared by Fetch and Parse.
type Options struct {
	// FeedID identifies the feed in the core; it seeds synthetic UIDs of events without
	// one (rule R18), so it must be stable for a feed.
	FeedID string
	// Platform selects the profile (summary meaning, quirks).
	Platform Platform
	// EndInclusive: the feed's end date is the last night rather than the checkout day.
	EndInclusive bool
	// Timezone is the property's IANA zone; timed events are converted to it. Empty means
	// America/Argentina/Buenos_Aires.
	Timezone string
	// Now anchors the recurrence expansion horizon; zero means the plugin's clock.
	Now time.Time
}

// FetchRequest asks for one feed.
type FetchRequest struct {
	Options
	URL string
	// ETag and LastModified are the validators of the previous successful fetch; when the
	// server answers 304 the response has NotModified set and no blocks.
	ETag         string
	LastModified string
	// MaxBytes caps the body size (0: the plugin's default); a larger body is rejected
	// with RejectTooLarge.
	MaxBytes int64
	// Timeout bounds the whole fetch (0: the plugin's default). The call's ctx deadline
	// applies as well.
	Timeout time.Duration
}

// FetchResponse is a normalized feed, or NotModified.
type FetchResponse struct {
	NotModified bool
	Blocks      []Block
	Warnings    []Warning
	// ETag and LastModified are the new validators to send next time.
	ETag         string
	LastModified string
	// Bytes is the size of the body read (0 when not modified).
	Bytes int64
	// Partial: a budget of the reader cut it short (too many recurring events, instances
	// or time zones), so some nights the feed blocks may be missing; the warnings with
	// code WarningBudget say which. The core shows it on the feed's status and does not
	// free vanished blocks on the strength of a partial import alone.
	Partial bool
}

// ParseRequest asks to normalize a body.
type ParseRequest struct {
	Options
	Body []byte
}

// ParseResponse is a normalized feed.
type ParseResponse struct {
	Blocks   []Block
	Warnings []Warning
	// Partial is as in FetchResponse.
	Partial bool
}

// BlockKind says why dates are blocked.
type BlockKind string

// Block kinds.
const (
	// KindReservation: a guest's booking on the platform.
	KindReservation BlockKind = "reservation"
	// KindBlock: dates closed by the host, or a platform that does not tell the two apart.
	KindBlock BlockKind = "block"
)

// DateLayout is the layout of Block.Start and Block.End.
const DateLayout = "2006-01-02"

// Block is one blocked range [Start, End) of calendar dates in the property's zone:
// Start is the first blocked night, End the first free night (the checkout day).
type Block struct {
	// UID is stable across fetches for the same event (recurrence instances get
	// UID plus their date); it is the key the sync uses to move and remove blocks.
	UID string
	// Start and End are dates formatted with DateLayout; Start < End.
	Start string
	End   string
	Kind  BlockKind
	// Tentative marks STATUS:TENTATIVE events; they block all the same.
	Tentative bool
	Summary   string
	// ReservationCode and PhoneLast4 are filled when the platform profile extracts them
	// (Airbnb writes both in DESCRIPTION).
	ReservationCode string
	PhoneLast4      string
}

// Validate checks the invariants every block must hold.
func (b Block) Validate() error {
	if b.UID == "" {
		return errors.New("block without uid")
	}
	start, err := time.Parse(DateLayout, b.Start)
	if err != nil {
		return fmt.Errorf("block %s: start %q is not YYYY-MM-DD", b.UID, b.Start)
	}
	end, err := time.Parse(DateLayout, b.End)
	if err != nil {
		return fmt.Errorf("block %s: end %q is not YYYY-MM-DD", b.UID, b.End)
	}
	if !start.Before(end) {
		return fmt.Errorf("block %s: start %s is not before end %s", b.UID, b.Start, b.End)
	}
	if b.Kind != KindReservation && b.Kind != KindBlock {
		return fmt.Errorf("block %s: unknown kind %q", b.UID, b.Kind)
	}
	return nil
}

// WarningBudget is the Warning.Code of a budget cut-off (the response is Partial).
const WarningBudget = "budget"

// Warning is something odd in a feed that did not stop the import (rules R5, R6, R8...).
type Warning struct {
	// Code is a short stable identifier, e.g. "zero_length", "inverted", "unknown_tzid".
	Code string
	// UID of the event concerned, when there is one.
	UID string
	// Line is the 1-based line in the (unfolded) body, 0 when unknown.
	Line    int
	Message string
}

// RejectReason says why a whole feed was refused.
type RejectReason string

// Reject reasons. A plugin may use others; the core treats every rejection alike (keep
// the previous import, record the error).
const (
	RejectNotICalendar  RejectReason = "not_icalendar" // no BEGIN:VCALENDAR (e.g. an HTML page)
	RejectTruncated     RejectReason = "truncated"     // no END:VCALENDAR
	RejectTooLarge      RejectReason = "too_large"     // body over MaxBytes
	RejectHTTPStatus    RejectReason = "http_status"   // a non-2xx, non-304 answer
	RejectUnreachable   RejectReason = "unreachable"   // DNS, connect, TLS, timeout
	RejectTooManyHops   RejectReason = "too_many_redirects"
	RejectMalformed     RejectReason = "malformed"      // iCalendar that cannot be read at all
	RejectInvalidSource RejectReason = "invalid_source" // the URL itself is unusable
)

// ErrRejected is matched (errors.Is) by every *RejectedError.
var ErrRejected = errors.New("calendar feed rejected")

// RejectedError is a feed that must not replace the previous import.
type RejectedError struct {
	Reason RejectReason
	// HTTPStatus is set with RejectHTTPStatus.
	HTTPStatus int
	// Detail is a human-readable explanation, e.g. "body starts with <!DOCTYPE html>".
	Detail string
}

func (e *RejectedError) Error() string {
	msg := "calendar feed rejected: " + string(e.Reason)
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is makes errors.Is(err, ErrRejected) hold for every rejection.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }
