package booking_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On PostgreSQL a hold is priced from the catalog and written in one call that checks the
// calendar for overrides; these tests hold that path to the answers of the long one.
func TestHoldPricesCalendarOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		price, nights := int64(5_000_000), 4
		_, err := db.NewInsert().Model(&[]store.AvailabilityEntry{
			{AccommodationID: f.demo.Robles, StartDate: date("2027-01-06"), EndDate: date("2027-01-07"), Kind: "price", PriceCents: &price},
			{AccommodationID: f.demo.Coihue, StartDate: date("2027-01-05"), EndDate: date("2027-01-06"), Kind: "min_stay", MinNights: &nights},
		}).Exec(ctx)
		require.NoError(t, err)

		t.Run("a price override is charged", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
			assert.Equal(t, int64(14_000_000), r.TotalCents, "4.500.000 + 5.000.000 + 4.500.000")
			assert.Equal(t, "override", r.Quote.Nights[1].Rule)
			got, err := f.svc.Get(ctx, r.Code)
			require.NoError(t, err)
			assert.Equal(t, int64(14_000_000), got.TotalCents)
			assert.Equal(t, r.Quote, got.Quote, "the stored quote is the one returned")
		})
		t.Run("a minimum-stay override refuses with its own minimum", func(t *testing.T) {
			_, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Coihue, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2})
			require.ErrorIs(t, err, booking.ErrMinStay)
			var ms *booking.MinStayError
			require.ErrorAs(t, err, &ms)
			assert.Equal(t, 4, ms.Required)
			assert.Equal(t, "date_override", ms.Reason)
			free, err := f.svc.IsFree(ctx, f.demo.Coihue, stay("2027-01-05", "2027-01-08"))
			require.NoError(t, err)
			assert.True(t, free, "nothing was written")
		})
		t.Run("a unit without overrides on those nights keeps the catalog price", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-01-12", "2027-01-14"))
			assert.Equal(t, int64(9_000_000), r.TotalCents)
		})
	})
}

func TestHoldCreatedEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := obs.WithRequestID(context.Background(), "req-hold-1")
		r, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2,
			Guest: booking.Guest{Name: "Ana Pérez", Phone: "+5493511234567", Email: "ana@example.com"}, Source: "api"})
		require.NoError(t, err)
		evs, err := f.svc.History(ctx, r.Code)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		assert.Equal(t, booking.EventHoldCreated, evs[0].Type)
		assert.Equal(t, "req-hold-1", evs[0].RequestID)
		assert.True(t, evs[0].At.Equal(start), "at %s", evs[0].At)
		assert.Equal(t, map[string]any{
			"accommodation_id": float64(f.demo.Robles), "check_in": "2027-01-05", "check_out": "2027-01-08",
			"guests": float64(2), "total_cents": float64(13_500_000), "deposit_cents": float64(4_050_000),
			"expires_at": "2027-01-01T12:30:00Z", "source": "api",
		}, evs[0].Payload, "no guest data")
	})
}

func TestHoldExpiresTheLapsedHoldItReplaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
		f.clock.Advance(30 * time.Minute)
		ctx := obs.WithRequestID(context.Background(), "req-hold-2")
		r, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-06", "2027-01-09"), Guests: 2})
		require.NoError(t, err)
		assert.Equal(t, "RES270106001", r.Code)

		got, err := f.svc.Get(ctx, old.Code)
		require.NoError(t, err)
		assert.Equal(t, store.StatusExpired, got.Status)
		evs, err := f.svc.History(ctx, old.Code)
		require.NoError(t, err)
		require.Len(t, evs, 2)
		assert.Equal(t, booking.EventHoldExpired, evs[1].Type)
		assert.Equal(t, "req-hold-2", evs[1].RequestID)
		assert.Equal(t, map[string]any{"accommodation_id": float64(f.demo.Robles)}, evs[1].Payload)
		assert.True(t, evs[1].At.Equal(start.Add(30*time.Minute)))
	})
}

func TestRefusedHoldGivesItsCodeBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
		assert.Equal(t, "RES270105001", a.Code)
		_, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-01-07"), Guests: 2})
		var ue *booking.UnavailableError
		require.ErrorAs(t, err, &ue)
		assert.NotEmpty(t, ue.Alternatives)
		b := f.hold(t, f.demo.Coihue, stay("2027-01-05", "2027-01-07"))
		assert.Equal(t, "RES270105002", b.Code)
		var rows int
		require.NoError(t, db.NewRaw(`SELECT count(*) FROM reservations WHERE accommodation_id = ?`, f.demo.Robles).Scan(ctx, &rows))
		assert.Equal(t, 1, rows)
	})
}

// blockingLocker adds a manual block to a unit the first time that unit's write lock is
// taken: the block lands after the hold was priced and checked, before it is written.
type blockingLocker struct {
	lock.Locker
	db   *store.DB
	unit int64
	from store.Date
	to   store.Date
	once sync.Once
	err  error
}

func (l *blockingLocker) Acquire(ctx context.Context, key string, ttl time.Duration) (lock.Lease, error) {
	lease, err := l.Locker.Acquire(ctx, key, ttl)
	if err == nil {
		l.once.Do(func() {
			_, l.err = l.db.NewInsert().Model(&store.AvailabilityEntry{AccommodationID: l.unit, StartDate: l.from, EndDate: l.to,
				Kind: "block", Note: "arrived during the hold"}).Exec(ctx)
		})
	}
	return lease, err
}

func TestHoldChecksBlocksUnderTheUnitLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		locker := &blockingLocker{Locker: lock.NewMemory(f.clock.Now), db: db, unit: f.demo.Robles, from: date("2027-01-06"), to: date("2027-01-07")}
		svc := booking.NewService(db, booking.Options{Now: f.clock.Now, Locker: locker})

		_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2})
		require.NoError(t, locker.err)
		require.ErrorIs(t, err, booking.ErrUnavailable)
		var rows int
		require.NoError(t, db.NewRaw(`SELECT count(*) FROM reservations`).Scan(ctx, &rows))
		assert.Zero(t, rows)

		r, err := svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-07", "2027-01-09"), Guests: 2})
		require.NoError(t, err)
		assert.Equal(t, "RES270107001", r.Code)
	})
}

func TestHoldRefusesTheThousandthCodeOfADay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := db.NewRaw(`INSERT INTO reservation_sequences (day, last_seq) VALUES ('270105', 999)`).Exec(ctx)
		require.NoError(t, err)
		_, err = f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2})
		require.ErrorIs(t, err, booking.ErrSequenceExhausted)
		free, err := f.svc.IsFree(ctx, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
		require.NoError(t, err)
		assert.True(t, free, "nothing was written")
		r := f.hold(t, f.demo.Robles, stay("2027-01-06", "2027-01-08"))
		assert.Equal(t, "RES270106001", r.Code, "other days are not affected")
	})
}
