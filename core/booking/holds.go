package booking

import (
	"context"
	"database/sql"
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
	// Guests sleep in this unit.
	Guests int
	// PartySize is the whole party when it is split over several units (0: Guests). A
	// conversation's live holds stop when their units sleep the party.
	PartySize int
	Guest     Guest
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
	// Notes are staff's notes (manual bookings).
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func reservationFromModel(m store.Reservation) Reservation {
	r := Reservation{
		ID: m.ID, Code: m.Code, UnitID: m.AccommodationID, Stay: Stay{CheckIn: m.CheckIn, CheckOut: m.CheckOut},
		Guests: m.Guests, Guest: Guest{Name: m.GuestName, Phone: m.GuestPhone, Email: m.GuestEmail},
		Status: m.Status, TotalCents: m.TotalCents, DepositCents: m.DepositCents, PaidCents: m.PaidCents,
		Source: m.Source, ConversationID: m.ConversationID,
		ExpiresAt: utcPtr(m.ExpiresAt), ExtendedAt: utcPtr(m.ExtendedAt), ConfirmedAt: utcPtr(m.ConfirmedAt),
		CancelledAt: utcPtr(m.CancelledAt), Notes: m.Notes, CreatedAt: m.CreatedAt.UTC(),
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
	req.Stay.validate(s.today(cat.props[u.PropertyID].Timezone), s.opts.MaxNights, s.opts.MaxAdvanceDays, fe)
	if req.Guests < 1 {
		fe.add("guests", "must be at least 1")
	} else if req.Guests > u.Capacity {
		fe.add("guests", fmt.Sprintf("%s sleeps at most %d", u.Name, u.Capacity))
	}
	validateGuest(req.Guest, fe)
	if err := fe.err(); err != nil {
		return Reservation{}, err
	}
	if req.Source == "" {
		req.Source = "bot"
	}
	if req.Source == "bot" {
		return s.limitedHold(ctx, req, func() (Reservation, error) { return s.hold(ctx, cat, u, req) })
	}
	return s.hold(ctx, cat, u, req)
}

// hold writes a validated hold.
func (s *Service) hold(ctx context.Context, cat *catalog, u Unit, req HoldRequest) (Reservation, error) {
	// On PostgreSQL a hold usually takes one round trip: priced from the cached catalog as
	// if the unit had no price or minimum-stay override on those nights, and written by
	// booking_hold, which checks that assumption under the unit's locks. When the unit has
	// overrides there, or that price is refused (the error must say what the calendar
	// requires), the hold takes the long way below, which reads the calendar first.
	if s.db.Dialect() == store.Postgres {
		if q, err := s.catalogQuote(ctx, cat, u, req.Stay, req.Guests); err == nil {
			res, err := s.lockAndWrite(ctx, u, req, q, true)
			if !errors.Is(err, errReprice) {
				return s.holdResult(ctx, u, req, res, err)
			}
		}
	}
	sn, err := s.loadSnapshot(ctx, s.db.DB, []Unit{u}, req.Stay, 0)
	if err != nil {
		return Reservation{}, err
	}
	q, err := sn.quote(u, req.Stay, req.Guests)
	if err != nil {
		return Reservation{}, err
	}
	// Fast path: a stay already taken is refused without queueing for the unit's lock.
	if !sn.free(u.ID, req.Stay) {
		return Reservation{}, s.unavailable(ctx, u, req.Stay, req.Guests)
	}
	res, err := s.lockAndWrite(ctx, u, req, q, false)
	return s.holdResult(ctx, u, req, res, err)
}

// errReprice means the hold was priced without the unit's calendar overrides and the unit
// has some on those nights: nothing was written, the stay must be priced again.
var errReprice = errors.New("booking: the unit has price or minimum-stay overrides on those nights")

// catalogQuote prices a stay from the cached catalog and holiday calendar alone, as if the
// unit had no calendar override on those nights (what sn.quote does with none).
func (s *Service) catalogQuote(ctx context.Context, cat *catalog, u Unit, stay Stay, guests int) (Quote, error) {
	p, ok := cat.props[u.PropertyID]
	if !ok {
		return Quote{}, fmt.Errorf("property %d: %w", u.PropertyID, ErrNotFound)
	}
	cal, err := s.Holidays(ctx)
	if err != nil {
		return Quote{}, err
	}
	rules, err := BuildRules(u.ID, p.DepositPercent, cat.rules[u.PropertyID], nil)
	if err != nil {
		return Quote{}, err
	}
	return rules.Quote(u, stay, guests, cal)
}

// holdResult turns the outcome of a write into Hold's answer: a taken stay becomes an
// *UnavailableError with alternatives.
func (s *Service) holdResult(ctx context.Context, u Unit, req HoldRequest, res Reservation, err error) (Reservation, error) {
	if errors.Is(err, ErrUnavailable) {
		return Reservation{}, s.unavailable(ctx, u, req.Stay, req.Guests)
	}
	if err != nil {
		return Reservation{}, err
	}
	return res, nil
}

// lockAndWrite writes the hold of req priced q under the unit's Locker lease. On
// PostgreSQL it is one booking_hold call; pricedWithoutOverrides makes that call refuse
// (errReprice) when the unit has calendar overrides on those nights.
func (s *Service) lockAndWrite(ctx context.Context, u Unit, req HoldRequest, q Quote, pricedWithoutOverrides bool) (Reservation, error) {
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
	var res Reservation
	err := s.withUnitLock(ctx, u.ID, taken, func() error {
		h, err := s.newHold(u.ID, req, q)
		if err != nil {
			return err
		}
		if s.db.Dialect() == store.Postgres {
			err = s.writeHoldPostgres(ctx, &h, pricedWithoutOverrides)
		} else {
			// Under the lock no other hold of this unit can appear, so a plain read settles
			// the losing case without taking SQLite's one write lock.
			if err := taken(ctx); err != nil {
				return err
			}
			err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return s.writeHold(ctx, tx, &h) })
		}
		if err != nil {
			return err
		}
		// The quote is q: no need to decode the row's copy of it.
		m := h.row
		m.Quote = nil
		res = reservationFromModel(m)
		res.Quote = q
		return nil
	})
	return res, err
}

