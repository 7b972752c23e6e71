package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Guest is who a hold is for. It is stored on the reservation only: never in events,
// logs or exported calendars.
type Guest struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// HoldRequest asks to hold a unit for a stay.
type HoldRequest struct {
	UnitID int64
	Stay   Stay
	Guests int
	Guest  Guest
	// Source says who asked: "bot", "api", "admin" (default "bot").
	Source         string
	ConversationID *int64
}

// Reservation is a hold or a booking.
type Reservation struct {
	ID             int64      `json:"id"`
	Code           string     `json:"code"`
	UnitID         int64      `json:"accommodation_id"`
	Stay           Stay       `json:"stay"`
	Guests         int        `json:"guests"`
	Guest          Guest      `json:"guest"`
	Status         string     `json:"status"`
	TotalCents     int64      `json:"total_cents"`
	DepositCents   int64      `json:"deposit_cents"`
	PaidCents      int64      `json:"paid_cents"`
	Quote          Quote      `json:"quote"`
	Source         string     `json:"source"`
	ConversationID *int64     `json:"conversation_id,omitempty"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	ExtendedAt     *time.Time `json:"extended_at,omitempty"`
	ConfirmedAt    *time.Time `json:"confirmed_at,omitempty"`
	CancelledAt    *time.Time `json:"cancelled_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

func reservationFromModel(m store.Reservation) Reservation {
	r := Reservation{
		ID: m.ID, Code: m.Code, UnitID: m.AccommodationID, Stay: Stay{CheckIn: m.CheckIn, CheckOut: m.CheckOut},
		Guests: m.Guests, Guest: Guest{Name: m.GuestName, Phone: m.GuestPhone, Email: m.GuestEmail},
		Status: m.Status, TotalCents: m.TotalCents, DepositCents: m.DepositCents, PaidCents: m.PaidCents,
		Source: m.Source, ConversationID: m.ConversationID,
		ExpiresAt: utcPtr(m.ExpiresAt), ExtendedAt: utcPtr(m.ExtendedAt), ConfirmedAt: utcPtr(m.ConfirmedAt),
		CancelledAt: utcPtr(m.CancelledAt), CreatedAt: m.CreatedAt.UTC(),
	}
	if len(m.Quote) > 0 {
		_ = json.Unmarshal(m.Quote, &r.Quote) // the quote is informative; a bad one must not hide the booking
	}
	return r
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Lapsed reports whether a hold's time is up at now (its row may not say expired yet).
func (r Reservation) Lapsed(now time.Time) bool {
	return r.Status == store.StatusPreReserved && r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)
}

// unitLockKey names the Locker key that serializes writers of one unit.
func unitLockKey(unitID int64) string { return "booking:unit:" + strconv.FormatInt(unitID, 10) }

// pgUnitLockKey is the pg_advisory_xact_lock key of a unit: a namespace in the high bits
// keeps it apart from other advisory locks (migrations use a small constant).
func pgUnitLockKey(unitID int64) int64 { return 0x7253<<48 | (unitID & (1<<48 - 1)) }

// Hold pre-reserves a unit for HoldTTL. On success the reservation is pre_reserved with
// a fresh code; when any night is taken the error is an *UnavailableError with
// alternatives; invalid input is a *ValidationError; a stay under the minimum a *MinStayError.
func (s *Service) Hold(ctx context.Context, req HoldRequest) (Reservation, error) {
	// Units come from the catalog (cached for CatalogTTL): a unit deactivated seconds ago
	// may still take a hold, which staff can cancel; the database refuses unknown units.
	cat, err := s.catalog(ctx)
	if err != nil {
		return Reservation{}, err
	}
	u, ok := cat.unit(req.UnitID)
	if !ok {
		// A unit added since the catalog was read is only a query away.
		u, err = s.Unit(ctx, req.UnitID)
		if errors.Is(err, ErrNotFound) {
			return Reservation{}, &ValidationError{Fields: map[string]string{"accommodation_id": fmt.Sprintf("unknown unit %d", req.UnitID)}}
		}
		if err != nil {
			return Reservation{}, err
		}
		s.InvalidateCatalog()
		if cat, err = s.catalog(ctx); err != nil {
			return Reservation{}, err
		}
	}
	fe := fieldErrors{}
	req.Stay.validate(s.today(cat.props[u.PropertyID].Timezone), s.opts.MaxNights, fe)
	if req.Guests < 1 {
		fe.add("guests", "must be at least 1")
	} else if req.Guests > u.Capacity {
		fe.add("guests", fmt.Sprintf("%s sleeps at most %d", u.Name, u.Capacity))
	}
	validateGuest(req.Guest, fe)
	if err := fe.err(); err != nil {
		return Reservation{}, err
	}
	sn, err := s.loadSnapshot(ctx, s.db.DB, []Unit{u}, req.Stay, 0)
	if err != nil {
		return Reservation{}, err
	}
	q, err := sn.quote(u, req.Stay, req.Guests)
	if err != nil {
		return Reservation{}, err
	}
	if req.Source == "" {
		req.Source = "bot"
	}
	// Fast path: a stay already taken is refused without queueing for the unit's lock.
	if !sn.free(u.ID, req.Stay) {
		return Reservation{}, s.unavailable(ctx, u, req.Stay, req.Guests)
	}

	var res Reservation
	taken := func(ctx context.Context) error {
		busy, err := s.loadBusy(ctx, s.db.DB, []int64{u.ID}, req.Stay)
		if err != nil {
			return err
		}
		if overlapsAny(busy[u.ID], req.Stay) {
			return ErrUnavailable
		}
		return nil
	}
	err = s.withUnitLock(ctx, u.ID, taken, func() error {
		if s.db.Dialect() == store.SQLite {
			// Under the lock no other hold of this unit can appear, so a plain read settles
			// the losing case without taking SQLite's one write lock.
			if err := taken(ctx); err != nil {
				return err
			}
		}
		quoteJSON, err := json.Marshal(q)
		if err != nil {
			return fmt.Errorf("encode quote: %w", err)
		}
		return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			now := s.now()
			if err := s.lockUnitInTx(ctx, tx, u.ID); err != nil {
				return err
			}
			// A lapsed hold still counts for the no-overlap constraint until it is expired.
			if _, err := s.expireLapsed(ctx, tx, &u.ID, now, 0); err != nil {
				return err
			}
			// Overlapping holds and bookings are refused by the constraint itself; blocks
			// are not in it, so they are checked here, under the unit's locks.
			if blocked, err := s.blocked(ctx, tx, u.ID, req.Stay); err != nil {
				return err
			} else if blocked {
				return ErrUnavailable
			}
			expires := now.Add(s.opts.HoldTTL)
			m := store.Reservation{
				AccommodationID: u.ID, CheckIn: req.Stay.CheckIn, CheckOut: req.Stay.CheckOut,
				Guests: req.Guests, GuestName: req.Guest.Name, GuestPhone: req.Guest.Phone, GuestEmail: req.Guest.Email,
				Status: store.StatusPreReserved, TotalCents: q.TotalCents, DepositCents: q.DepositCents,
				Currency: "ARS", Quote: quoteJSON, Source: req.Source, ConversationID: req.ConversationID,
				ExpiresAt: &expires, CreatedAt: now, UpdatedAt: now,
			}
			payload := map[string]any{
				"accommodation_id": u.ID, "check_in": req.Stay.CheckIn.String(), "check_out": req.Stay.CheckOut.String(),
				"guests": req.Guests, "total_cents": q.TotalCents, "deposit_cents": q.DepositCents,
				"expires_at": expires.Format(time.RFC3339), "source": req.Source,
			}
			if err := s.insertHold(ctx, tx, &m, payload); err != nil {
				return err
			}
			res = reservationFromModel(m)
			return nil
		})
	})
	if errors.Is(err, ErrUnavailable) {
		return Reservation{}, s.unavailable(ctx, u, req.Stay, req.Guests)
	}
	if err != nil {
		return Reservation{}, err
	}
	return res, nil
}

