package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Refusals of a move (besides ErrUnavailable, ErrMinStay, ErrCancelled, ErrExpired,
// ErrNotFound and ErrInvalid).
var (
	// ErrOverCapacity: the reservation's guests do not fit the unit; the error is a
	// *CapacityError.
	ErrOverCapacity = errors.New("booking: more guests than the unit sleeps")
	// ErrMaxStay: the stay is longer than Options.MaxNights; the error is a *MaxStayError.
	ErrMaxStay = errors.New("booking: stay longer than the maximum")
)

// CapacityError says how many the unit sleeps.
type CapacityError struct {
	UnitID   int64
	Unit     string
	Capacity int
	Guests   int
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("%s sleeps at most %d, the reservation is for %d", e.Unit, e.Capacity, e.Guests)
}

// Is makes errors.Is(err, ErrOverCapacity) true.
func (e *CapacityError) Is(target error) bool { return target == ErrOverCapacity }

// MaxStayError says the longest stay accepted.
type MaxStayError struct {
	Max    int
	Nights int
}

func (e *MaxStayError) Error() string {
	return fmt.Sprintf("stays are at most %d nights, asked for %d", e.Max, e.Nights)
}

// Is makes errors.Is(err, ErrMaxStay) true.
func (e *MaxStayError) Is(target error) bool { return target == ErrMaxStay }

// Kinds of a Conflict.
const (
	ConflictBooking  = "booking"  // a confirmed booking
	ConflictHold     = "hold"     // a pre-reservation that has not lapsed
	ConflictBlock    = "block"    // a manual block
	ConflictImported = "imported" // a portal's imported block
)

// Conflict is one thing taking some of the nights asked for. It names the reservation by
// its code, never by its guest: errors end up in logs.
type Conflict struct {
	Kind string
	// Code is the reservation's code (booking, hold).
	Code string
	// Portal is the feed's platform (imported: airbnb, booking...).
	Portal string
	// BlockID is the manual block's id (block).
	BlockID int64
	Stay    Stay
}

// ConflictError is ErrUnavailable naming what takes the nights, so staff see which
// booking or block is in the way.
type ConflictError struct {
	UnitID    int64
	Stay      Stay
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		switch {
		case c.Code != "":
			parts[i] = c.Kind + " " + c.Code + " " + c.Stay.String()
		case c.Portal != "":
			parts[i] = c.Kind + " " + c.Portal + " " + c.Stay.String()
		default:
			parts[i] = c.Kind + " " + c.Stay.String()
		}
	}
	return fmt.Sprintf("unit %d is taken %s by %s", e.UnitID, e.Stay, strings.Join(parts, ", "))
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *ConflictError) Is(target error) bool { return target == ErrUnavailable }

// MoveRequest asks to move a hold or booking to other nights and/or another unit.
type MoveRequest struct {
	// UnitID is the unit after the move (0: the same unit).
	UnitID int64
	Stay   Stay
	// KeepTotal keeps the agreed total and deposit; otherwise the new stay's quote
	// replaces them. The stored quote is the new stay's either way.
	KeepTotal bool
	// By names the staff member ("staff:<user>") or "api".
	By string
}

// maxConflictsShown bounds the conflicts a ConflictError lists.
const maxConflictsShown = 5

// QuoteMove checks a move of reservation code without making it and returns the quote of
// the new stay: the same guards as Move (status, capacity, maximum and minimum stay,
// taken nights other than the reservation's own), read without locks, so Move may still
// be refused.
func (s *Service) QuoteMove(ctx context.Context, code string, unitID int64, stay Stay) (Quote, error) {
	cur, u, err := s.checkMove(ctx, code, &unitID, stay)
	if err != nil {
		return Quote{}, err
	}
	q, err := s.moveQuote(ctx, u, stay, cur.Guests)
	if err != nil {
		return Quote{}, err
	}
	if err := s.conflicts(ctx, s.db.DB, u.ID, stay, cur.ID); err != nil {
		return Quote{}, err
	}
	return q, nil
}

