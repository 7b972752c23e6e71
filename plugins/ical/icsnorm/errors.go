package icsnorm

import "errors"

// Rejections: the whole body is refused and the caller keeps its previous import (R11).
var (
	// ErrNotICalendar: the body does not start with BEGIN:VCALENDAR (after an optional
	// UTF-8 BOM and blank lines) — typically an HTML login or error page.
	ErrNotICalendar = errors.New("not an iCalendar body")
	// ErrTruncated: the body starts as a calendar but has no END:VCALENDAR.
	ErrTruncated = errors.New("truncated iCalendar body")
	// ErrTooLarge: the body is larger than Options.MaxBytes.
	ErrTooLarge = errors.New("iCalendar body too large")
)

// IsRejection reports whether err is one of the rejections above.
func IsRejection(err error) bool {
	return errors.Is(err, ErrNotICalendar) || errors.Is(err, ErrTruncated) || errors.Is(err, ErrTooLarge)
}

// RejectionCode is a short stable name for a rejection ("not_icalendar", "truncated",
// "too_large"), "" for anything else.
func RejectionCode(err error) string {
	switch {
	case errors.Is(err, ErrNotICalendar):
		return "not_icalendar"
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	}
	return ""
}