func validateGuest(g Guest, fe fieldErrors) {
	if len(g.Name) > 200 {
		fe.add("guest.name", "at most 200 characters")
	}
	if len(g.Phone) > 40 {
		fe.add("guest.phone", "at most 40 characters")
	}
	if len(g.Email) > 254 {
		fe.add("guest.email", "at most 254 characters")
	} else if g.Email != "" && !strings.Contains(g.Email, "@") {
		fe.add("guest.email", "is not an email address")
	}
}

// unavailable builds the *UnavailableError for a stay of unit u, with alternatives:
// other units fitting the group for the same dates and nearby stays of the same length.
func (s *Service) unavailable(ctx context.Context, u Unit, stay Stay, guests int) error {
	ue := &UnavailableError{UnitID: u.ID, Stay: stay}
	cat, err := s.catalog(ctx)
	if err != nil {
		s.log.Warn("alternatives: list units", "err", err)
		return ue
	}
	all := cat.units
	var others []Unit
	for _, o := range all {
		if o.ID != u.ID && o.Capacity >= guests {
			others = append(others, o)
		}
	}
	sn, err := s.loadSnapshot(ctx, s.db.DB, append(others, u), stay, AlternativeWindow)
	if err != nil {
		s.log.Warn("alternatives: load calendar", "err", err)
		return ue
	}
	ue.Alternatives, err = sn.alternatives(others, []Unit{u}, stay, guests, s.today(cat.props[u.PropertyID].Timezone))
	if err != nil {
		s.log.Warn("alternatives: price", "err", err)
	}
	return ue
}

