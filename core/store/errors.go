package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

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

// IsUnavailable reports whether err means the database could not be reached or is
// refusing work for now (connection refused, reset or closed; PostgreSQL shutting down or
// out of connections; SQLite busy): the request may succeed when retried, so it is
// answered 503 with Retry-After, not 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		code := pgErr.Field('C')
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == "53300"
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "pgdriver: connection is closed") || strings.Contains(msg, "bad connection")
}