// hold is a hold about to be written: its row (without id and code) and the body of its
// hold_created event.
type hold struct {
	row   store.Reservation
	event []byte
}

// holdCreated is the payload of a hold_created event. Its fields are in alphabetical order
// so the JSON reads like the maps of the other events. No guest data.
type holdCreated struct {
	AccommodationID int64  `json:"accommodation_id"`
	CheckIn         string `json:"check_in"`
	CheckOut        string `json:"check_out"`
	DepositCents    int64  `json:"deposit_cents"`
	ExpiresAt       string `json:"expires_at"`
	Guests          int    `json:"guests"`
	Source          string `json:"source"`
	TotalCents      int64  `json:"total_cents"`
}

// newHold prepares the hold of req priced q, created now (read under the unit's lock, so
// expiring lapsed holds and the new hold's times agree).
func (s *Service) newHold(unitID int64, req HoldRequest, q Quote) (hold, error) {
	quoteJSON, err := json.Marshal(q)
	if err != nil {
		return hold{}, fmt.Errorf("encode quote: %w", err)
	}
	now := s.now()
	expires := now.Add(s.opts.HoldTTL)
	event, err := json.Marshal(holdCreated{
		AccommodationID: unitID, CheckIn: req.Stay.CheckIn.String(), CheckOut: req.Stay.CheckOut.String(),
		DepositCents: q.DepositCents, ExpiresAt: expires.Format(time.RFC3339), Guests: req.Guests,
		Source: req.Source, TotalCents: q.TotalCents,
	})
	if err != nil {
		return hold{}, fmt.Errorf("encode hold_created event: %w", err)
	}
	return hold{
		row: store.Reservation{
			AccommodationID: unitID, CheckIn: req.Stay.CheckIn, CheckOut: req.Stay.CheckOut,
			Guests: req.Guests, GuestName: req.Guest.Name, GuestPhone: req.Guest.Phone, GuestEmail: req.Guest.Email,
			Status: store.StatusPreReserved, TotalCents: q.TotalCents, DepositCents: q.DepositCents,
			Currency: "ARS", Quote: quoteJSON, Source: req.Source, ConversationID: req.ConversationID,
			ExpiresAt: &expires, CreatedAt: now, UpdatedAt: now,
		},
		event: event,
	}, nil
}