// withUnitLock runs fn holding the unit's Locker lease, waiting up to LockWait for it.
// While queued it calls check (when not nil), whose error ends the wait.
func (s *Service) withUnitLock(ctx context.Context, unitID int64, check func(context.Context) error, fn func() error) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.LockWait)
	lease, err := lock.WaitCheck(wctx, s.opts.Locker, unitLockKey(unitID), s.opts.LockTTL, check)
	cancel()
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	if err != nil {
		return fmt.Errorf("lock unit %d: %w", unitID, err)
	}
	defer func() {
		// Release even when ctx was cancelled: the lease must not outlive the write.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := s.opts.Locker.Release(rctx, lease); err != nil {
			s.log.Warn("release unit lock", "unit", unitID, "err", err)
		}
	}()
	return fn()
}

// lockUnitInTx takes PostgreSQL's transaction-scoped advisory lock of the unit: concurrent
// inserts into the exclusion constraint otherwise deadlock (40P01) and can stall.
func (s *Service) lockUnitInTx(ctx context.Context, tx bun.Tx, unitID int64) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", pgUnitLockKey(unitID)); err != nil {
		return fmt.Errorf("advisory lock unit %d: %w", unitID, err)
	}
	return nil
}

// inTx runs fn in a transaction, mapping an overlap refused by the database to
// ErrUnavailable and retrying once when PostgreSQL picked it as a deadlock victim.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = store.Classify(s.db.RunInTx(ctx, nil, fn))
		if !errors.Is(err, store.ErrDeadlock) {
			break
		}
		s.log.Warn("transaction deadlocked, retrying", "attempt", attempt+1)
	}
	if errors.Is(err, store.ErrOverlap) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}

// blocked reports whether a manual block or an imported block (of any portal) takes a
// night of stay in the unit.
func (s *Service) blocked(ctx context.Context, db bun.IDB, unitID int64, stay Stay) (bool, error) {
	var hits []int
	err := db.NewRaw(`SELECT 1 FROM availability_calendar
 WHERE accommodation_id = ? AND kind = 'block' AND start_date < ? AND end_date > ?
UNION ALL
SELECT 1 FROM imported_blocks WHERE accommodation_id = ? AND start_date < ? AND end_date > ?
LIMIT 1`, unitID, stay.CheckOut, stay.CheckIn, unitID, stay.CheckOut, stay.CheckIn).Scan(ctx, &hits)
	if err != nil && !isNoRows(err) {
		return false, fmt.Errorf("check blocks of unit %d: %w", unitID, err)
	}
	return len(hits) > 0, nil
}

