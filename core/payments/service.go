package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/sdk/payment"
)

// Provider is what the lifecycle needs of a payment plugin (*pluginhost's client).
type Provider interface {
	GetPayment(ctx context.Context, req payment.GetPaymentRequest) (payment.GetPaymentResponse, error)
	Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResponse, error)
	FindPayments(ctx context.Context, req payment.FindPaymentsRequest) (payment.FindPaymentsResponse, error)
}

// Providers finds a payment plugin by its configured name.
type Providers interface {
	Provider(name string) (Provider, error)
}

// Bookings is the booking engine (*booking.Service).
type Bookings interface {
	ApplyPayment(ctx context.Context, n booking.PaymentNotice) (booking.PaymentOutcome, error)
	Get(ctx context.Context, code string) (booking.Reservation, error)
}

// Guests talks to the guest's conversation (*conversation.Service).
type Guests interface {
	PaymentRejected(ctx context.Context, conversationID int64) error
	Notify(ctx context.Context, conversationID int64, template string, extra map[string]any, kind conversation.Proactive, key string) error
}

var (
	_ Bookings = (*booking.Service)(nil)
	_ Guests   = (*conversation.Service)(nil)
)

// LateRefundTemplate is the message telling a guest their payment arrived after the hold
// lapsed and its nights were taken, so it was refunded in full.
const LateRefundTemplate = dialog.LateRefundTemplate

// Staff reasons on provider_payments.
const (
	ReasonMismatch     = "mismatch"           // approved for less than the seña or not in ARS
	ReasonUnknownRef   = "unknown_reference"  // approved for a reference that is no hold of ours
	ReasonLateRefunded = "late_refunded"      // paid after its nights were taken; refunded in full
	ReasonLateRefund   = "late_refund_failed" // paid after its nights were taken; the refund failed
	ReasonReversed     = "reversed"           // refunded, charged back or disputed after confirmation
	ReasonUnreadable   = "unreadable"         // the provider kept failing to answer for this payment
)

// Defaults of Options.
const (
	DefaultLease           = time.Minute
	DefaultFetchTimeout    = 20 * time.Second
	DefaultMinBackoff      = 2 * time.Second
	DefaultMaxBackoff      = 10 * time.Minute
	DefaultWorkers         = 4
	DefaultReconcileEvery  = 3 * time.Minute
	DefaultFinalCheckDelay = 10 * time.Minute
	// unreadableAfter is how many failed reads flag a payment for staff (it is still read).
	unreadableAfter = 12
)

// Options configure a Service; zero fields take the defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Lease is how long a worker owns a payment it reads; a crashed worker's payments are
	// read again after it.
	Lease        time.Duration
	FetchTimeout time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	// Workers is how many payments are read at once.
	Workers int
	// ReconcileEvery is how often a living hold's link is searched; FinalCheckDelay is how
	// long after a hold lapses its last search runs (a checkout started just before the
	// end can still be approved).
	ReconcileEvery  time.Duration
	FinalCheckDelay time.Duration
	// Metrics may be nil.
	Metrics *Metrics
	// Confirmed, when set, is called once a payment confirmed reservation code, so the
	// guest's confirmation goes out at once (conversation.ConfirmationWatcher would send it
	// at its next step anyway; both are idempotent).
	Confirmed func(ctx context.Context, code string)
}

// Service is the payment lifecycle over one database.
type Service struct {
	db        *store.DB
	providers Providers
	bookings  Bookings
	guests    Guests
	opts      Options
	log       *slog.Logger
	kick      chan struct{}
}

// New returns the lifecycle; guests may be nil (nobody is told).
func New(db *store.DB, providers Providers, bookings Bookings, guests Guests, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Lease, DefaultLease)
	def(&opts.FetchTimeout, DefaultFetchTimeout)
	def(&opts.MinBackoff, DefaultMinBackoff)
	def(&opts.MaxBackoff, DefaultMaxBackoff)
	def(&opts.ReconcileEvery, DefaultReconcileEvery)
	def(&opts.FinalCheckDelay, DefaultFinalCheckDelay)
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	return &Service{db: db, providers: providers, bookings: bookings, guests: guests, opts: opts,
		log: opts.Logger, kick: make(chan struct{}, 1)}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// ErrInvalid means a request to the lifecycle is malformed.
var ErrInvalid = errors.New("payments: invalid request")

