// Package store owns the database: it opens bun on SQLite (the single-machine default) or
// PostgreSQL (production) from a URL, applies the embedded migrations, and declares the
// models of every table. The no-overlap guarantee for bookings lives in the schema itself
// (an exclusion constraint on PostgreSQL, triggers on SQLite); this package maps its
// violation to ErrOverlap so callers never parse driver errors.
package store