// insertHold allocates m's code (RES + check-in yymmdd + the day's 3-digit sequence) and
// inserts the hold and its hold_created event, as the last writes of the transaction so
// the day's counter row stays locked only until the commit that follows. On PostgreSQL
// the three writes are one statement (one round trip).
func (s *Service) insertHold(ctx context.Context, tx bun.Tx, m *store.Reservation, payload map[string]any) error {
	day := m.CheckIn.Time().Format("060102")
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode hold_created event: %w", err)
	}
	if s.db.Dialect() == store.Postgres {
		var row struct {
			ID   int64  `bun:"id"`
			Code string `bun:"code"`
		}
		err := tx.NewRaw(`WITH seq AS (
  INSERT INTO reservation_sequences (day, last_seq) VALUES (?, 1)
  ON CONFLICT (day) DO UPDATE SET last_seq = reservation_sequences.last_seq + 1
  RETURNING last_seq
), r AS (
  INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, guest_name, guest_phone, guest_email,
    status, total_cents, deposit_cents, paid_cents, currency, quote, source, conversation_id, expires_at, created_at, updated_at)
  SELECT 'RES' || ? || lpad(seq.last_seq::text, 3, '0'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ? FROM seq
  RETURNING id, code
), ev AS (
  INSERT INTO domain_events (aggregate_type, aggregate_id, type, payload, request_id, occurred_at)
  SELECT ?, r.code, ?, ?, ?, ? FROM r
)
SELECT id, code FROM r`,
			day, day, m.AccommodationID, m.CheckIn, m.CheckOut, m.Guests, m.GuestName, m.GuestPhone, m.GuestEmail,
			m.Status, m.TotalCents, m.DepositCents, m.Currency, string(m.Quote), m.Source, m.ConversationID, m.ExpiresAt, m.CreatedAt, m.UpdatedAt,
			AggregateReservation, EventHoldCreated, string(body), obs.RequestID(ctx), m.CreatedAt).Scan(ctx, &row)
		if err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "check constraint") && strings.Contains(err.Error(), "reservation_sequences") {
				return fmt.Errorf("check-in %s: %w", m.CheckIn, ErrSequenceExhausted)
			}
			return fmt.Errorf("insert hold: %w", err)
		}
		m.ID, m.Code = row.ID, row.Code
		return nil
	}
	code, err := nextCode(ctx, tx, m.CheckIn)
	if err != nil {
		return err
	}
	m.Code = code
	if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("insert hold: %w", err)
	}
	return writeEvent(ctx, tx, code, EventHoldCreated, m.CreatedAt, payload)
}

// nextCode allocates the reservation code for a check-in day in tx: RES + yymmdd + the
// day's 3-digit sequence. A rolled-back hold gives its number back.
func nextCode(ctx context.Context, tx bun.Tx, checkIn store.Date) (string, error) {
	day := checkIn.Time().Format("060102")
	var seq int
	err := tx.NewRaw(`INSERT INTO reservation_sequences (day, last_seq) VALUES (?, 1)
ON CONFLICT (day) DO UPDATE SET last_seq = reservation_sequences.last_seq + 1
RETURNING last_seq`, day).Scan(ctx, &seq)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "check constraint") {
			return "", fmt.Errorf("check-in %s: %w", checkIn, ErrSequenceExhausted)
		}
		return "", fmt.Errorf("allocate reservation code: %w", err)
	}
	return fmt.Sprintf("RES%s%03d", day, seq), nil
}

// Get returns the reservation with code, or ErrNotFound.
func (s *Service) Get(ctx context.Context, code string) (Reservation, error) {
	m, err := s.load(ctx, s.db.DB, code, false)
	if err != nil {
		return Reservation{}, err
	}
	return reservationFromModel(m), nil
}