// Move moves reservation code (a pending hold or a confirmed booking) to m.Stay in
// m.UnitID, under the unit's locks and the same overlap guards as a new hold: other
// bookings, holds that have not lapsed, manual and imported blocks. Staff limits apply
// (Options.MaxNights, the minimum stay, the unit's capacity); a hold keeps its expiry.
// The code stays the same. One reservation_moved event records who moved it, from what to
// what and which total was kept. Moving to the same unit and nights changes nothing.
func (s *Service) Move(ctx context.Context, code string, m MoveRequest) (Reservation, error) {
	cur, u, err := s.checkMove(ctx, code, &m.UnitID, m.Stay)
	if err != nil {
		return Reservation{}, err
	}
	if cur.AccommodationID == u.ID && cur.CheckIn == m.Stay.CheckIn && cur.CheckOut == m.Stay.CheckOut {
		return reservationFromModel(cur), nil
	}
	// Priced before the lock (like a hold): the price rules are not what the lock guards.
	q, err := s.moveQuote(ctx, u, m.Stay, cur.Guests)
	if err != nil {
		return Reservation{}, err
	}
	quoteJSON, err := jsonQuote(q)
	if err != nil {
		return Reservation{}, err
	}
	taken := func(ctx context.Context) error { return s.conflicts(ctx, s.db.DB, u.ID, m.Stay, cur.ID) }
	var res Reservation
	var outcome error
	err = s.withUnitLock(ctx, u.ID, taken, func() error {
		return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			outcome = nil
			now := s.now()
			if err := s.lockUnitInTx(ctx, tx, u.ID); err != nil {
				return err
			}
			// A lapsed hold still counts for the no-overlap guard until it is expired.
			if _, err := s.expireLapsed(ctx, tx, &u.ID, now, 0); err != nil {
				return err
			}
			row, err := s.load(ctx, tx, code, true)
			if err != nil {
				return err
			}
			r := reservationFromModel(row)
			switch {
			case r.Status == store.StatusCancelled:
				return fmt.Errorf("move %s: %w", code, ErrCancelled)
			case r.Status == store.StatusExpired:
				return fmt.Errorf("move %s: %w", code, ErrExpired)
			case r.Lapsed(now):
				// Expired here rather than by the job, and committed: staff were told.
				if err := s.markExpired(ctx, tx, row, now); err != nil {
					return err
				}
				outcome = fmt.Errorf("move %s: %w", code, ErrExpired)
				return nil
			}
			if err := s.conflicts(ctx, tx, u.ID, m.Stay, row.ID); err != nil {
				return err
			}
			total, deposit := q.TotalCents, q.DepositCents
			if m.KeepTotal {
				total, deposit = row.TotalCents, row.DepositCents
			}
			if _, err := tx.NewUpdate().Model((*store.Reservation)(nil)).
				Set("accommodation_id = ?", u.ID).Set("check_in = ?", m.Stay.CheckIn).Set("check_out = ?", m.Stay.CheckOut).
				Set("total_cents = ?", total).Set("deposit_cents = ?", deposit).Set("quote = ?", string(quoteJSON)).
				Set("updated_at = ?", now).Where("id = ?", row.ID).Exec(ctx); err != nil {
				return fmt.Errorf("move %s: %w", code, err)
			}
			price := "quote"
			if m.KeepTotal {
				price = "kept"
			}
			if err := writeEvent(ctx, tx, code, EventReservationMoved, now, map[string]any{
				"from": map[string]any{"accommodation_id": row.AccommodationID, "check_in": row.CheckIn.String(), "check_out": row.CheckOut.String()},
				"to":   map[string]any{"accommodation_id": u.ID, "check_in": m.Stay.CheckIn.String(), "check_out": m.Stay.CheckOut.String()},
				"by":   m.By, "price": price, "status": row.Status,
				"total_cents": total, "previous_total_cents": row.TotalCents, "quote_total_cents": q.TotalCents,
				"deposit_cents": deposit, "paid_cents": row.PaidCents,
			}); err != nil {
				return err
			}
			row.AccommodationID, row.CheckIn, row.CheckOut = u.ID, m.Stay.CheckIn, m.Stay.CheckOut
			row.TotalCents, row.DepositCents, row.UpdatedAt, row.Quote = total, deposit, now, nil
			res = reservationFromModel(row)
			res.Quote = q
			return nil
		})
	})
	if err != nil {
		if errors.Is(err, ErrUnavailable) && !isConflictError(err) {
			// The database's own guard refused it (a writer slipped past the checks):
			// name what is there now.
			if cerr := s.conflicts(ctx, s.db.DB, u.ID, m.Stay, cur.ID); cerr != nil {
				return Reservation{}, cerr
			}
		}
		return Reservation{}, err
	}
	if outcome != nil {
		return Reservation{}, outcome
	}
	return res, nil
}

func isConflictError(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce)
}

