package booking

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Outcomes callers branch on.
var (
	// ErrNotFound: no such unit, property or reservation code.
	ErrNotFound = errors.New("booking: not found")
	// ErrUnavailable: some night of the stay is taken. The error is an *UnavailableError
	// carrying alternatives when it comes from Hold or Confirm.
	ErrUnavailable = errors.New("booking: unit not available for those nights")
	// ErrInvalid: the request is malformed; the error is a *ValidationError with fields.
	ErrInvalid = errors.New("booking: invalid request")
	// ErrMinStay: the stay is shorter than the minimum; the error is a *MinStayError.
	ErrMinStay = errors.New("booking: stay shorter than the minimum")
	// ErrAlreadyExtended: a hold can be extended only once.
	ErrAlreadyExtended = errors.New("booking: hold already extended")
	// ErrExpired: the hold lapsed; it can no longer be extended.
	ErrExpired = errors.New("booking: hold expired")
	// ErrNotHold: the reservation is not a pending hold (extending a confirmed booking).
	ErrNotHold = errors.New("booking: reservation is not a pending hold")
	// ErrCancelled: a cancelled reservation cannot be confirmed.
	ErrCancelled = errors.New("booking: reservation was cancelled")
	// ErrSequenceExhausted: more than 999 reservations share a check-in day.
	ErrSequenceExhausted = errors.New("booking: no reservation codes left for that check-in day")
)

// ValidationError lists what is wrong with a request, field by field, so an API can answer
// 422 with every problem at once.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// fieldErrors collects field problems and turns into an error only when there is one.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, dup := f[field]; !dup {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// MinStayError says how many nights the stay needs and why.
type MinStayError struct {
	Required int
	Nights   int
	// Reason is "default", "season:<name>", "long_weekend" or "date_override".
	Reason string
}

func (e *MinStayError) Error() string {
	return fmt.Sprintf("minimum stay is %d nights (%s), asked for %d", e.Required, e.Reason, e.Nights)
}

// Is makes errors.Is(err, ErrMinStay) true.
func (e *MinStayError) Is(target error) bool { return target == ErrMinStay }

// UnavailableError is ErrUnavailable with what to offer instead.
type UnavailableError struct {
	UnitID       int64
	Stay         Stay
	Alternatives []Alternative
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("unit %d is not available %s (%d alternatives)", e.UnitID, e.Stay, len(e.Alternatives))
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

func asMinStay(err error) (*MinStayError, bool) {
	var ms *MinStayError
	ok := errors.As(err, &ms)
	return ms, ok
}