// Notified records that provider named payments (a verified notification) and returns:
// the payments are read later by the worker. Repeated and out-of-order notifications only
// bump a counter; a payment being read when one arrives is read again afterwards.
func (s *Service) Notified(ctx context.Context, provider string, paymentIDs ...string) error {
	now := s.now()
	for _, id := range paymentIDs {
		id = strings.TrimSpace(id)
		if provider == "" || id == "" {
			return fmt.Errorf("%w: provider and payment id are required", ErrInvalid)
		}
		_, err := s.db.NewRaw(`INSERT INTO provider_payments (provider, payment_id, notified, handled, next_at, received_at, created_at, updated_at)
VALUES (?, ?, 1, 0, ?, ?, ?, ?)
ON CONFLICT (provider, payment_id) DO UPDATE SET
  notified = provider_payments.notified + 1,
  next_at = CASE WHEN provider_payments.notified > provider_payments.handled THEN provider_payments.next_at ELSE excluded.next_at END,
  updated_at = excluded.updated_at`, provider, id, now, now, now, now).Exec(ctx)
		if err != nil {
			return fmt.Errorf("record notification of %s payment %s: %w", provider, id, err)
		}
		s.opts.Metrics.notified(provider)
	}
	if len(paymentIDs) > 0 {
		s.Kick()
	}
	return nil
}

