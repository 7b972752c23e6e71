package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// DateLayout is how calendar dates are written everywhere: in SQL, JSON and URLs.
const DateLayout = "2006-01-02"

// Date is a calendar date (a stay's check-in, a holiday), with no time of day and no zone.
// It is stored as TEXT 'YYYY-MM-DD' on SQLite and as DATE on PostgreSQL, so comparisons in
// SQL (and the no-overlap triggers) work on both.
type Date struct {
	// t is midnight UTC of the date.
	t time.Time
}

// NewDate returns the date of year, month and day; out-of-range values normalize like
// time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return Date{t: time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// ParseDate parses YYYY-MM-DD and rejects impossible dates such as 2027-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return Date{t: t}, nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// In returns the start of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	y, m, day := d.t.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

// Sub returns the number of days from u to d.
func (d Date) Sub(u Date) int { return int(d.t.Sub(u.t).Hours() / 24) }

// Before reports whether d is before u.
func (d Date) Before(u Date) bool { return d.t.Before(u.t) }

// After reports whether d is after u.
func (d Date) After(u Date) bool { return d.t.After(u.t) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// String formats the date as YYYY-MM-DD ("" for the zero date).
func (d Date) String() string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// Value implements driver.Valuer.
func (d Date) Value() (driver.Value, error) {
	if d.t.IsZero() {
		return nil, nil
	}
	return d.t.Format(DateLayout), nil
}

// Scan implements sql.Scanner for TEXT (SQLite) and DATE (PostgreSQL) columns.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = NewDate(v.Year(), v.Month(), v.Day())
		return nil
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	default:
		return fmt.Errorf("scan date: unsupported type %T", src)
	}
}

func (d *Date) scanString(s string) error {
	if len(s) > len(DateLayout) {
		s = s[:len(DateLayout)]
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*d = parsed
	return nil
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
