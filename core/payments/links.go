package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// LinkKey is the idempotency key of a hold's checkout link: the same hold and expiry give
// the same key (a retried or repeated request returns the same link); an extended hold
// gets a new link.
func LinkKey(code string, expiresAt time.Time) string {
	if expiresAt.IsZero() {
		return "pref-" + code
	}
	return fmt.Sprintf("pref-%s-%d", code, expiresAt.Unix())
}

// LinkCreated stores the link a provider made for hold code, so reconciliation searches
// its payments. Storing the same link twice is harmless.
func (s *Service) LinkCreated(ctx context.Context, provider, code, idempotencyKey string, l payment.CreateLinkResponse) error {
	var resID int64
	if err := s.db.NewSelect().Table("reservations").Column("id").Where("code = ?", code).Scan(ctx, &resID); err != nil {
		return fmt.Errorf("link of %s: reservation: %w", code, err)
	}
	row := link{ReservationID: resID, Provider: provider, LinkID: l.LinkID, URL: l.URL, IdempotencyKey: idempotencyKey, CreatedAt: s.now()}
	if !l.ExpiresAt.IsZero() {
		t := l.ExpiresAt.UTC()
		row.ExpiresAt = &t
	}
	if row.LinkID == "" {
		row.LinkID = idempotencyKey
	}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (provider, link_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("store link of %s: %w", code, err)
	}
	return nil
}

// openLink is a link still to search, with its hold.
type openLink struct {
	ID        int64      `bun:"id"`
	Provider  string     `bun:"provider"`
	Code      string     `bun:"code"`
	Status    string     `bun:"status"`
	HoldEnd   *time.Time `bun:"hold_end"`
	LinkEnd   *time.Time `bun:"link_end"`
	CheckedAt *time.Time `bun:"checked_at"`
}

// Reconcile searches the provider's payments of every hold with a link: every
// ReconcileEvery while the hold lives, once more FinalCheckDelay after it lapses, then
// never again. A payment found that is new or changed is recorded as notified, so the
// worker reads and applies it as if its notification had arrived. It returns how many
// payments it queued.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	now := s.now()
	var links []openLink
	err := s.db.NewSelect().TableExpr("payment_links AS l").
		ColumnExpr("l.id, l.provider, r.code, r.status, r.expires_at AS hold_end, l.expires_at AS link_end, l.checked_at").
		Join("JOIN reservations AS r ON r.id = l.reservation_id").
		Where("l.closed_at IS NULL").OrderExpr("l.id").Limit(500).Scan(ctx, &links)
	if err != nil {
		return 0, fmt.Errorf("links to reconcile: %w", err)
	}
	queued := 0
	var errs []error
	for _, l := range links {
		end := l.HoldEnd
		if end == nil || (l.LinkEnd != nil && l.LinkEnd.After(*end)) {
			end = l.LinkEnd
		}
		lapsed := l.Status != store.StatusPreReserved || (end != nil && !now.Before(*end))
		final := false
		switch {
		case l.Status == store.StatusConfirmed:
			errs = append(errs, s.closeLink(ctx, l.ID, now)) // paid: nothing left to find
			continue
		case lapsed:
			lapsedAt := now
			if end != nil {
				lapsedAt = *end
			}
			if now.Before(lapsedAt.Add(s.opts.FinalCheckDelay)) {
				continue // the last search waits for checkouts started just before the end
			}
			final = true
		case l.CheckedAt != nil && now.Before(l.CheckedAt.Add(s.opts.ReconcileEvery)):
			continue
		}
		n, err := s.reconcileLink(ctx, l)
		queued += n
		if err != nil {
			errs = append(errs, err)
			continue
		}
		q := s.db.NewUpdate().Model((*link)(nil)).Set("checked_at = ?", now).Where("id = ?", l.ID)
		if final {
			q = q.Set("closed_at = ?", now)
		}
		if _, err := q.Exec(ctx); err != nil {
			errs = append(errs, fmt.Errorf("link %d checked: %w", l.ID, err))
		}
	}
	return queued, errors.Join(errs...)
}

func (s *Service) closeLink(ctx context.Context, id int64, now time.Time) error {
	if _, err := s.db.NewUpdate().Model((*link)(nil)).Set("closed_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("close link %d: %w", id, err)
	}
	return nil
}

// reconcileLink searches one hold's payments and queues the new or changed ones.
func (s *Service) reconcileLink(ctx context.Context, l openLink) (int, error) {
	prov, err := s.providers.Provider(l.Provider)
	if err != nil {
		return 0, fmt.Errorf("reconcile %s: %w", l.Code, err)
	}
	fctx, cancel := context.WithTimeout(ctx, s.opts.FetchTimeout)
	found, err := prov.FindPayments(fctx, payment.FindPaymentsRequest{Reference: l.Code})
	cancel()
	if errors.Is(err, plugin.ErrUnsupported) {
		return 0, nil // the provider cannot search: notifications are all there is
	}
	if err != nil {
		return 0, fmt.Errorf("reconcile %s: %w", l.Code, err)
	}
	queued := 0
	for _, p := range found.Payments {
		if p.ID == "" || p.Reference != l.Code {
			continue
		}
		rec, err := s.Get(ctx, l.Provider, p.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return queued, err
		case rec.Pending() || (rec.Status == string(p.Status) && rec.RefundedCents == p.RefundedAmount && rec.AmountCents == p.Amount):
			continue // already queued, or already applied in this state
		}
		s.log.InfoContext(ctx, "reconciliation found a payment not yet applied", "provider", l.Provider, "payment", p.ID,
			"reservation", l.Code, "status", p.Status)
		if err := s.Notified(ctx, l.Provider, p.ID); err != nil {
			return queued, err
		}
		queued++
	}
	return queued, nil
}
