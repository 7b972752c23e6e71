package calendar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	sdkcal "github.com/conserje/conserje/sdk/calendar"
)

// FeedFetcher is what the Syncer needs of the calendar plugin; the plugin host's calendar
// client satisfies it.
type FeedFetcher interface {
	Fetch(ctx context.Context, req sdkcal.FetchRequest) (sdkcal.FetchResponse, error)
}

// Feed statuses written to calendar_feeds.last_status.
const (
	StatusNever       = "never"        // not fetched yet
	StatusOK          = "ok"           // fetched and applied
	StatusNotModified = "not_modified" // the portal answered 304
	StatusHeld        = "held"         // applied, but a mass removal is held for confirmation (R12)
	StatusPartial     = "partial"      // applied, but a budget of the reader cut it short: nights may be missing
	StatusRejected    = "rejected"     // the body or answer was refused; previous import kept (R11)
	StatusError       = "error"        // the plugin could not be reached or failed
)

// imported_blocks.status values.
const (
	BlockActive         = "active"
	BlockPendingRemoval = "pending_removal" // gone from the feed, kept until confirmed (R12)
)

// Domain events of the import (aggregate calendar_feed, id = feed id).
const (
	AggregateFeed               = "calendar_feed"
	EventFeedSynced             = "calendar_feed_synced"
	EventRemovalsHeld           = "calendar_removals_held"
	EventRemovalsConfirmed      = "calendar_removals_confirmed"
	DefaultEmptyConfirmations   = 3
	DefaultSyncInterval         = 15 * time.Minute
	insertBatch                 = 200 // rows per INSERT: 12 columns stay under SQLite's variable limit
	massRemovalMinimum          = 2   // vanished future blocks that can make a "mass" removal
	defaultSyncTimezone         = "America/Argentina/Buenos_Aires"
	maxErrorLength              = 500
	feedSyncedEventMinimumDelta = 1
)

