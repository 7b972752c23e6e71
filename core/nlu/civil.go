package nlu

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date (a stay date), held as 00:00 UTC of that day. Its JSON form is
// "YYYY-MM-DD".
type Date struct{ time.Time }

// NewDate returns the calendar date y-m-d.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return Date{t}, nil
}

// String is "YYYY-MM-DD".
func (d Date) String() string { return d.Format(time.DateOnly) }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return Date{d.AddDate(0, 0, n)} }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Days are counted as integers since 1970-01-01 inside the package: cheap to compare and
// to add to, and free of zones.

func mkDay(y, m, d int) int {
	return int(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dayTime(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

func dayYMD(n int) (int, int, int) {
	y, m, d := dayTime(n).Date()
	return y, int(m), d
}

func dayWeekday(n int) time.Weekday { return time.Weekday(((n % 7) + 7 + 4) % 7) }

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validYMD(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// buenosAires is the zone in which a reference instant becomes a calendar day. Argentina
// has kept UTC-3 without daylight saving since 2009, so the fixed zone is the fallback
// when the system has no zone database.
var buenosAires = func() *time.Location {
	if loc, err := time.LoadLocation("America/Argentina/Buenos_Aires"); err == nil {
		return loc
	}
	return time.FixedZone("-03", -3*3600)
}()

// refDay is the calendar day of an instant in Buenos Aires.
func refDay(ref time.Time) int {
	y, m, d := ref.In(buenosAires).Date()
	return mkDay(y, int(m), d)
}
