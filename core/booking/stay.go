package booking

import (
	"fmt"

	"github.com/conserje/conserje/core/store"
)

// MaxNights is the default longest stay accepted in one booking (Options.MaxNights).
const MaxNights = 90

// Stay is a range of nights [CheckIn, CheckOut): CheckIn is the first night, CheckOut the
// departure day, both calendar dates in the property's time zone.
type Stay struct {
	CheckIn  store.Date `json:"check_in"`
	CheckOut store.Date `json:"check_out"`
}

// NewStay returns the stay from check-in to check-out.
func NewStay(checkIn, checkOut store.Date) Stay { return Stay{CheckIn: checkIn, CheckOut: checkOut} }

// Nights is the number of nights.
func (s Stay) Nights() int { return s.CheckOut.Sub(s.CheckIn) }

// Overlaps reports whether two stays share a night; back-to-back stays do not.
func (s Stay) Overlaps(o Stay) bool {
	return s.CheckIn.Before(o.CheckOut) && o.CheckIn.Before(s.CheckOut)
}

// Shift returns the stay moved by days.
func (s Stay) Shift(days int) Stay {
	return Stay{CheckIn: s.CheckIn.AddDays(days), CheckOut: s.CheckOut.AddDays(days)}
}

func (s Stay) String() string { return fmt.Sprintf("[%s, %s)", s.CheckIn, s.CheckOut) }

// validate checks the stay's shape against today (in the property's zone).
func (s Stay) validate(today store.Date, maxNights, maxAdvanceDays int, fe fieldErrors) {
	if s.CheckIn.IsZero() {
		fe.add("check_in", "required (YYYY-MM-DD)")
	}
	if s.CheckOut.IsZero() {
		fe.add("check_out", "required (YYYY-MM-DD)")
	}
	if s.CheckIn.IsZero() || s.CheckOut.IsZero() {
		return
	}
	if s.CheckIn.Before(today) {
		fe.add("check_in", fmt.Sprintf("is in the past (today is %s)", today))
	}
	if last := today.AddDays(maxAdvanceDays); last.Before(s.CheckIn) {
		fe.add("check_in", fmt.Sprintf("is too far ahead (bookings open until %s)", last))
	}
	switch n := s.Nights(); {
	case n <= 0:
		fe.add("check_out", "must be after check_in")
	case n > maxNights:
		fe.add("check_out", fmt.Sprintf("stays are at most %d nights, asked for %d", maxNights, n))
	}
}
