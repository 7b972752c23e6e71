package settings

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/store"
)

// FeedReader reads one feed now (*calendar.Syncer).
type FeedReader interface {
	SyncFeed(ctx context.Context, feedID int64) (calendar.FeedReport, error)
}

var _ FeedReader = (*calendar.Syncer)(nil)

// AddFeed registers a portal's iCal feed for a unit; the next sync (or "test now") reads it.
func (s *Service) AddFeed(ctx context.Context, actor string, in calendar.NewFeed) (store.CalendarFeed, error) {
	var feed store.CalendarFeed
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		feed, err = calendar.NewFeeds(tx).Add(ctx, in)
		switch {
		case errors.Is(err, calendar.ErrInvalidFeed):
			return &ValidationError{Fields: map[string]string{"url": err.Error()}}
		case errors.Is(err, calendar.ErrUnknownUnit):
			return &ValidationError{Fields: map[string]string{"accommodation_id": "unknown unit"}}
		case errors.Is(err, calendar.ErrDuplicateFeed):
			return &ValidationError{Fields: map[string]string{"url": "this unit already imports that feed"}}
		case err != nil:
			return err
		}
		return Record(ctx, tx, s.now(), actor, "create", "calendar_feed", feed.ID, map[string]Change{
			"accommodation_id": {To: feed.AccommodationID}, "platform": {To: feed.Platform}, "url": {To: feed.URL},
		})
	})
	return feed, err
}

// Feeds lists the feeds of every unit.
func (s *Service) Feeds(ctx context.Context) ([]store.CalendarFeed, error) {
	return calendar.NewFeeds(s.db.DB).List(ctx, 0)
}

// RemoveFeed deletes a feed and the nights it blocked.
func (s *Service) RemoveFeed(ctx context.Context, actor string, id int64) error {
	return s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		feed, err := calendar.NewFeeds(tx).Get(ctx, id)
		if errors.Is(err, calendar.ErrFeedNotFound) {
			return fmt.Errorf("feed %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*store.CalendarFeed)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("delete feed %d: %w", id, err)
		}
		return Record(ctx, tx, s.now(), actor, "delete", "calendar_feed", id, map[string]Change{
			"accommodation_id": {From: feed.AccommodationID}, "platform": {From: feed.Platform}, "url": {From: feed.URL},
		})
	})
}

// SetFeedPaused pauses a feed (the sync stops reading it; the nights it blocked stay
// blocked as last read, and it raises no stale-feed alert) or resumes it, reading it at
// once when a FeedReader is configured so the unit does not wait for the next run. The
// change is audited; setting the state it already has changes nothing. A failed read
// after resuming is recorded on the feed like any sync failure; the error is for the
// database failing.
func (s *Service) SetFeedPaused(ctx context.Context, actor string, id int64, paused bool) (store.CalendarFeed, error) {
	changed := false
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		feeds := calendar.NewFeeds(tx)
		feed, err := feeds.Get(ctx, id)
		if errors.Is(err, calendar.ErrFeedNotFound) {
			return fmt.Errorf("feed %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if feed.Enabled == !paused {
			return nil
		}
		changed = true
		if err := feeds.SetEnabled(ctx, id, !paused); err != nil {
			return err
		}
		action := "resume"
		if paused {
			action = "pause"
		}
		return Record(ctx, tx, s.now(), actor, action, "calendar_feed", id, map[string]Change{"paused": {From: !paused, To: paused}})
	})
	if err != nil {
		return store.CalendarFeed{}, err
	}
	if changed && !paused && s.opts.Feeds != nil {
		if _, err := s.opts.Feeds.SyncFeed(ctx, id); err != nil {
			return store.CalendarFeed{}, fmt.Errorf("read resumed feed %d: %w", id, err)
		}
	}
	return calendar.NewFeeds(s.db.DB).Get(ctx, id)
}