// SyncOptions tune a Syncer.
type SyncOptions struct {
	// FetchTimeout and MaxFeedBytes are passed to the plugin (0: its defaults).
	FetchTimeout time.Duration
	MaxFeedBytes int64
	// EmptyConfirmations is how many consecutive fetches must agree before a mass removal
	// (an empty feed, or most future blocks gone at once) frees the nights (R12). 0 means 3.
	EmptyConfirmations int
	// Metrics receives the import counters; nil keeps them unregistered.
	Metrics *Metrics
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Syncer imports the feeds of calendar_feeds into imported_blocks.
type Syncer struct {
	db      *store.DB
	fetcher FeedFetcher
	opts    SyncOptions
	log     *slog.Logger
	metrics *Metrics
}

// NewSyncer returns a Syncer writing to db and fetching through fetcher.
func NewSyncer(db *store.DB, fetcher FeedFetcher, opts SyncOptions) (*Syncer, error) {
	if db == nil || fetcher == nil {
		return nil, errors.New("calendar syncer: db and fetcher are required")
	}
	if opts.EmptyConfirmations <= 0 {
		opts.EmptyConfirmations = DefaultEmptyConfirmations
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	m := opts.Metrics
	if m == nil {
		m = newMetrics()
	}
	return &Syncer{db: db, fetcher: fetcher, opts: opts, log: log.With("component", "calendar_sync"), metrics: m}, nil
}

// FeedReport is the outcome of one feed's sync.
type FeedReport struct {
	FeedID          int64
	AccommodationID int64
	Platform        string
	Status          string
	// Events is how many blocks the feed holds now (unchanged on failure).
	Events    int
	Added     int
	Moved     int // dates changed
	Updated   int // other fields changed, or a held block came back
	Removed   int
	Held      int // future blocks kept as pending_removal (R12)
	Conflicts int // new conflicts raised
	Warnings  int
	// Partial says why the import was cut short by a budget of the reader ("" when it
	// was complete); on a 304 it is the previous import's.
	Partial  string
	Duration time.Duration
	// Err is the fetch problem for StatusRejected and StatusError.
	Err error
}

// Report is the outcome of a sync run.
type Report struct {
	Feeds []FeedReport
}

// Failed counts the feeds whose fetch was rejected or failed.
func (r Report) Failed() int {
	n := 0
	for _, f := range r.Feeds {
		if f.Status == StatusRejected || f.Status == StatusError {
			n++
		}
	}
	return n
}

// SyncAll syncs every enabled feed. A feed's failure is recorded on it and in the report;
// the error is for the database failing.
func (s *Syncer) SyncAll(ctx context.Context) (Report, error) { return s.SyncUnit(ctx, 0) }

// SyncUnit syncs the enabled feeds of one unit (every unit when unitID is 0).
func (s *Syncer) SyncUnit(ctx context.Context, unitID int64) (Report, error) {
	var feeds []store.CalendarFeed
	q := s.db.NewSelect().Model(&feeds).Where("enabled = ?", true).Order("accommodation_id", "priority DESC", "id")
	if unitID != 0 {
		q = q.Where("accommodation_id = ?", unitID)
	}
	if err := q.Scan(ctx); err != nil {
		return Report{}, fmt.Errorf("calendar sync: list feeds: %w", err)
	}
	var rep Report
	for _, feed := range feeds {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		fr, err := s.syncFeed(ctx, feed)
		if err != nil {
			return rep, err
		}
		rep.Feeds = append(rep.Feeds, fr)
	}
	return rep, nil
}

// SyncFeed syncs one feed, enabled or not.
func (s *Syncer) SyncFeed(ctx context.Context, feedID int64) (FeedReport, error) {
	feed, err := NewFeeds(s.db.DB).Get(ctx, feedID)
	if err != nil {
		return FeedReport{}, err
	}
	return s.syncFeed(ctx, feed)
}

func (s *Syncer) syncFeed(ctx context.Context, feed store.CalendarFeed) (FeedReport, error) {
	rep := FeedReport{FeedID: feed.ID, AccommodationID: feed.AccommodationID, Platform: feed.Platform, Events: feed.EventCount}
	tz, err := s.unitTimezone(ctx, feed.AccommodationID)
	if err != nil {
		return rep, err
	}
	started := s.opts.Now()
	resp, fetchErr := s.fetcher.Fetch(ctx, sdkcal.FetchRequest{
		Options: sdkcal.Options{
			FeedID:       strconv.FormatInt(feed.ID, 10),
			Platform:     sdkcal.Platform(feed.Platform),
			EndInclusive: feed.EndInclusive,
			Timezone:     tz.String(),
			Now:          started,
		},
		URL:          feed.URL,
		ETag:         feed.ETag,
		LastModified: feed.LastModified,
		MaxBytes:     s.opts.MaxFeedBytes,
		Timeout:      s.opts.FetchTimeout,
	})
	rep.Duration = s.opts.Now().Sub(started)
	today := store.DateOf(started.In(tz))

	if fetchErr != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err() // shutting down: not the feed's fault
		}
		rep.Status, rep.Err = StatusError, fetchErr
		if errors.Is(fetchErr, sdkcal.ErrRejected) {
			rep.Status = StatusRejected
		}
		if err := s.recordFailure(ctx, feed, started, rep); err != nil {
			return rep, err
		}
		s.observe(rep)
		s.log.WarnContext(ctx, "calendar feed not imported; previous import kept",
			"feed", feed.ID, "unit", feed.AccommodationID, "platform", feed.Platform, "status", rep.Status, "err", fetchErr)
		return rep, nil
	}
	rep.Warnings = len(resp.Warnings)
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.apply(ctx, tx, feed, resp, started, today, &rep)
	})
	if err != nil {
		return rep, fmt.Errorf("calendar sync: feed %d: %w", feed.ID, err)
	}
	s.observe(rep)
	s.log.InfoContext(ctx, "calendar feed synced", "feed", feed.ID, "unit", feed.AccommodationID, "platform", feed.Platform,
		"status", rep.Status, "events", rep.Events, "added", rep.Added, "moved", rep.Moved, "removed", rep.Removed,
		"held", rep.Held, "conflicts", rep.Conflicts, "warnings", rep.Warnings, "duration_ms", rep.Duration.Milliseconds())
	return rep, nil
}

func (s *Syncer) inTx(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	return s.db.RunInTx(ctx, nil, fn)
}

func (s *Syncer) unitTimezone(ctx context.Context, unitID int64) (*time.Location, error) {
	var name string
	err := s.db.NewSelect().Table("properties").Column("properties.timezone").
		Join("JOIN accommodations ON accommodations.property_id = properties.id").
		Where("accommodations.id = ?", unitID).Scan(ctx, &name)
	if err != nil {
		return nil, fmt.Errorf("calendar sync: time zone of unit %d: %w", unitID, err)
	}
	if name == "" {
		name = defaultSyncTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("calendar sync: unit %d: time zone %q: %w", unitID, name, err)
	}
	return loc, nil
}

