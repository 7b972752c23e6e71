package settings_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	sdkcal "github.com/conserje/conserje/sdk/calendar"
)

// portal answers the calendar plugin's fetches with the blocks it lists now, or an error,
// and counts the fetches.
type portal struct {
	mu      sync.Mutex
	blocks  []sdkcal.Block
	err     error
	fetches int
}

func (p *portal) Fetch(context.Context, sdkcal.FetchRequest) (sdkcal.FetchResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches++
	return sdkcal.FetchResponse{Blocks: p.blocks}, p.err
}

func (p *portal) list(err error, blocks ...sdkcal.Block) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocks, p.err = blocks, err
}

func (p *portal) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

func booked(uid, start, end string) sdkcal.Block {
	return sdkcal.Block{UID: uid, Start: start, End: end, Kind: sdkcal.KindReservation, Summary: "Reserved"}
}

// everyRun is the periodic runner as RegisterSyncJob sees it: the test runs the job.
type everyRun struct{ fn func(context.Context) error }

func (e *everyRun) Every(_ string, _ time.Duration, fn func(context.Context) error) error {
	e.fn = fn
	return nil
}

// TestPausedFeeds: a paused feed is skipped by the sync job while the nights it blocked
// stay blocked; resuming reads it at once; both are audited once; a failed read after
// resuming is recorded on the feed, not returned.
func TestPausedFeeds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
		p := &portal{}
		syncer, err := calendar.NewSyncer(db, p, calendar.SyncOptions{Now: func() time.Time { return clock }})
		require.NoError(t, err)
		s := settings.New(db, settings.Options{Feeds: syncer, Now: func() time.Time { return clock }})
		_, err = s.SaveProperty(ctx, "staff:ana", settings.Property{Name: "P", CheckInTime: "14:00", CheckOutTime: "10:00"})
		require.NoError(t, err)
		u, err := s.CreateUnit(ctx, "staff:ana", settings.Unit{Name: "Lago", Type: "cabaña", Capacity: 4, BasePriceCents: 100})
		require.NoError(t, err)
		feed, err := s.AddFeed(ctx, "staff:ana", calendar.NewFeed{AccommodationID: u.ID, Platform: "airbnb", URL: "https://www.airbnb.com/calendar/ical/1.ics?s=abc"})
		require.NoError(t, err)
		job := &everyRun{}
		require.NoError(t, calendar.RegisterSyncJob(job, syncer, 0))
		blocks := func(t *testing.T) []string {
			t.Helper()
			var rows []store.ImportedBlock
			require.NoError(t, db.NewSelect().Model(&rows).Where("feed_id = ?", feed.ID).Order("uid").Scan(ctx))
			var out []string
			for _, b := range rows {
				out = append(out, fmt.Sprintf("%s %s/%s %s", b.UID, b.StartDate, b.EndDate, b.Status))
			}
			return out
		}
		audited := func(t *testing.T) []string {
			t.Helper()
			var rows []settings.AuditEntry
			require.NoError(t, db.NewSelect().Model(&rows).Where("entity = 'calendar_feed' AND action IN ('pause', 'resume')").Order("id").Scan(ctx))
			var out []string
			for _, a := range rows {
				var ch map[string]settings.Change
				require.NoError(t, json.Unmarshal(a.Changes, &ch))
				out = append(out, fmt.Sprintf("%s %s %s paused %v→%v", a.Actor, a.Action, a.EntityID, ch["paused"].From, ch["paused"].To))
			}
			return out
		}

		p.list(nil, booked("a", "2027-01-03", "2027-01-10"), booked("b", "2027-02-01", "2027-02-05"))
		require.NoError(t, job.fn(ctx))
		require.Equal(t, 1, p.count())
		read := []string{"a 2027-01-03/2027-01-10 active", "b 2027-02-01/2027-02-05 active"}
		require.Equal(t, read, blocks(t))

		t.Run("pausing stops the job, keeps the blocks", func(t *testing.T) {
			got, err := s.SetFeedPaused(ctx, "staff:ana", feed.ID, true)
			require.NoError(t, err)
			assert.False(t, got.Enabled)
			require.NotNil(t, got.LastSuccessAt, "the last read is kept to say where the blocks come from")
			p.list(nil) // the portal now lists nothing: read, it would free the nights
			clock = clock.Add(3 * time.Hour)
			require.NoError(t, job.fn(ctx))
			assert.Equal(t, 1, p.count(), "the job did not read the paused feed")
			assert.Equal(t, read, blocks(t), "its blocks stay as last read")
		})
		t.Run("pausing a paused feed changes nothing", func(t *testing.T) {
			_, err := s.SetFeedPaused(ctx, "staff:ana", feed.ID, true)
			require.NoError(t, err)
			assert.Equal(t, []string{fmt.Sprintf("staff:ana pause %d paused false→true", feed.ID)}, audited(t))
		})
		t.Run("resuming reads at once", func(t *testing.T) {
			p.list(nil, booked("a", "2027-01-03", "2027-01-10"), booked("c", "2027-03-01", "2027-03-04"))
			got, err := s.SetFeedPaused(ctx, "api", feed.ID, false)
			require.NoError(t, err)
			assert.True(t, got.Enabled)
			assert.Equal(t, 2, p.count(), "read once, without waiting for the job")
			require.NotNil(t, got.LastSuccessAt)
			assert.Equal(t, clock, got.LastSuccessAt.UTC())
			assert.Equal(t, []string{"a 2027-01-03/2027-01-10 active", "c 2027-03-01/2027-03-04 active"}, blocks(t))
			require.NoError(t, job.fn(ctx))
			assert.Equal(t, 3, p.count(), "and the job reads it again")
			assert.Equal(t, []string{
				fmt.Sprintf("staff:ana pause %d paused false→true", feed.ID),
				fmt.Sprintf("api resume %d paused true→false", feed.ID),
			}, audited(t))
		})
		t.Run("a failed read after resuming is recorded on the feed", func(t *testing.T) {
			_, err := s.SetFeedPaused(ctx, "api", feed.ID, true)
			require.NoError(t, err)
			p.list(errors.New("portal down"))
			got, err := s.SetFeedPaused(ctx, "api", feed.ID, false)
			require.NoError(t, err)
			assert.True(t, got.Enabled, "resumed all the same: the job retries")
			assert.Equal(t, calendar.StatusError, got.LastStatus)
			assert.Contains(t, got.LastError, "portal down")
			assert.Len(t, blocks(t), 2, "a failed read keeps the previous import")
		})
		t.Run("an unknown feed", func(t *testing.T) {
			_, err := s.SetFeedPaused(ctx, "api", feed.ID+100, true)
			require.ErrorIs(t, err, settings.ErrNotFound)
		})
	})
}