func (s *Service) load(ctx context.Context, db bun.IDB, code string, forUpdate bool) (store.Reservation, error) {
	var m store.Reservation
	q := db.NewSelect().Model(&m).Where("code = ?", code).Limit(1)
	if forUpdate && s.db.Dialect() == store.Postgres {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if isNoRows(err) {
		return m, fmt.Errorf("reservation %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("load reservation %s: %w", code, err)
	}
	return m, nil
}

// Extend gives a pending hold ExtendBy more minutes, once. A second call fails with
// ErrAlreadyExtended, a lapsed hold with ErrExpired, a booking that is not a hold with
// ErrNotHold.
func (s *Service) Extend(ctx context.Context, code string) (Reservation, error) {
	var res Reservation
	var outcome error
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		outcome = nil
		now := s.now()
		m, err := s.load(ctx, tx, code, true)
		if err != nil {
			return err
		}
		r := reservationFromModel(m)
		switch {
		case r.Status == store.StatusExpired:
			outcome = ErrExpired
			return nil
		case r.Lapsed(now):
			// Record the expiry now rather than leaving it to the job: the guest was told.
			if err := s.markExpired(ctx, tx, m, now); err != nil {
				return err
			}
			outcome = ErrExpired
			return nil
		case r.Status != store.StatusPreReserved:
			outcome = fmt.Errorf("%s is %s: %w", code, r.Status, ErrNotHold)
			return nil
		case r.ExtendedAt != nil:
			outcome = ErrAlreadyExtended
			res = r
			return nil
		}
		expires := r.ExpiresAt.Add(s.opts.ExtendBy)
		if _, err := tx.NewUpdate().Model((*store.Reservation)(nil)).
			Set("expires_at = ?", expires).Set("extended_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", m.ID).Exec(ctx); err != nil {
			return fmt.Errorf("extend %s: %w", code, err)
		}
		if err := writeEvent(ctx, tx, code, EventHoldExtended, now, map[string]any{
			"expires_at": expires.Format(time.RFC3339), "previous_expires_at": r.ExpiresAt.Format(time.RFC3339),
		}); err != nil {
			return err
		}
		r.ExpiresAt, r.ExtendedAt = &expires, &now
		res = r
		return nil
	})
	if err != nil {
		return Reservation{}, err
	}
	if outcome != nil {
		return res, outcome
	}
	return res, nil
}

// ConfirmInput says how a reservation got paid.
type ConfirmInput struct {
	// PaidCents is what was received; 0 leaves the recorded amount as is.
	PaidCents int64
	// By names who confirmed: "api", "staff:<user>", a payment provider.
	By string
}

// Confirm turns a hold into a booking (payment received). Confirming a confirmed booking
// returns it unchanged. A hold that already lapsed is confirmed only when its nights are
// still free; otherwise the error is an *UnavailableError so staff can move the guest.
func (s *Service) Confirm(ctx context.Context, code string, in ConfirmInput) (Reservation, error) {
	m, err := s.load(ctx, s.db.DB, code, false)
	if err != nil {
		return Reservation{}, err
	}
	switch m.Status {
	case store.StatusConfirmed:
		return reservationFromModel(m), nil
	case store.StatusCancelled:
		return Reservation{}, fmt.Errorf("confirm %s: %w", code, ErrCancelled)
	}
	var res Reservation
	err = s.withUnitLock(ctx, m.AccommodationID, nil, func() error {
		return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			now := s.now()
			if err := s.lockUnitInTx(ctx, tx, m.AccommodationID); err != nil {
				return err
			}
			if _, err := s.expireLapsed(ctx, tx, &m.AccommodationID, now, 0); err != nil {
				return err
			}
			cur, err := s.load(ctx, tx, code, true)
			if err != nil {
				return err
			}
			late := false
			switch cur.Status {
			case store.StatusConfirmed:
				res = reservationFromModel(cur)
				return nil
			case store.StatusCancelled:
				return fmt.Errorf("confirm %s: %w", code, ErrCancelled)
			case store.StatusExpired:
				late = true
				stay := Stay{CheckIn: cur.CheckIn, CheckOut: cur.CheckOut}
				busy, err := s.loadBusy(ctx, tx, []int64{cur.AccommodationID}, stay)
				if err != nil {
					return err
				}
				if overlapsAny(busy[cur.AccommodationID], stay) {
					return ErrUnavailable
				}
			}
			paid := cur.PaidCents
			if in.PaidCents > 0 {
				paid = in.PaidCents
			}
			if _, err := tx.NewUpdate().Model((*store.Reservation)(nil)).
				Set("status = ?", store.StatusConfirmed).Set("confirmed_at = ?", now).
				Set("paid_cents = ?", paid).Set("updated_at = ?", now).
				Where("id = ?", cur.ID).Exec(ctx); err != nil {
				return fmt.Errorf("confirm %s: %w", code, err)
			}
			if err := writeEvent(ctx, tx, code, EventReservationConfirmed, now, map[string]any{
				"from": cur.Status, "late": late, "paid_cents": paid, "by": in.By,
			}); err != nil {
				return err
			}
			cur.Status, cur.ConfirmedAt, cur.PaidCents, cur.UpdatedAt = store.StatusConfirmed, &now, paid, now
			res = reservationFromModel(cur)
			return nil
		})
	})
	if errors.Is(err, ErrUnavailable) {
		u, uerr := s.unit(ctx, s.db.DB, m.AccommodationID)
		if uerr != nil {
			return Reservation{}, err
		}
		return Reservation{}, s.unavailable(ctx, u, Stay{CheckIn: m.CheckIn, CheckOut: m.CheckOut}, m.Guests)
	}
	if err != nil {
		return Reservation{}, err
	}
	return res, nil
}