// checkMove loads reservation code and the target unit (*unitID; 0 means the
// reservation's, and is set to it) and applies the guards that need no lock.
func (s *Service) checkMove(ctx context.Context, code string, unitID *int64, stay Stay) (store.Reservation, Unit, error) {
	cur, err := s.load(ctx, s.db.DB, code, false)
	if err != nil {
		return cur, Unit{}, err
	}
	switch r := reservationFromModel(cur); {
	case r.Status == store.StatusCancelled:
		return cur, Unit{}, fmt.Errorf("move %s: %w", code, ErrCancelled)
	case r.Status == store.StatusExpired, r.Lapsed(s.now()):
		return cur, Unit{}, fmt.Errorf("move %s: %w", code, ErrExpired)
	}
	if *unitID == 0 {
		*unitID = cur.AccommodationID
	}
	u, err := s.unit(ctx, s.db.DB, *unitID)
	if errors.Is(err, ErrNotFound) {
		return cur, Unit{}, &ValidationError{Fields: map[string]string{"accommodation_id": fmt.Sprintf("unknown unit %d", *unitID)}}
	}
	if err != nil {
		return cur, Unit{}, err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return cur, Unit{}, err
	}
	today := s.today(cat.props[u.PropertyID].Timezone)
	if stay.CheckIn == cur.CheckIn && cur.CheckIn.Before(today) {
		// A guest already in the house may stay longer or leave earlier: the check-in
		// that passed is not a new one.
		today = cur.CheckIn
	}
	fe := fieldErrors{}
	// The length is checked below with its own error; here only the shape and the dates.
	stay.validate(today, maxQuoteNights, s.opts.MaxAdvanceDays, fe)
	if err := fe.err(); err != nil {
		return cur, Unit{}, err
	}
	if n := stay.Nights(); n > s.opts.MaxNights {
		return cur, Unit{}, &MaxStayError{Max: s.opts.MaxNights, Nights: n}
	}
	if cur.Guests > u.Capacity {
		return cur, Unit{}, &CapacityError{UnitID: u.ID, Unit: u.Name, Capacity: u.Capacity, Guests: cur.Guests}
	}
	return cur, u, nil
}

// moveQuote prices the new stay with the unit's calendar overrides; a stay under the
// minimum is a *MinStayError.
func (s *Service) moveQuote(ctx context.Context, u Unit, stay Stay, guests int) (Quote, error) {
	sn, err := s.loadSnapshot(ctx, s.db.DB, []Unit{u}, stay, 0)
	if err != nil {
		return Quote{}, err
	}
	return sn.quote(u, stay, guests)
}

type conflictRow struct {
	Kind   string     `bun:"kind"`
	Code   string     `bun:"code"`
	Status string     `bun:"status"`
	Portal string     `bun:"portal"`
	ID     int64      `bun:"id"`
	Start  store.Date `bun:"s"`
	End    store.Date `bun:"e"`
}

// conflicts returns a *ConflictError naming what takes some night of stay in the unit,
// other than reservation exceptID, or nil when every night is free: holds that have not
// lapsed, confirmed bookings, manual blocks and imported blocks of every portal (pending
// removal included, as loadBusy counts them).
func (s *Service) conflicts(ctx context.Context, db bun.IDB, unitID int64, stay Stay, exceptID int64) error {
	var rows []conflictRow
	err := db.NewRaw(`SELECT * FROM (
SELECT 'reservation' AS kind, code, status, '' AS portal, id, check_in AS s, check_out AS e FROM reservations
 WHERE accommodation_id = ? AND id <> ? AND check_in < ? AND check_out > ?
   AND (status = 'confirmed' OR (status = 'pre_reserved' AND expires_at > ?))
UNION ALL
SELECT 'block', '', '', '', id, start_date, end_date FROM availability_calendar
 WHERE accommodation_id = ? AND kind = 'block' AND start_date < ? AND end_date > ?
UNION ALL
SELECT 'imported', '', '', f.platform, b.id, b.start_date, b.end_date FROM imported_blocks b JOIN calendar_feeds f ON f.id = b.feed_id
 WHERE b.accommodation_id = ? AND b.start_date < ? AND b.end_date > ?
) AS taken ORDER BY s, kind LIMIT ?`,
		unitID, exceptID, stay.CheckOut, stay.CheckIn, s.now(),
		unitID, stay.CheckOut, stay.CheckIn,
		unitID, stay.CheckOut, stay.CheckIn, maxConflictsShown).Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("check taken nights of unit %d: %w", unitID, err)
	}
	if len(rows) == 0 {
		return nil
	}
	ce := &ConflictError{UnitID: unitID, Stay: stay}
	for _, r := range rows {
		c := Conflict{Stay: Stay{CheckIn: r.Start, CheckOut: r.End}}
		switch r.Kind {
		case "reservation":
			c.Kind, c.Code = ConflictBooking, r.Code
			if r.Status == store.StatusPreReserved {
				c.Kind = ConflictHold
			}
		case "block":
			c.Kind, c.BlockID = ConflictBlock, r.ID
		default:
			c.Kind, c.Portal = ConflictImported, r.Portal
		}
		ce.Conflicts = append(ce.Conflicts, c)
	}
	return ce
}

func jsonQuote(q Quote) ([]byte, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode quote: %w", err)
	}
	return b, nil
}
