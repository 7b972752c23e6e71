package store

import (
	"errors"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
)

// Outcomes of a write that callers branch on.
var (
	// ErrOverlap means the database refused an active booking that overlaps another one of
	// the same unit (PostgreSQL 23P01 on reservations_no_overlap, or the SQLite trigger).
	ErrOverlap = errors.New("store: overlapping active booking")
	// ErrConflict means a unique constraint refused a duplicate row.
	ErrConflict = errors.New("store: duplicate row")
	// ErrDeadlock means PostgreSQL aborted the transaction to break a deadlock (40P01);
	// retrying once is safe.
	ErrDeadlock = errors.New("store: deadlock detected")
)

// Classify maps a driver error to ErrOverlap, ErrConflict or ErrDeadlock (wrapping the
// original error), or returns err unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case "23P01":
			return errors.Join(ErrOverlap, err)
		case "23505":
			return errors.Join(ErrConflict, err)
		case "40P01":
			return errors.Join(ErrDeadlock, err)
		}
		return err
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "reservations_no_overlap"):
		return errors.Join(ErrOverlap, err)
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return errors.Join(ErrConflict, err)
	}
	return err
}
