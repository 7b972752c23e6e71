package admin

import (
	"sync"
	"time"
)

// reportCacheTTL is how long a computed report is shown again before it is read anew
// (the page says "datos de hace menos de un minuto").
const reportCacheTTL = time.Minute

// reportKey is what a report is computed for: the year of the occupancy and revenue
// tables and the days of the bot's figures.
type reportKey struct{ year, days int }

// reportCache keeps the reports computed in this replica for reportCacheTTL, so staff
// going back and forth between years do not recompute them; staff confirming, cancelling
// or editing a booking here forget them at once (other replicas within the minute).
type reportCache struct {
	mu      sync.Mutex
	entries map[reportKey]reportEntry
}

type reportEntry struct {
	at   time.Time
	page reportPage
}

// get is the report computed for key less than reportCacheTTL before now, if any.
func (rc *reportCache) get(key reportKey, now time.Time) (reportPage, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok || now.Sub(e.at) >= reportCacheTTL || now.Before(e.at) {
		return reportPage{}, false
	}
	return e.page, true
}

// put keeps p as the report for key computed at now, dropping the entries that expired.
func (rc *reportCache) put(key reportKey, p reportPage, now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil {
		rc.entries = map[reportKey]reportEntry{}
	}
	for k, e := range rc.entries {
		if now.Sub(e.at) >= reportCacheTTL {
			delete(rc.entries, k)
		}
	}
	rc.entries[key] = reportEntry{at: now, page: p}
}

// forget drops every cached report: a booking changed.
func (rc *reportCache) forget() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	clear(rc.entries)
}
