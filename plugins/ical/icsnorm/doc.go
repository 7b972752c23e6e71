// Package icsnorm turns the bytes of an iCalendar feed into the nights it blocks.
//
// It owns the import rules R1–R18 of docs/ical-import.md and the platform profiles
// (airbnb, booking, vrbo, google, generic): a pure function from bytes and Options to
// Blocks and Warnings, or a rejection (ErrNotICalendar, ErrTruncated, ErrTooLarge) that
// tells the caller to keep its previous import. It does no I/O: fetching belongs to the
// plugin, storing and the mass-removal hold (R12) to core/calendar.
//
// The content-line reader is its own (BOM, unfolding on bytes before UTF-8 decoding,
// LF-only files, blank lines, quoted parameters holding ':' ';' ',', case-insensitive
// names) and yields github.com/emersion/go-ical components; recurrence rules are
// expanded with github.com/teambition/rrule-go under fixed budgets so that any input
// finishes in bounded time.
package icsnorm
