package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
	sdkcal "github.com/conserje/conserje/sdk/calendar"
)

// Outcomes of feed operations that callers branch on.
var (
	ErrInvalidFeed   = errors.New("invalid calendar feed")
	ErrUnknownUnit   = errors.New("unknown accommodation")
	ErrDuplicateFeed = errors.New("this unit already imports that feed URL")
	ErrFeedNotFound  = errors.New("calendar feed not found")
)

// Platforms a feed may be read as (the plugin's profiles).
var Platforms = []sdkcal.Platform{sdkcal.PlatformAirbnb, sdkcal.PlatformBooking, sdkcal.PlatformVrbo, sdkcal.PlatformGoogle, sdkcal.PlatformGeneric}

// NewFeed is a feed to import for one unit.
type NewFeed struct {
	AccommodationID int64
	Platform        string
	URL             string
	// Priority orders feeds of one unit when staff look at them (higher first).
	Priority int
	// EndInclusive: the portal writes the last night as the end date.
	EndInclusive bool
	// Disabled feeds are kept but not synced.
	Disabled bool
}

// Feeds manages the calendar_feeds rows.
type Feeds struct {
	db bun.IDB
}

// NewFeeds returns the feed registry on db.
func NewFeeds(db bun.IDB) *Feeds { return &Feeds{db: db} }

// Add registers a feed after checking its platform, URL and unit.
func (f *Feeds) Add(ctx context.Context, in NewFeed) (store.CalendarFeed, error) {
	platform := strings.ToLower(strings.TrimSpace(in.Platform))
	if !knownPlatform(platform) {
		return store.CalendarFeed{}, fmt.Errorf("%w: platform %q (want airbnb, booking, vrbo, google or generic)", ErrInvalidFeed, in.Platform)
	}
	u, err := checkFeedURL(in.URL)
	if err != nil {
		return store.CalendarFeed{}, err
	}
	exists, err := f.db.NewSelect().Table("accommodations").Where("id = ?", in.AccommodationID).Exists(ctx)
	if err != nil {
		return store.CalendarFeed{}, fmt.Errorf("add feed: look up accommodation %d: %w", in.AccommodationID, err)
	}
	if !exists {
		return store.CalendarFeed{}, fmt.Errorf("%w: %d", ErrUnknownUnit, in.AccommodationID)
	}
	now := time.Now().UTC()
	feed := store.CalendarFeed{
		AccommodationID: in.AccommodationID,
		Platform:        platform,
		URL:             u,
		Priority:        in.Priority,
		Enabled:         !in.Disabled,
		EndInclusive:    in.EndInclusive,
		LastStatus:      StatusNever,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	if _, err := f.db.NewInsert().Model(&feed).Returning("id").Exec(ctx); err != nil {
		if errors.Is(store.Classify(err), store.ErrConflict) {
			return store.CalendarFeed{}, fmt.Errorf("%w: unit %d, %s", ErrDuplicateFeed, in.AccommodationID, u)
		}
		return store.CalendarFeed{}, fmt.Errorf("add feed for unit %d: %w", in.AccommodationID, err)
	}
	return feed, nil
}

// Get returns one feed.
func (f *Feeds) Get(ctx context.Context, id int64) (store.CalendarFeed, error) {
	var feed store.CalendarFeed
	err := f.db.NewSelect().Model(&feed).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return feed, fmt.Errorf("%w: %d", ErrFeedNotFound, id)
	}
	if err != nil {
		return feed, fmt.Errorf("load feed %d: %w", id, err)
	}
	return feed, nil
}

// List returns the feeds of a unit (every unit when unitID is 0), by unit, then
// priority (highest first), then id.
func (f *Feeds) List(ctx context.Context, unitID int64) ([]store.CalendarFeed, error) {
	var feeds []store.CalendarFeed
	q := f.db.NewSelect().Model(&feeds).Order("accommodation_id", "priority DESC", "id")
	if unitID != 0 {
		q = q.Where("accommodation_id = ?", unitID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return feeds, nil
}

// SetEnabled turns a feed's sync on or off; its imported blocks stay as they are.
func (f *Feeds) SetEnabled(ctx context.Context, id int64, enabled bool) error {
	res, err := f.db.NewUpdate().Model((*store.CalendarFeed)(nil)).
		Set("enabled = ?", enabled).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set feed %d enabled=%t: %w", id, enabled, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %d", ErrFeedNotFound, id)
	}
	return nil
}

// Blocks returns the imported blocks of a feed, by start date.
func (f *Feeds) Blocks(ctx context.Context, feedID int64) ([]store.ImportedBlock, error) {
	var blocks []store.ImportedBlock
	if err := f.db.NewSelect().Model(&blocks).Where("feed_id = ?", feedID).Order("start_date", "end_date", "uid").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load blocks of feed %d: %w", feedID, err)
	}
	return blocks, nil
}

func knownPlatform(p string) bool {
	for _, known := range Platforms {
		if string(known) == p {
			return true
		}
	}
	return false
}

func checkFeedURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: url %q is not an absolute URL", ErrInvalidFeed, raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "webcal", "webcals":
	default:
		return "", fmt.Errorf("%w: url %q must be http, https or webcal", ErrInvalidFeed, raw)
	}
	return u.String(), nil
}
