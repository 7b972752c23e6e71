package calendar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	sdkcal "github.com/conserje/conserje/sdk/calendar"
)

// scriptedFetcher answers Fetch with the next scripted response and records requests.
type scriptedFetcher struct {
	mu       sync.Mutex
	answers  []fetchAnswer
	requests []sdkcal.FetchRequest
}

type fetchAnswer struct {
	resp sdkcal.FetchResponse
	err  error
}

func (f *scriptedFetcher) push(resp sdkcal.FetchResponse, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, fetchAnswer{resp, err})
}

func (f *scriptedFetcher) Fetch(_ context.Context, req sdkcal.FetchRequest) (sdkcal.FetchResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if len(f.answers) == 0 {
		return sdkcal.FetchResponse{}, errors.New("scriptedFetcher: no answer scripted")
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a.resp, a.err
}

func (f *scriptedFetcher) last() sdkcal.FetchRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

var (
	syncNow    = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	fixtureSeq atomic.Int64
	quietLog   = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func blk(uid, start, end string) sdkcal.Block {
	return sdkcal.Block{UID: uid, Start: start, End: end, Kind: sdkcal.KindReservation, Summary: "Reserved"}
}

func feedOf(blocks ...sdkcal.Block) sdkcal.FetchResponse {
	return sdkcal.FetchResponse{Blocks: blocks, ETag: `"e1"`, LastModified: "Tue, 01 Dec 2026 12:00:00 GMT"}
}

// testUnit inserts a property and a unit with plain SQL.
func testUnit(t testing.TB, db *store.DB, slug string) int64 {
	t.Helper()
	ctx := context.Background()
	var propID, id int64
	require.NoError(t, db.NewRaw(`INSERT INTO properties (slug, name, timezone) VALUES (?, ?, ?) RETURNING id`,
		"p-"+slug, "Test "+slug, "America/Argentina/Buenos_Aires").Scan(ctx, &propID))
	require.NoError(t, db.NewRaw(`INSERT INTO accommodations (property_id, slug, name, unit_type, capacity, base_occupancy, base_price_cents)
		VALUES (?, ?, ?, 'cabaña', 4, 2, 4500000) RETURNING id`, propID, slug, "Cabaña "+slug).Scan(ctx, &id))
	return id
}

type syncFixture struct {
	db      *store.DB
	unit    int64
	feed    store.CalendarFeed
	fetcher *scriptedFetcher
	syncer  *Syncer
	metrics *Metrics
}

func newSyncFixture(t *testing.T, db *store.DB) *syncFixture {
	t.Helper()
	unit := testUnit(t, db, fmt.Sprintf("unit-%d", fixtureSeq.Add(1)))
	feed, err := NewFeeds(db.DB).Add(context.Background(), NewFeed{AccommodationID: unit, Platform: "airbnb", URL: "https://www.airbnb.com/calendar/ical/1.ics?s=abc"})
	require.NoError(t, err)
	m, err := NewMetrics(prometheus.NewRegistry())
	require.NoError(t, err)
	f := &scriptedFetcher{}
	s, err := NewSyncer(db, f, SyncOptions{Metrics: m, Now: func() time.Time { return syncNow }, Logger: quietLog})
	require.NoError(t, err)
	return &syncFixture{db: db, unit: unit, feed: feed, fetcher: f, syncer: s, metrics: m}
}

func (fx *syncFixture) sync(t *testing.T) FeedReport {
	t.Helper()
	rep, err := fx.syncer.SyncUnit(context.Background(), fx.unit)
	require.NoError(t, err)
	require.Len(t, rep.Feeds, 1)
	return rep.Feeds[0]
}

// stored renders the feed's blocks as "uid start/end status".
func (fx *syncFixture) stored(t *testing.T) []string {
	t.Helper()
	blocks, err := NewFeeds(fx.db.DB).Blocks(context.Background(), fx.feed.ID)
	require.NoError(t, err)
	out := []string{}
	for _, b := range blocks {
		out = append(out, b.UID+" "+b.StartDate.String()+"/"+b.EndDate.String()+" "+b.Status)
	}
	return out
}

func (fx *syncFixture) feedRow(t *testing.T) store.CalendarFeed {
	t.Helper()
	f, err := NewFeeds(fx.db.DB).Get(context.Background(), fx.feed.ID)
	require.NoError(t, err)
	return f
}

func (fx *syncFixture) events(t *testing.T, typ string) int {
	t.Helper()
	n, err := fx.db.NewSelect().Model((*store.DomainEvent)(nil)).Where("type = ?", typ).Count(context.Background())
	require.NoError(t, err)
	return n
}

func TestSyncUpsertMoveVanish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newSyncFixture(t, db)
		a, b, c := blk("a", "2027-01-03", "2027-01-10"), blk("b", "2027-01-10", "2027-01-14"), blk("c", "2027-02-06", "2027-02-10")
		past := blk("old", "2026-10-01", "2026-10-05")

		fx.fetcher.push(feedOf(a, b, c, past), nil)
		rep := fx.sync(t)
		assert.Equal(t, StatusOK, rep.Status)
		assert.Equal(t, 4, rep.Added)
		assert.Equal(t, []string{"old 2026-10-01/2026-10-05 active", "a 2027-01-03/2027-01-10 active", "b 2027-01-10/2027-01-14 active", "c 2027-02-06/2027-02-10 active"}, fx.stored(t))
		row := fx.feedRow(t)
		assert.Equal(t, StatusOK, row.LastStatus)
		assert.Equal(t, 4, row.EventCount)
		assert.Equal(t, `"e1"`, row.ETag)
		require.NotNil(t, row.LastSuccessAt)
		assert.Empty(t, row.LastError)
		req := fx.fetcher.last()
		assert.Equal(t, "America/Argentina/Buenos_Aires", req.Timezone)
		assert.Equal(t, sdkcal.PlatformAirbnb, req.Platform)
		assert.Empty(t, req.ETag, "no validators before the first success")

		t.Run("the same feed again changes nothing", func(t *testing.T) {
			events := fx.events(t, EventFeedSynced)
			fx.fetcher.push(feedOf(a, b, c, past), nil)
			rep := fx.sync(t)
			assert.Equal(t, 0, rep.Added+rep.Moved+rep.Updated+rep.Removed)
			assert.Len(t, fx.stored(t), 4)
			assert.Equal(t, events, fx.events(t, EventFeedSynced))
			assert.Equal(t, `"e1"`, fx.fetcher.last().ETag, "validators of the last success are sent")
		})
		t.Run("changed dates move the block, vanished ones go (past ones at once)", func(t *testing.T) {
			moved := blk("b", "2027-01-11", "2027-01-15")
			fx.fetcher.push(feedOf(a, moved, c, blk("d", "2027-03-01", "2027-03-04")), nil)
			rep := fx.sync(t)
			assert.Equal(t, 1, rep.Moved)
			assert.Equal(t, 1, rep.Added)
			assert.Equal(t, 1, rep.Removed, "the past block left the feed")
			fx.fetcher.push(feedOf(a, moved, blk("d", "2027-03-01", "2027-03-04")), nil)
			rep = fx.sync(t)
			assert.Equal(t, 1, rep.Removed, "one of four future blocks is a normal cancellation")
			assert.Equal(t, 0, rep.Held)
			assert.Equal(t, []string{"a 2027-01-03/2027-01-10 active", "b 2027-01-11/2027-01-15 active", "d 2027-03-01/2027-03-04 active"}, fx.stored(t))
		})
	})
}

func TestSyncFailuresKeepThePreviousImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newSyncFixture(t, db)
		fx.fetcher.push(feedOf(blk("a", "2027-01-03", "2027-01-10")), nil)
		fx.sync(t)
		before := fx.stored(t)
		success := fx.feedRow(t).LastSuccessAt

		cases := []struct {
			name   string
			err    error
			status string
		}{
			{"html page", &sdkcal.RejectedError{Reason: sdkcal.RejectNotICalendar, Detail: "body starts with <!DOCTYPE html>"}, StatusRejected},
			{"truncated", &sdkcal.RejectedError{Reason: sdkcal.RejectTruncated}, StatusRejected},
			{"http 503", &sdkcal.RejectedError{Reason: sdkcal.RejectHTTPStatus, HTTPStatus: 503}, StatusRejected},
			{"plugin down", errors.New("plugin ical is down"), StatusError},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				fx.fetcher.push(sdkcal.FetchResponse{}, tc.err)
				rep := fx.sync(t)
				assert.Equal(t, tc.status, rep.Status)
				assert.Equal(t, before, fx.stored(t))
				row := fx.feedRow(t)
				assert.Equal(t, tc.status, row.LastStatus)
				assert.Equal(t, tc.err.Error(), row.LastError)
				assert.Equal(t, success, row.LastSuccessAt)
				assert.Equal(t, 1, row.EventCount)
			})
		}
		t.Run("the next good fetch clears the error", func(t *testing.T) {
			fx.fetcher.push(feedOf(blk("a", "2027-01-03", "2027-01-10")), nil)
			assert.Equal(t, StatusOK, fx.sync(t).Status)
			assert.Empty(t, fx.feedRow(t).LastError)
		})
	})
}

