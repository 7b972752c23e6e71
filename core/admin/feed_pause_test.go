package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// readingCalendar is the calendar import as the admin and the settings see it: reading a
// feed records a good read of three blocks on it.
type readingCalendar struct {
	db   *store.DB
	now  time.Time
	mu   sync.Mutex
	read []int64
}

func (r *readingCalendar) ConfirmRemovals(context.Context, int64, string) (int, error) { return 0, nil }

func (r *readingCalendar) SyncFeed(ctx context.Context, id int64) (calendar.FeedReport, error) {
	r.mu.Lock()
	r.read = append(r.read, id)
	r.mu.Unlock()
	_, err := r.db.NewUpdate().Model((*store.CalendarFeed)(nil)).Set("last_success_at = ?", r.now).Set("last_attempt_at = ?", r.now).
		Set("last_status = 'ok'").Set("event_count = 3").Where("id = ?", id).Exec(ctx)
	return calendar.FeedReport{FeedID: id, Status: calendar.StatusOK, Events: 3}, err
}

func (r *readingCalendar) reads() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.read...)
}

// TestPauseAndResumeAFeed: an admin pauses a portal's feed from the settings: it is shown
// as paused with the date its blocks come from, leaves the home page's list of feeds in
// trouble although it is stale, and is audited; resuming reads it at once.
func TestPauseAndResumeAFeed(t *testing.T) {
	t.Parallel()
	var cal *readingCalendar
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) {
		cal = &readingCalendar{db: o.DB, now: envNow}
		o.Calendar = cal
		o.Settings = settings.New(o.DB, settings.Options{Feeds: cal, Now: o.Now})
	})
	ctx := context.Background()
	var unitID, airbnb, booking int64
	require.NoError(t, e.db.NewRaw(`SELECT id FROM accommodations ORDER BY id LIMIT 1`).Scan(ctx, &unitID))
	stale := envNow.Add(-3 * time.Hour)
	require.NoError(t, e.db.NewRaw(`INSERT INTO calendar_feeds (accommodation_id, platform, url, last_status, last_success_at, event_count)
		VALUES (?, 'airbnb', 'https://example.com/a.ics', 'ok', ?, 2) RETURNING id`, unitID, stale).Scan(ctx, &airbnb))
	require.NoError(t, e.db.NewRaw(`INSERT INTO calendar_feeds (accommodation_id, platform, url, last_status, last_success_at)
		VALUES (?, 'booking', 'https://example.com/b.ics', 'ok', ?) RETURNING id`, unitID, stale).Scan(ctx, &booking))

	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	problems := func() string {
		_, page := adm.do(http.MethodGet, "/admin/", nil)
		_, section, _ := strings.Cut(page, "Calendarios con problemas")
		return section
	}
	require.Contains(t, problems(), "· airbnb</a>", "a stale feed is a problem")

	for _, tc := range []struct {
		name   string
		path   string
		status int
	}{
		{"pause an unknown feed", "/admin/settings/feeds/9999/pause", http.StatusNotFound},
		{"resume an unknown feed", "/admin/settings/feeds/9999/resume", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := adm.do(http.MethodPost, tc.path, withCSRF(csrf))
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}

	resp, _ := adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/feeds/%d/pause", airbnb), withCSRF(csrf))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page := adm.do(http.MethodGet, resp.Header.Get("Location"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Calendario pausado")
	assert.Contains(t, page, "pausado, bloqueos del 28/11 07:00", "the blocks shown are the last read's (10:00 UTC)")
	assert.Contains(t, page, fmt.Sprintf(`action="/admin/settings/feeds/%d/resume"`, airbnb))
	assert.NotContains(t, page, fmt.Sprintf(`action="/admin/settings/feeds/%d/test"`, airbnb), "a paused feed is not read")
	assert.Contains(t, page, fmt.Sprintf(`action="/admin/settings/feeds/%d/pause"`, booking))
	assert.NotContains(t, problems(), "· airbnb</a>", "a paused feed raises no stale-feed warning")
	assert.Contains(t, problems(), "· booking</a>", "the other stale feed still does")
	_, page = adm.do(http.MethodGet, "/admin/calendar", nil)
	assert.Contains(t, page, "pausado, bloqueos del 28/11 07:00")
	assert.Empty(t, cal.reads())

	resp, _ = adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/feeds/%d/resume", airbnb), withCSRF(csrf))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []int64{airbnb}, cal.reads(), "resuming reads it at once")
	_, page = adm.do(http.MethodGet, resp.Header.Get("Location"), nil)
	assert.Contains(t, page, "Calendario reanudado y leído: 3 bloqueos")
	assert.NotContains(t, page, "pausado, bloqueos")

	var audit []settings.AuditEntry
	require.NoError(t, e.db.NewSelect().Model(&audit).Where("entity = 'calendar_feed'").Order("id").Scan(ctx))
	var got []string
	for _, a := range audit {
		got = append(got, a.Actor+" "+a.Action+" "+a.EntityID)
	}
	assert.Equal(t, []string{fmt.Sprintf("staff:admin pause %d", airbnb), fmt.Sprintf("staff:admin resume %d", airbnb)}, got)
}