// recordFailure keeps every imported block and notes the attempt (R11).
func (s *Syncer) recordFailure(ctx context.Context, feed store.CalendarFeed, at time.Time, rep FeedReport) error {
	msg := rep.Err.Error()
	if len(msg) > maxErrorLength {
		msg = msg[:maxErrorLength]
	}
	_, err := s.db.NewUpdate().Model((*store.CalendarFeed)(nil)).
		Set("last_attempt_at = ?", at.UTC()).
		Set("last_duration_ms = ?", durationMS(rep.Duration)).
		Set("last_status = ?", rep.Status).
		Set("last_error = ?", msg).
		Set("updated_at = ?", at.UTC()).
		Where("id = ?", feed.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("calendar sync: record failure of feed %d: %w", feed.ID, err)
	}
	return nil
}

func durationMS(d time.Duration) int {
	if d < 0 {
		return 0
	}
	return int(d.Milliseconds())
}

// existingBlock is what the diff needs of a stored block.
type existingBlock struct {
	ID              int64      `bun:"id"`
	UID             string     `bun:"uid"`
	StartDate       store.Date `bun:"start_date"`
	EndDate         store.Date `bun:"end_date"`
	Kind            string     `bun:"kind"`
	Tentative       bool       `bun:"tentative"`
	Summary         string     `bun:"summary"`
	ReservationCode string     `bun:"reservation_code"`
	Status          string     `bun:"status"`
}