func TestSyncNotModified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newSyncFixture(t, db)
		fx.fetcher.push(feedOf(blk("a", "2027-01-03", "2027-01-10")), nil)
		fx.sync(t)
		fx.fetcher.push(sdkcal.FetchResponse{NotModified: true}, nil)
		rep := fx.sync(t)
		assert.Equal(t, StatusNotModified, rep.Status)
		assert.Equal(t, []string{"a 2027-01-03/2027-01-10 active"}, fx.stored(t))
		row := fx.feedRow(t)
		assert.Equal(t, `"e1"`, row.ETag, "validators survive a 304 that repeats none")
		assert.Equal(t, 1, row.EventCount)
	})
}

func TestSyncHoldsMassRemovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		five := []sdkcal.Block{blk("a", "2027-01-03", "2027-01-10"), blk("b", "2027-01-10", "2027-01-14"),
			blk("c", "2027-02-06", "2027-02-10"), blk("d", "2027-03-01", "2027-03-04"), blk("e", "2027-04-01", "2027-04-04")}

		t.Run("an empty feed frees nothing until the third fetch in a row", func(t *testing.T) {
			fx := newSyncFixture(t, db)
			fx.fetcher.push(feedOf(five...), nil)
			fx.sync(t)
			for i := 1; i <= 2; i++ {
				fx.fetcher.push(feedOf(), nil)
				rep := fx.sync(t)
				assert.Equal(t, StatusHeld, rep.Status)
				assert.Equal(t, 5, rep.Held)
				assert.Equal(t, 0, rep.Removed)
				assert.Len(t, fx.stored(t), 5)
				assert.Contains(t, fx.stored(t)[0], BlockPendingRemoval)
				assert.Equal(t, i, fx.feedRow(t).EmptyStreak)
				assert.Empty(t, fx.feedRow(t).ETag, "a held feed is fetched in full next time")
			}
			assert.Equal(t, 1, fx.events(t, EventRemovalsHeld))
			fx.fetcher.push(feedOf(), nil)
			rep := fx.sync(t)
			assert.Equal(t, StatusOK, rep.Status)
			assert.Equal(t, 5, rep.Removed)
			assert.Empty(t, fx.stored(t))
			assert.Equal(t, 0, fx.feedRow(t).EmptyStreak)
			assert.Equal(t, 1, fx.events(t, EventRemovalsConfirmed))
		})
		t.Run("blocks that come back are active again and the streak resets", func(t *testing.T) {
			fx := newSyncFixture(t, db)
			fx.fetcher.push(feedOf(five...), nil)
			fx.sync(t)
			fx.fetcher.push(feedOf(five[0]), nil) // four of five future blocks gone at once
			rep := fx.sync(t)
			assert.Equal(t, StatusHeld, rep.Status)
			assert.Equal(t, 4, rep.Held)
			fx.fetcher.push(feedOf(five...), nil)
			rep = fx.sync(t)
			assert.Equal(t, StatusOK, rep.Status)
			assert.Equal(t, 4, rep.Updated)
			assert.Equal(t, 0, fx.feedRow(t).EmptyStreak)
			for _, s := range fx.stored(t) {
				assert.Contains(t, s, " "+BlockActive)
			}
		})
		t.Run("staff confirm a held removal", func(t *testing.T) {
			fx := newSyncFixture(t, db)
			fx.fetcher.push(feedOf(five...), nil)
			fx.sync(t)
			fx.fetcher.push(feedOf(), nil)
			fx.sync(t)
			n, err := fx.syncer.ConfirmRemovals(context.Background(), fx.feed.ID, "staff:ana")
			require.NoError(t, err)
			assert.Equal(t, 5, n)
			assert.Empty(t, fx.stored(t))
			assert.Equal(t, 0, fx.feedRow(t).EmptyStreak)
		})
	})
}

func TestSyncPartialImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newSyncFixture(t, db)
		a, b, c := blk("a", "2027-01-03", "2027-01-10"), blk("b", "2027-02-10", "2027-02-14"), blk("c", "2027-03-06", "2027-03-10")
		partial := func(blocks ...sdkcal.Block) sdkcal.FetchResponse {
			r := feedOf(blocks...)
			r.Partial = true
			r.Warnings = []sdkcal.Warning{
				{Code: "zero_length", Message: "R5 all-day event ends on its start date"},
				{Code: sdkcal.WarningBudget, UID: "r1001", Message: "R10 r1001: more than 1000 recurring events in the feed (budget): only the first occurrence blocks"},
			}
			return r
		}
		fx.fetcher.push(feedOf(a, b, c), nil)
		require.Equal(t, StatusOK, fx.sync(t).Status)
		assert.Empty(t, fx.feedRow(t).PartialReason)

		t.Run("a partial import is applied and shown as partial, with the budget's reason", func(t *testing.T) {
			fx.fetcher.push(partial(a, b, c, blk("d", "2027-04-01", "2027-04-03")), nil)
			rep := fx.sync(t)
			assert.Equal(t, StatusPartial, rep.Status)
			assert.Equal(t, 1, rep.Added)
			want := "R10 r1001: more than 1000 recurring events in the feed (budget): only the first occurrence blocks"
			assert.Equal(t, want, rep.Partial)
			row := fx.feedRow(t)
			assert.Equal(t, StatusPartial, row.LastStatus)
			assert.Equal(t, want, row.PartialReason)
			assert.Empty(t, row.LastError)
			assert.Equal(t, 1.0, testutilCount(t, fx.metrics, "airbnb", StatusPartial))
		})
		t.Run("a 304 keeps the previous import's partial reason", func(t *testing.T) {
			fx.fetcher.push(sdkcal.FetchResponse{NotModified: true}, nil)
			rep := fx.sync(t)
			assert.Equal(t, StatusNotModified, rep.Status)
			assert.NotEmpty(t, rep.Partial)
			assert.NotEmpty(t, fx.feedRow(t).PartialReason)
		})
		t.Run("a block missing from a partial import is held, not freed", func(t *testing.T) {
			// One of four future blocks gone is a plain cancellation in a complete import;
			// in a partial one the budget may have left it out.
			fx.fetcher.push(partial(a, b, c), nil)
			rep := fx.sync(t)
			assert.Equal(t, StatusHeld, rep.Status)
			assert.Equal(t, 1, rep.Held)
			assert.Equal(t, 0, rep.Removed)
			assert.Contains(t, fx.stored(t), "d 2027-04-01/2027-04-03 "+BlockPendingRemoval)
			assert.NotEmpty(t, fx.feedRow(t).PartialReason)

			n, err := fx.syncer.ConfirmRemovals(context.Background(), fx.feed.ID, "staff:ana")
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assert.Equal(t, StatusPartial, fx.feedRow(t).LastStatus, "confirming the hold leaves the feed partial")
		})
		t.Run("a complete import clears it", func(t *testing.T) {
			fx.fetcher.push(feedOf(a, b, c), nil)
			rep := fx.sync(t)
			assert.Equal(t, StatusOK, rep.Status)
			assert.Empty(t, rep.Partial)
			assert.Empty(t, fx.feedRow(t).PartialReason)
		})
		t.Run("a partial flag without budget warnings still says partial", func(t *testing.T) {
			r := feedOf(a, b, c)
			r.Partial = true
			fx.fetcher.push(r, nil)
			assert.Equal(t, StatusPartial, fx.sync(t).Status)
			assert.Equal(t, "the calendar plugin cut the import short (budget)", fx.feedRow(t).PartialReason)
		})
	})
}

func TestPartialReasonIsBounded(t *testing.T) {
	ws := make([]sdkcal.Warning, 0, 40)
	for i := range 40 {
		ws = append(ws, sdkcal.Warning{Code: sdkcal.WarningBudget, Message: fmt.Sprintf("R10 ñandú-%d: RRULE expansion stopped after 20000 instances (budget)", i)})
	}
	got := partialReason(sdkcal.FetchResponse{Partial: true, Warnings: ws})
	assert.LessOrEqual(t, len(got), maxErrorLength+len("…"))
	assert.True(t, utf8.ValidString(got))
	assert.Empty(t, partialReason(sdkcal.FetchResponse{Warnings: ws}), "warnings alone do not make an import partial")
}

func TestSyncRaisesConflictsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newSyncFixture(t, db)
		ctx := context.Background()
		insert := func(code, in, out, status string, expires time.Time) {
			_, err := db.ExecContext(ctx, `INSERT INTO reservations
				(code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents, expires_at)
				VALUES (?, ?, ?, ?, 2, ?, 100, 30, ?)`, code, fx.unit, in, out, status, expires)
			require.NoError(t, err)
		}
		insert("RES-CONF", "2027-01-05", "2027-01-08", store.StatusConfirmed, syncNow.Add(time.Hour))
		insert("RES-HOLD", "2027-02-07", "2027-02-09", store.StatusPreReserved, syncNow.Add(time.Hour))
		insert("RES-GONE", "2027-03-01", "2027-03-03", store.StatusPreReserved, syncNow.Add(-time.Hour))
		insert("RES-TOUCH", "2027-01-14", "2027-01-16", store.StatusConfirmed, syncNow)

		feed := feedOf(blk("a", "2027-01-03", "2027-01-10"), blk("b", "2027-01-10", "2027-01-14"),
			blk("c", "2027-02-06", "2027-02-10"), blk("d", "2027-03-01", "2027-03-04"))
		fx.fetcher.push(feed, nil)
		rep := fx.sync(t)
		assert.Equal(t, 2, rep.Conflicts, "confirmed RES-CONF and active hold RES-HOLD; not the expired hold, not back-to-back RES-TOUCH")
		open, err := Conflicts(ctx, db.DB, fx.unit)
		require.NoError(t, err)
		require.Len(t, open, 2)
		assert.Contains(t, open[0].Detail, "RES-CONF")
		assert.Contains(t, open[1].Detail, "RES-HOLD")
		assert.Equal(t, 2, fx.events(t, EventConflictDetected))
		assert.Equal(t, 2.0, fx.metrics.ConflictsRaised("airbnb"))

		fx.fetcher.push(feed, nil)
		assert.Equal(t, 0, fx.sync(t).Conflicts)
		require.NoError(t, ResolveConflict(ctx, db, open[0].ID, "staff:ana", syncNow))
		fx.fetcher.push(feed, nil)
		assert.Equal(t, 0, fx.sync(t).Conflicts, "a resolved conflict is not raised again")
		assert.Equal(t, 2, fx.events(t, EventConflictDetected))
		assert.Equal(t, 2.0, fx.metrics.ConflictsRaised("airbnb"))
		open, err = Conflicts(ctx, db.DB, fx.unit)
		require.NoError(t, err)
		assert.Len(t, open, 1)
		require.ErrorIs(t, ResolveConflict(ctx, db, open[0].ID+100, "staff:ana", syncNow), ErrConflictNotFound)
	})
}

func TestFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		unit := testUnit(t, db, "lenga")
		feeds := NewFeeds(db.DB)
		f, err := feeds.Add(ctx, NewFeed{AccommodationID: unit, Platform: "Booking", URL: " https://admin.booking.com/hotel/ical.ics?t=1 ", Priority: 2, EndInclusive: true})
		require.NoError(t, err)
		assert.Equal(t, "booking", f.Platform)
		assert.True(t, f.Enabled)
		assert.True(t, f.EndInclusive)
		assert.Equal(t, StatusNever, f.LastStatus)

		cases := []struct {
			name string
			in   NewFeed
			want error
		}{
			{"duplicate url", NewFeed{AccommodationID: unit, Platform: "booking", URL: "https://admin.booking.com/hotel/ical.ics?t=1"}, ErrDuplicateFeed},
			{"unknown platform", NewFeed{AccommodationID: unit, Platform: "expedia", URL: "https://x.test/a.ics"}, ErrInvalidFeed},
			{"bad scheme", NewFeed{AccommodationID: unit, Platform: "generic", URL: "ftp://x.test/a.ics"}, ErrInvalidFeed},
			{"relative url", NewFeed{AccommodationID: unit, Platform: "generic", URL: "/a.ics"}, ErrInvalidFeed},
			{"unknown unit", NewFeed{AccommodationID: unit + 99, Platform: "generic", URL: "https://x.test/a.ics"}, ErrUnknownUnit},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := feeds.Add(ctx, tc.in)
				require.ErrorIs(t, err, tc.want)
			})
		}
		require.NoError(t, feeds.SetEnabled(ctx, f.ID, false))
		list, err := feeds.List(ctx, unit)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.False(t, list[0].Enabled)
		require.ErrorIs(t, feeds.SetEnabled(ctx, f.ID+50, true), ErrFeedNotFound)

		// A disabled feed is not synced.
		s, err := NewSyncer(db, &scriptedFetcher{}, SyncOptions{Logger: quietLog})
		require.NoError(t, err)
		rep, err := s.SyncUnit(ctx, unit)
		require.NoError(t, err)
		assert.Empty(t, rep.Feeds)
	})
}

// testutilCount is the syncs counter for one platform and status.
func testutilCount(t *testing.T, m *Metrics, platform, status string) float64 {
	t.Helper()
	c, err := m.syncs.GetMetricWithLabelValues(platform, status)
	require.NoError(t, err)
	return counterValue(c)
}