// Observed applies payments a plugin already read from its provider (plugins that do not
// defer the read to the core), at once: an error makes the provider retry the
// notification. Applying is idempotent, so a worker reading the same payment meanwhile is
// harmless.
func (s *Service) Observed(ctx context.Context, provider string, payments ...payment.Payment) error {
	var errs []error
	for _, p := range payments {
		if provider == "" || p.ID == "" {
			errs = append(errs, fmt.Errorf("%w: provider and payment id are required", ErrInvalid))
			continue
		}
		now := s.now()
		_, err := s.db.NewRaw(`INSERT INTO provider_payments (provider, payment_id, notified, handled, next_at, received_at, created_at, updated_at)
VALUES (?, ?, 0, 0, ?, ?, ?, ?) ON CONFLICT (provider, payment_id) DO NOTHING`, provider, p.ID, now, now, now, now).Exec(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("record %s payment %s: %w", provider, p.ID, err))
			continue
		}
		rec, err := s.Get(ctx, provider, p.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.opts.Metrics.notified(provider)
		upd, err := s.apply(ctx, &rec, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.save(ctx, &rec, upd, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Kick wakes the worker (non-blocking).
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run reads notified payments until ctx ends: at once when kicked, else every poll.
func (s *Service) Run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for {
			n, err := s.Step(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "payments: read queue", obs.KeyErr, err)
			}
			if n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
	}
}

// Step reads the payments due now (up to a batch), Workers at a time, and returns how
// many it took.
func (s *Service) Step(ctx context.Context) (int, error) {
	now := s.now()
	var due []Record
	err := s.db.NewSelect().Model(&due).Column("id", "provider", "payment_id").
		Where("notified > handled AND next_at <= ?", now).
		Where("(lease_until IS NULL OR lease_until < ?)", now).
		OrderExpr("next_at, id").Limit(s.opts.Workers * 8).Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("payments due: %w", err)
	}
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	taken := 0
	for _, d := range due {
		rec, err := s.claim(ctx, d.Provider, d.PaymentID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rec == nil {
			continue
		}
		taken++
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.read(ctx, rec); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return taken, errors.Join(errs...)
}

// claim takes the lease of a pending payment; nil when another worker holds it or it is
// not pending any more.
func (s *Service) claim(ctx context.Context, provider, paymentID string) (*Record, error) {
	now := s.now()
	until := now.Add(s.opts.Lease)
	res, err := s.db.NewUpdate().Model((*Record)(nil)).Set("lease_until = ?", until).
		Where("provider = ? AND payment_id = ?", provider, paymentID).
		Where("notified > handled").
		Where("(lease_until IS NULL OR lease_until < ?)", now).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim %s payment %s: %w", provider, paymentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	rec := new(Record)
	if err := s.db.NewSelect().Model(rec).Where("provider = ? AND payment_id = ?", provider, paymentID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load %s payment %s: %w", provider, paymentID, err)
	}
	return rec, nil
}

// read fetches a claimed payment from its provider and applies it; a failure is retried
// with backoff, an unknown payment (a dashboard simulation) is recorded as not found.
func (s *Service) read(ctx context.Context, rec *Record) error {
	start := time.Now()
	prov, err := s.providers.Provider(rec.Provider)
	var resp payment.GetPaymentResponse
	if err == nil {
		fctx, cancel := context.WithTimeout(ctx, s.opts.FetchTimeout)
		resp, err = prov.GetPayment(fctx, payment.GetPaymentRequest{PaymentID: rec.PaymentID})
		cancel()
	}
	s.opts.Metrics.fetched(rec.Provider, time.Since(start), err)
	switch {
	case isNotFound(err):
		s.log.InfoContext(ctx, "payment unknown to its provider (a simulation?); nothing to apply", "provider", rec.Provider, "payment", rec.PaymentID)
		return s.finish(ctx, rec, func(r *Record) { r.Outcome = OutcomeNotFound })
	case err != nil:
		return s.retry(ctx, rec, fmt.Errorf("read %s payment %s: %w", rec.Provider, rec.PaymentID, err))
	}
	if resp.Payment.ID != rec.PaymentID {
		return s.retry(ctx, rec, fmt.Errorf("read %s payment %s: the provider answered for payment %q", rec.Provider, rec.PaymentID, resp.Payment.ID))
	}
	return s.applyAndFinish(ctx, rec, resp.Payment)
}

func (s *Service) applyAndFinish(ctx context.Context, rec *Record, p payment.Payment) error {
	upd, err := s.apply(ctx, rec, p)
	if err != nil {
		return s.retry(ctx, rec, err)
	}
	return s.finish(ctx, rec, upd)
}

// finish records a read payment: handled catches up with the notifications counted when
// it was claimed (a newer one leaves it pending), attempts reset, the lease released.
func (s *Service) finish(ctx context.Context, rec *Record, update func(*Record)) error {
	return s.save(ctx, rec, update, true)
}

// save writes what apply learnt of a payment; read also marks the claimed read done.
func (s *Service) save(ctx context.Context, rec *Record, update func(*Record), read bool) error {
	now := s.now()
	r := *rec
	if update != nil {
		update(&r)
	}
	q := s.db.NewUpdate().Model((*Record)(nil)).Set("fetched_at = ?", now).Set("updated_at = ?", now).
		Set("reference = ?", r.Reference).Set("status = ?", r.Status).Set("status_detail = ?", r.StatusDetail).
		Set("amount_cents = ?", r.AmountCents).Set("refunded_cents = ?", r.RefundedCents).Set("currency = ?", r.Currency).
		Set("outcome = ?", r.Outcome).Set("staff_reason = ?", r.StaffReason).Set("flagged = ?", r.Flagged).
		Set("late_refund = ?", r.LateRefund)
	if read {
		q = q.Set("handled = ?", rec.Notified).Set("attempts = 0").Set("last_error = ''").Set("lease_until = NULL").Set("next_at = ?", now)
	}
	if _, err := q.Where("id = ?", rec.ID).Exec(ctx); err != nil {
		return fmt.Errorf("record %s payment %s: %w", rec.Provider, rec.PaymentID, err)
	}
	return nil
}

// retry releases a payment whose read or application failed, to be tried again after an
// exponential backoff; past unreadableAfter attempts it is flagged for staff too.
func (s *Service) retry(ctx context.Context, rec *Record, cause error) error {
	now := s.now()
	attempts := rec.Attempts + 1
	wait := s.opts.MinBackoff << min(attempts-1, 20)
	if wait > s.opts.MaxBackoff || wait <= 0 {
		wait = s.opts.MaxBackoff
	}
	q := s.db.NewUpdate().Model((*Record)(nil)).
		Set("attempts = ?", attempts).Set("last_error = ?", truncate(cause.Error(), 500)).Set("lease_until = NULL").
		Set("next_at = ?", now.Add(wait)).Set("updated_at = ?", now)
	if attempts >= unreadableAfter && rec.StaffReason == "" {
		q = q.Set("staff_reason = ?", ReasonUnreadable)
	}
	if _, err := q.Where("id = ?", rec.ID).Exec(ctx); err != nil {
		return errors.Join(cause, fmt.Errorf("release %s payment %s: %w", rec.Provider, rec.PaymentID, err))
	}
	s.log.WarnContext(ctx, "payment not applied; retrying", "provider", rec.Provider, "payment", rec.PaymentID,
		"attempts", attempts, "retry_in", wait.String(), obs.KeyErr, cause)
	return cause
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Get returns the record of a provider's payment, or sql.ErrNoRows wrapped.
func (s *Service) Get(ctx context.Context, provider, paymentID string) (Record, error) {
	var r Record
	err := s.db.NewSelect().Model(&r).Where("provider = ? AND payment_id = ?", provider, paymentID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%s payment %s: %w", provider, paymentID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("%s payment %s: %w", provider, paymentID, err)
	}
	return r, nil
}

// ErrNotFound means no such payment, link or refund is recorded.
var ErrNotFound = errors.New("payments: not found")

// NeedsStaff lists the payments staff must look at, newest first.
func (s *Service) NeedsStaff(ctx context.Context, limit int) ([]Record, error) {
	if limit <= 0 {
		limit = 100
	}
	var rs []Record
	err := s.db.NewSelect().Model(&rs).Where("staff_reason <> ''").OrderExpr("updated_at DESC, id DESC").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("payments for staff: %w", err)
	}
	return rs, nil
}

// ForReservation lists the payments recorded for a reservation code, oldest first.
func (s *Service) ForReservation(ctx context.Context, code string) ([]Record, error) {
	var rs []Record
	if err := s.db.NewSelect().Model(&rs).Where("reference = ?", code).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("payments of %s: %w", code, err)
	}
	return rs, nil
}

// Idle waits until no payment is pending and due, or ctx ends (tests, shutdown).
func (s *Service) Idle(ctx context.Context) error {
	for {
		n, err := s.db.NewSelect().Model((*Record)(nil)).Where("notified > handled").Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