// apply stores one successful fetch: the diff against the stored blocks, the R12 hold,
// the feed's status and the conflicts, in the caller's transaction.
func (s *Syncer) apply(ctx context.Context, tx bun.Tx, feed store.CalendarFeed, resp sdkcal.FetchResponse, at time.Time, today store.Date, rep *FeedReport) error {
	var stored []existingBlock
	if err := tx.NewSelect().Table("imported_blocks").
		Column("id", "uid", "start_date", "end_date", "kind", "tentative", "summary", "reservation_code", "status").
		Where("feed_id = ?", feed.ID).Scan(ctx, &stored); err != nil {
		return fmt.Errorf("load imported blocks: %w", err)
	}
	existing := make(map[string]existingBlock, len(stored))
	for _, b := range stored {
		existing[b.UID] = b
	}

	streak := feed.EmptyStreak
	var pendingIDs []int64 // vanished future blocks: candidates for the hold
	var removeIDs []int64
	rep.Partial = feed.PartialReason
	if resp.NotModified {
		// The portal repeats its previous answer: whatever was held stays missing.
		rep.Status = StatusNotModified
		for _, b := range stored {
			if b.Status == BlockPendingRemoval {
				pendingIDs = append(pendingIDs, b.ID)
			}
		}
		rep.Events = feed.EventCount
		if len(pendingIDs) > 0 {
			streak++
		}
	} else {
		rep.Status = StatusOK
		rep.Partial = partialReason(resp)
		if rep.Partial != "" {
			rep.Status = StatusPartial
		}
		incoming := make(map[string]store.ImportedBlock, len(resp.Blocks))
		var order []string
		for _, b := range resp.Blocks {
			row, err := toImported(feed, b, at)
			if err != nil {
				rep.Warnings++
				s.log.WarnContext(ctx, "calendar block skipped", "feed", feed.ID, "err", err)
				continue
			}
			if _, dup := incoming[row.UID]; !dup {
				order = append(order, row.UID)
			}
			incoming[row.UID] = row
		}
		rep.Events = len(incoming)

		var inserts []store.ImportedBlock
		for _, uid := range order {
			row := incoming[uid]
			old, ok := existing[uid]
			if !ok {
				inserts = append(inserts, row)
				continue
			}
			moved := old.StartDate.String() != row.StartDate.String() || old.EndDate.String() != row.EndDate.String()
			changed := moved || old.Kind != row.Kind || old.Tentative != row.Tentative ||
				old.Summary != row.Summary || old.ReservationCode != row.ReservationCode || old.Status != BlockActive
			if !changed {
				continue
			}
			if _, err := tx.NewUpdate().Table("imported_blocks").
				Set("start_date = ?", row.StartDate).Set("end_date = ?", row.EndDate).
				Set("kind = ?", row.Kind).Set("tentative = ?", row.Tentative).
				Set("summary = ?", row.Summary).Set("reservation_code = ?", row.ReservationCode).
				Set("status = ?", BlockActive).
				Where("id = ?", old.ID).Exec(ctx); err != nil {
				return fmt.Errorf("update block %s: %w", uid, err)
			}
			if moved {
				rep.Moved++
			} else {
				rep.Updated++
			}
		}
		for start := 0; start < len(inserts); start += insertBatch {
			batch := inserts[start:min(start+insertBatch, len(inserts))]
			if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
				return fmt.Errorf("insert %d blocks: %w", len(batch), err)
			}
		}
		rep.Added = len(inserts)

		// Vanished blocks: past ones go at once (portals drop past stays from their
		// feeds); future ones may be a mass removal to hold (R12).
		futureBefore, futureNow := 0, 0
		for _, b := range stored {
			if b.EndDate.After(today) {
				futureBefore++
			}
		}
		for _, row := range incoming {
			if row.EndDate.After(today) {
				futureNow++
			}
		}
		for _, b := range stored {
			if _, ok := incoming[b.UID]; ok {
				continue
			}
			if b.EndDate.After(today) {
				pendingIDs = append(pendingIDs, b.ID)
			} else {
				removeIDs = append(removeIDs, b.ID)
			}
		}
		// A partial import proves no cancellation: what a budget left out this time
		// is held like a mass removal.
		massRemoval := len(pendingIDs) > 0 && (resp.Partial || futureBefore > 0 &&
			(futureNow == 0 || (len(pendingIDs) >= massRemovalMinimum && 2*len(pendingIDs) > futureBefore)))
		if massRemoval {
			streak++
		} else {
			removeIDs = append(removeIDs, pendingIDs...)
			pendingIDs = nil
			streak = 0
		}
	}

	// R12: held removals are applied once enough consecutive fetches agree.
	confirmed := false
	if len(pendingIDs) > 0 && streak >= s.opts.EmptyConfirmations {
		removeIDs = append(removeIDs, pendingIDs...)
		confirmed = true
		pendingIDs = nil
		streak = 0
	}
	if len(pendingIDs) > 0 {
		if _, err := tx.NewUpdate().Table("imported_blocks").Set("status = ?", BlockPendingRemoval).
			Where("id IN (?)", bun.List(pendingIDs)).Where("status <> ?", BlockPendingRemoval).Exec(ctx); err != nil {
			return fmt.Errorf("hold %d removals: %w", len(pendingIDs), err)
		}
		rep.Held = len(pendingIDs)
		rep.Status = StatusHeld
	}
	for start := 0; start < len(removeIDs); start += 500 {
		ids := removeIDs[start:min(start+500, len(removeIDs))]
		if _, err := tx.NewDelete().Table("imported_blocks").Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return fmt.Errorf("remove %d blocks: %w", len(ids), err)
		}
	}
	rep.Removed = len(removeIDs)
	if _, err := tx.NewUpdate().Table("imported_blocks").Set("last_seen_at = ?", at.UTC()).
		Where("feed_id = ? AND status = ?", feed.ID, BlockActive).Exec(ctx); err != nil {
		return fmt.Errorf("touch blocks: %w", err)
	}

	etag, lastModified := resp.ETag, resp.LastModified
	if resp.NotModified {
		etag, lastModified = firstNonEmpty(etag, feed.ETag), firstNonEmpty(lastModified, feed.LastModified)
	}
	if rep.Status == StatusHeld {
		// Fetch the whole body next time: a 304 must not stand in for the confirmation.
		etag, lastModified = "", ""
	}
	if _, err := tx.NewUpdate().Model((*store.CalendarFeed)(nil)).
		Set("etag = ?", etag).Set("last_modified = ?", lastModified).
		Set("last_attempt_at = ?", at.UTC()).Set("last_success_at = ?", at.UTC()).
		Set("last_duration_ms = ?", durationMS(rep.Duration)).
		Set("last_status = ?", rep.Status).Set("last_error = ?", "").
		Set("partial_reason = ?", rep.Partial).
		Set("event_count = ?", rep.Events).Set("empty_streak = ?", streak).
		Set("updated_at = ?", at.UTC()).
		Where("id = ?", feed.ID).Exec(ctx); err != nil {
		return fmt.Errorf("record sync of feed %d: %w", feed.ID, err)
	}

	payload := map[string]any{"unit_id": feed.AccommodationID, "platform": feed.Platform, "status": rep.Status,
		"events": rep.Events, "added": rep.Added, "moved": rep.Moved, "updated": rep.Updated, "removed": rep.Removed, "held": rep.Held}
	if rep.Partial != "" {
		payload["partial"] = rep.Partial
	}
	if rep.Held > 0 && streak == 1 {
		if err := writeFeedEvent(ctx, tx, feed.ID, EventRemovalsHeld, at, payload); err != nil {
			return err
		}
	}
	if confirmed {
		payload["confirmed_by"] = "fetches"
		if err := writeFeedEvent(ctx, tx, feed.ID, EventRemovalsConfirmed, at, payload); err != nil {
			return err
		}
	}
	if rep.Added+rep.Moved+rep.Updated+rep.Removed >= feedSyncedEventMinimumDelta {
		if err := writeFeedEvent(ctx, tx, feed.ID, EventFeedSynced, at, payload); err != nil {
			return err
		}
	}
	n, err := s.detectConflicts(ctx, tx, feed, at, today)
	if err != nil {
		return err
	}
	rep.Conflicts = n
	return nil
}

