package calendar

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/sdk/plugin"
)

// These tests run the real ical plugin binary under the real plugin host.

const samplesDir = "../../plugins/ical/icsnorm/testdata/samples"

var (
	buildOnce  sync.Once
	builtPath  string
	buildError error
)

// icalPlugin builds plugins/ical once per test binary.
func icalPlugin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "calendar-ical-plugin-")
		if err != nil {
			buildError = err
			return
		}
		builtPath = filepath.Join(dir, "ical")
		out, err := exec.Command("go", "build", "-o", builtPath, "../../plugins/ical").CombinedOutput()
		if err != nil {
			buildError = fmt.Errorf("build ical plugin: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildError)
	return builtPath
}

func startHost(t testing.TB) (*pluginhost.Host, FeedFetcher) {
	t.Helper()
	h, err := pluginhost.New([]pluginhost.Spec{{Name: "ical", Kind: plugin.KindCalendar, Path: icalPlugin(t), CallTimeout: 30 * time.Second}},
		pluginhost.Options{Logger: quietLog, BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, h.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Stop(ctx)
	})
	src, err := h.Calendar("ical")
	require.NoError(t, err)
	return h, src
}

func pluginState(h *pluginhost.Host) pluginhost.PluginStatus { return h.Status()[0] }

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSyncSurvivesPluginKill9(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("kill -9 is POSIX")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, fetcher := startHost(t)
		airbnb, err := os.ReadFile(filepath.Join(samplesDir, "airbnb_reserved_and_blocked.ics"))
		require.NoError(t, err)
		booking, err := os.ReadFile(filepath.Join(samplesDir, "booking_com.ics"))
		require.NoError(t, err)

		var (
			body    atomic.Pointer[[]byte]
			hang    atomic.Bool
			arrived = make(chan struct{}, 1)
			release = make(chan struct{})
		)
		body.Store(&airbnb)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() {
				arrived <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			_, _ = w.Write(*body.Load())
		}))
		t.Cleanup(srv.Close)

		unit := testUnit(t, db, fmt.Sprintf("crash-%d", fixtureSeq.Add(1)))
		feed, err := NewFeeds(db.DB).Add(context.Background(), NewFeed{AccommodationID: unit, Platform: "airbnb", URL: srv.URL + "/cal.ics"})
		require.NoError(t, err)
		syncer, err := NewSyncer(db, fetcher, SyncOptions{Logger: quietLog, Now: func() time.Time { return syncNow }})
		require.NoError(t, err)
		fx := &syncFixture{db: db, unit: unit, feed: feed, syncer: syncer}

		fx.sync(t)
		before := fx.stored(t)
		require.Len(t, before, 5)

		// The feed changes, and the plugin dies in the middle of fetching it.
		body.Store(&booking)
		hang.Store(true)
		type result struct {
			rep FeedReport
			err error
		}
		done := make(chan result, 1)
		go func() {
			rep, err := syncer.SyncFeed(context.Background(), feed.ID)
			done <- result{rep, err}
		}()
		<-arrived
		firstPID := pluginState(h).PID
		require.NotZero(t, firstPID)
		require.NoError(t, syscall.Kill(firstPID, syscall.SIGKILL))
		res := <-done
		require.NoError(t, res.err, "a dead plugin is the feed's failure, not the sync's")
		assert.Equal(t, StatusError, res.rep.Status)
		assert.Equal(t, before, fx.stored(t), "nothing imported is lost")
		assert.Equal(t, StatusError, fx.feedRow(t).LastStatus)
		assert.NotEmpty(t, fx.feedRow(t).LastError)

		hang.Store(false)
		close(release)
		waitUntil(t, "the host to restart the plugin", func() bool {
			st := pluginState(h)
			return st.State == pluginhost.StateUp && st.PID != 0 && st.PID != firstPID
		})
		assert.GreaterOrEqual(t, pluginState(h).Restarts, 1)

		rep := fx.sync(t)
		assert.Equal(t, StatusHeld, rep.Status, "every airbnb stay left at once: a mass removal, held (R12)")
		assert.Equal(t, 4, rep.Added)
		assert.Equal(t, 5, rep.Held)
		rep = fx.sync(t)
		assert.Equal(t, 0, rep.Added, "a second sync imports nothing twice")

		var total, distinct int
		require.NoError(t, db.NewRaw(`SELECT COUNT(*), COUNT(DISTINCT uid) FROM imported_blocks WHERE feed_id = ?`, feed.ID).Scan(context.Background(), &total, &distinct))
		assert.Equal(t, total, distinct, "no duplicated block")
		var active int
		require.NoError(t, db.NewRaw(`SELECT COUNT(*) FROM imported_blocks WHERE feed_id = ? AND status = ?`, feed.ID, BlockActive).Scan(context.Background(), &active))
		assert.Equal(t, 4, active, "the four Booking.com blocks")
		assert.Equal(t, 9, total, "plus the five held airbnb stays")
	})
}