// writeHold writes h in tx statement by statement (how SQLite holds are written; on
// PostgreSQL booking_hold does the same in one call): expire the unit's lapsed holds (a
// lapsed hold still counts for the no-overlap guard until then), check the blocks the
// guard does not see, then the code, the row and its event.
func (s *Service) writeHold(ctx context.Context, tx bun.Tx, h *hold) error {
	m := &h.row
	if err := s.lockUnitInTx(ctx, tx, m.AccommodationID); err != nil {
		return err
	}
	if _, err := s.expireLapsed(ctx, tx, &m.AccommodationID, m.CreatedAt, 0); err != nil {
		return err
	}
	stay := Stay{CheckIn: m.CheckIn, CheckOut: m.CheckOut}
	if blocked, err := s.blocked(ctx, tx, m.AccommodationID, stay); err != nil {
		return err
	} else if blocked {
		return ErrUnavailable
	}
	return s.insertHold(ctx, tx, m, h.event)
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

// writeHoldPostgres writes h with booking_hold (migration 0003): the advisory lock, the
// block check, the expiry of lapsed holds, the code, the row and its event in one call and
// one implicit transaction. Like inTx it retries a deadlock once and maps an overlap to
// ErrUnavailable; a block is ErrUnavailable too, and errReprice is returned when
// pricedWithoutOverrides and the unit has calendar overrides on those nights.
func (s *Service) writeHoldPostgres(ctx context.Context, h *hold, pricedWithoutOverrides bool) error {
	m := &h.row
	var outcome string
	var id sql.NullInt64
	var code sql.NullString
	err := s.retryDeadlock(func() error {
		return s.db.QueryRowContext(ctx, `SELECT outcome, hold_id, hold_code FROM booking_hold(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pgUnitLockKey(m.AccommodationID), m.AccommodationID, m.CheckIn, m.CheckOut, codeDay(m.CheckIn), m.Guests,
			m.GuestName, m.GuestPhone, m.GuestEmail, m.TotalCents, m.DepositCents, m.Currency, string(m.Quote),
			m.Source, m.ConversationID, m.CreatedAt, m.ExpiresAt, string(h.event), obs.RequestID(ctx),
			pricedWithoutOverrides).Scan(&outcome, &id, &code)
	})
	switch {
	case errors.Is(err, ErrUnavailable):
		return err
	case err != nil && isSequenceExhausted(err):
		return fmt.Errorf("check-in %s: %w", m.CheckIn, ErrSequenceExhausted)
	case err != nil:
		return fmt.Errorf("insert hold: %w", err)
	}
	switch outcome {
	case "held":
		m.ID, m.Code = id.Int64, code.String
		return nil
	case "blocked":
		return ErrUnavailable // a manual or imported block takes a night
	case "reprice":
		return errReprice
	}
	return fmt.Errorf("insert hold: booking_hold answered %q", outcome)
}

// inTx runs fn in a transaction, mapping an overlap refused by the database to
// ErrUnavailable and retrying once when PostgreSQL picked it as a deadlock victim. On
// SQLite the transaction waits its turn behind this process's other booking writers
// (see sqliteWriters); fn must not start another transaction.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if s.db.Dialect() == store.SQLite {
		done, err := awaitWriterTurn(ctx, s.db, s.opts.LockWait)
		if err != nil {
			return err
		}
		defer done()
	}
	return s.retryDeadlock(func() error { return s.db.RunInTx(ctx, nil, fn) })
}

// retryDeadlock runs the transaction write once more when PostgreSQL picked it as a
// deadlock victim (40P01), and maps an overlap refused by the database to ErrUnavailable.
func (s *Service) retryDeadlock(write func() error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = store.Classify(write())
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
// inserts the hold and its hold_created event (payload event), as the last writes of the
// transaction so the day's counter row stays locked only until the commit that follows.
func (s *Service) insertHold(ctx context.Context, tx bun.Tx, m *store.Reservation, event []byte) error {
	code, err := nextCode(ctx, tx, m.CheckIn)
	if err != nil {
		return err
	}
	m.Code = code
	if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("insert hold: %w", err)
	}
	ev := store.DomainEvent{AggregateType: AggregateReservation, AggregateID: code, Type: EventHoldCreated,
		Payload: event, RequestID: obs.RequestID(ctx), OccurredAt: m.CreatedAt}
	if _, err := tx.NewInsert().Model(&ev).Exec(ctx); err != nil {
		return fmt.Errorf("record %s event for %s: %w", EventHoldCreated, code, err)
	}
	return nil
}

// codeDay is the check-in day as reservation codes spell it (yymmdd).
func codeDay(checkIn store.Date) string { return checkIn.Time().Format("060102") }

// isSequenceExhausted reports whether err is the day counter's CHECK refusing a 1000th code.
func isSequenceExhausted(err error) bool {
	msg := err.Error()
	return strings.Contains(strings.ToLower(msg), "check constraint") && strings.Contains(msg, "reservation_sequences")
}

// nextCode allocates the reservation code for a check-in day in tx: RES + yymmdd + the
// day's 3-digit sequence. A rolled-back hold gives its number back.
func nextCode(ctx context.Context, tx bun.Tx, checkIn store.Date) (string, error) {
	day := codeDay(checkIn)
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