// partialReason is why the plugin's import was cut short: its budget warnings, joined
// and bounded; "" for a complete import.
func partialReason(resp sdkcal.FetchResponse) string {
	if !resp.Partial {
		return ""
	}
	var reason strings.Builder
	for _, w := range resp.Warnings {
		if w.Code != sdkcal.WarningBudget {
			continue
		}
		if reason.Len() > 0 {
			reason.WriteString("; ")
		}
		reason.WriteString(w.Message)
		if reason.Len() >= maxErrorLength {
			break
		}
	}
	if reason.Len() == 0 {
		return "the calendar plugin cut the import short (budget)"
	}
	return truncateRunes(reason.String(), maxErrorLength)
}

// truncateRunes cuts s to at most n bytes without splitting a character.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// toImported checks a block from the plugin and maps it to a row.
func toImported(feed store.CalendarFeed, b sdkcal.Block, at time.Time) (store.ImportedBlock, error) {
	if err := b.Validate(); err != nil {
		return store.ImportedBlock{}, err
	}
	start, err := store.ParseDate(b.Start)
	if err != nil {
		return store.ImportedBlock{}, err
	}
	end, err := store.ParseDate(b.End)
	if err != nil {
		return store.ImportedBlock{}, err
	}
	return store.ImportedBlock{
		FeedID:          feed.ID,
		AccommodationID: feed.AccommodationID,
		UID:             b.UID,
		StartDate:       start,
		EndDate:         end,
		Kind:            string(b.Kind),
		Tentative:       b.Tentative,
		Summary:         b.Summary,
		ReservationCode: b.ReservationCode,
		Status:          BlockActive,
		FirstSeenAt:     at.UTC(),
		LastSeenAt:      at.UTC(),
	}, nil
}

func writeFeedEvent(ctx context.Context, db bun.IDB, feedID int64, typ string, at time.Time, payload map[string]any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	ev := store.DomainEvent{AggregateType: AggregateFeed, AggregateID: strconv.FormatInt(feedID, 10), Type: typ,
		Payload: body, RequestID: obs.RequestID(ctx), OccurredAt: at.UTC()}
	if _, err := db.NewInsert().Model(&ev).Exec(ctx); err != nil {
		return fmt.Errorf("record %s event of feed %d: %w", typ, feedID, err)
	}
	return nil
}

// ConfirmRemovals is staff confirming a held mass removal (R12): the feed's
// pending_removal blocks are deleted now instead of after N fetches.
func (s *Syncer) ConfirmRemovals(ctx context.Context, feedID int64, staff string) (int, error) {
	var removed int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Table("imported_blocks").
			Where("feed_id = ? AND status = ?", feedID, BlockPendingRemoval).Exec(ctx)
		if err != nil {
			return fmt.Errorf("confirm removals of feed %d: %w", feedID, err)
		}
		n, _ := res.RowsAffected()
		removed = int(n)
		now := s.opts.Now().UTC()
		if _, err := tx.NewUpdate().Model((*store.CalendarFeed)(nil)).Set("empty_streak = 0").
			Set("last_status = CASE WHEN last_status <> ? THEN last_status WHEN partial_reason <> '' THEN ? ELSE ? END",
				StatusHeld, StatusPartial, StatusOK).
			Set("updated_at = ?", now).Where("id = ?", feedID).Exec(ctx); err != nil {
			return fmt.Errorf("reset hold of feed %d: %w", feedID, err)
		}
		if removed == 0 {
			return nil
		}
		return writeFeedEvent(ctx, tx, feedID, EventRemovalsConfirmed, now, map[string]any{"removed": removed, "confirmed_by": staff})
	})
	return removed, err
}

func (s *Syncer) observe(rep FeedReport) {
	s.metrics.syncs.WithLabelValues(rep.Platform, rep.Status).Inc()
	s.metrics.duration.WithLabelValues(rep.Platform).Observe(rep.Duration.Seconds())
	if rep.Held > 0 {
		s.metrics.held.WithLabelValues(rep.Platform).Add(float64(rep.Held))
	}
	if rep.Conflicts > 0 {
		s.metrics.conflicts.WithLabelValues(rep.Platform).Add(float64(rep.Conflicts))
	}
}