func TestSyncPartialThroughPlugin(t *testing.T) {
	db := storetest.SQLite(t)
	_, fetcher := startHost(t)
	var body strings.Builder
	body.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := range 1001 { // one recurring event more than the reader expands
		fmt.Fprintf(&body, "BEGIN:VEVENT\r\nUID:r%04d\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n", i)
	}
	body.WriteString("END:VCALENDAR\r\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body.String())) }))
	t.Cleanup(srv.Close)

	unit := testUnit(t, db, fmt.Sprintf("partial-%d", fixtureSeq.Add(1)))
	feed, err := NewFeeds(db.DB).Add(context.Background(), NewFeed{AccommodationID: unit, Platform: "generic", URL: srv.URL + "/many.ics"})
	require.NoError(t, err)
	syncer, err := NewSyncer(db, fetcher, SyncOptions{Logger: quietLog, Now: func() time.Time { return syncNow }})
	require.NoError(t, err)
	fx := &syncFixture{db: db, unit: unit, feed: feed, syncer: syncer}

	rep := fx.sync(t)
	assert.Equal(t, StatusPartial, rep.Status)
	assert.Equal(t, 1000*2+1, rep.Added, "1,000 series of two instances, and the first occurrence of the last one")
	row := fx.feedRow(t)
	assert.Equal(t, StatusPartial, row.LastStatus)
	assert.Contains(t, row.PartialReason, "more than 1000 recurring events in the feed (budget)")
}

// BenchmarkSyncLargeFeed is the 5,000-event sample through the real plugin (HTTP fetch,
// normalization, gRPC), the diff and the store on SQLite. "first import" inserts every
// block into an empty feed; "resync" fetches and diffs the same body again.
func BenchmarkSyncLargeFeed(b *testing.B) {
	large, err := os.ReadFile(filepath.Join(samplesDir, "large_feed_5000.ics"))
	require.NoError(b, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(large) }))
	b.Cleanup(srv.Close)
	db := storetest.SQLite(b)
	_, fetcher := startHost(b)
	unit := testUnit(b, db, "bench")
	syncer, err := NewSyncer(db, fetcher, SyncOptions{Logger: quietLog})
	require.NoError(b, err)
	feeds := NewFeeds(db.DB)
	ctx := context.Background()

	b.Run("first import", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			feed, err := feeds.Add(ctx, NewFeed{AccommodationID: unit, Platform: "airbnb", URL: fmt.Sprintf("%s/%d.ics", srv.URL, i)})
			require.NoError(b, err)
			b.StartTimer()
			rep, err := syncer.SyncFeed(ctx, feed.ID)
			require.NoError(b, err)
			require.Equal(b, 5000, rep.Added)
			b.StopTimer()
			require.NoError(b, feeds.SetEnabled(ctx, feed.ID, false))
			b.StartTimer()
		}
	})
	b.Run("resync", func(b *testing.B) {
		feed, err := feeds.Add(ctx, NewFeed{AccommodationID: unit, Platform: "airbnb", URL: srv.URL + "/resync.ics"})
		require.NoError(b, err)
		_, err = syncer.SyncFeed(ctx, feed.ID)
		require.NoError(b, err)
		for b.Loop() {
			rep, err := syncer.SyncFeed(ctx, feed.ID)
			require.NoError(b, err)
			require.Equal(b, 0, rep.Added)
		}
	})
}