// Cancel cancels a hold or a booking; cancelling a cancelled reservation returns it
// unchanged. reason is recorded in the event (free text from staff or the guest's words
// summarized by the bot; keep personal data out of it).
func (s *Service) Cancel(ctx context.Context, code, reason string) (Reservation, error) {
	var res Reservation
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		m, err := s.load(ctx, tx, code, true)
		if err != nil {
			return err
		}
		if m.Status == store.StatusCancelled {
			res = reservationFromModel(m)
			return nil
		}
		if _, err := tx.NewUpdate().Model((*store.Reservation)(nil)).
			Set("status = ?", store.StatusCancelled).Set("cancelled_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", m.ID).Exec(ctx); err != nil {
			return fmt.Errorf("cancel %s: %w", code, err)
		}
		if err := writeEvent(ctx, tx, code, EventReservationCancelled, now, map[string]any{
			"from": m.Status, "reason": reason,
		}); err != nil {
			return err
		}
		m.Status, m.CancelledAt, m.UpdatedAt = store.StatusCancelled, &now, now
		res = reservationFromModel(m)
		return nil
	})
	if err != nil {
		return Reservation{}, err
	}
	return res, nil
}

// ExpireLapsed marks every hold whose time is up as expired, recording an event for
// each, and returns how many it expired. The hold-expiry job calls it every 30 seconds.
func (s *Service) ExpireLapsed(ctx context.Context) (int, error) {
	total := 0
	const batch = 500
	for {
		var n int
		err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			n, err = s.expireLapsed(ctx, tx, nil, s.now(), batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

type expiredRow struct {
	ID     int64  `bun:"id"`
	Code   string `bun:"code"`
	UnitID int64  `bun:"accommodation_id"`
}

// expireLapsed expires lapsed holds (of one unit when unitID is set; at most limit when
// limit > 0) in tx and records their events.
func (s *Service) expireLapsed(ctx context.Context, tx bun.Tx, unitID *int64, now time.Time, limit int) (int, error) {
	sub := tx.NewSelect().Table("reservations").Column("id").
		Where("status = ? AND expires_at <= ?", store.StatusPreReserved, now)
	if unitID != nil {
		sub = sub.Where("accommodation_id = ?", *unitID)
	}
	if limit > 0 {
		sub = sub.Order("expires_at").Limit(limit)
	}
	var rows []expiredRow
	err := tx.NewUpdate().Table("reservations").
		Set("status = ?", store.StatusExpired).Set("updated_at = ?", now).
		Where("id IN (?)", sub).
		Returning("id, code, accommodation_id").
		Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return 0, fmt.Errorf("expire lapsed holds: %w", err)
	}
	for _, r := range rows {
		if err := writeEvent(ctx, tx, r.Code, EventHoldExpired, now, map[string]any{"accommodation_id": r.UnitID}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

func (s *Service) markExpired(ctx context.Context, tx bun.Tx, m store.Reservation, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*store.Reservation)(nil)).
		Set("status = ?", store.StatusExpired).Set("updated_at = ?", now).
		Where("id = ? AND status = ?", m.ID, store.StatusPreReserved).Exec(ctx); err != nil {
		return fmt.Errorf("expire %s: %w", m.Code, err)
	}
	return writeEvent(ctx, tx, m.Code, EventHoldExpired, now, map[string]any{"accommodation_id": m.AccommodationID})
}
