package calendar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
)

// Conflict events (aggregate calendar_conflict, id = the conflict's id).
const (
	AggregateConflict       = "calendar_conflict"
	EventConflictDetected   = "calendar_conflict_detected"
	EventConflictResolved   = "calendar_conflict_resolved"
	conflictDetailMaxLength = 300
)

// ErrConflictNotFound means no open conflict has that id (it never existed or was
// already resolved).
var ErrConflictNotFound = errors.New("calendar conflict not found or already resolved")

// collision is an imported block overlapping one of our holds or reservations.
type collision struct {
	BlockID       int64      `bun:"block_id"`
	UID           string     `bun:"uid"`
	BlockStart    store.Date `bun:"block_start"`
	BlockEnd      store.Date `bun:"block_end"`
	ReservationID int64      `bun:"reservation_id"`
	Code          string     `bun:"code"`
	CheckIn       store.Date `bun:"check_in"`
	CheckOut      store.Date `bun:"check_out"`
	Status        string     `bun:"status"`
}

// detectConflicts raises a conflict for every future block of the feed that overlaps a
// confirmed reservation or an active hold of the same unit. Each (block, reservation)
// pair is raised once: a pair already recorded, open or resolved, is not raised again.
func (s *Syncer) detectConflicts(ctx context.Context, tx bun.Tx, feed store.CalendarFeed, at time.Time, today store.Date) (int, error) {
	var found []collision
	err := tx.NewRaw(`
SELECT b.id AS block_id, b.uid, b.start_date AS block_start, b.end_date AS block_end,
       r.id AS reservation_id, r.code, r.check_in, r.check_out, r.status
  FROM imported_blocks b
  JOIN reservations r ON r.accommodation_id = b.accommodation_id
 WHERE b.feed_id = ? AND b.end_date > ?
   AND r.check_in < b.end_date AND r.check_out > b.start_date
   AND (r.status = ? OR (r.status = ? AND r.expires_at > ?))
 ORDER BY b.start_date, r.id`,
		feed.ID, today, store.StatusConfirmed, store.StatusPreReserved, at.UTC()).Scan(ctx, &found)
	if err != nil {
		return 0, fmt.Errorf("look for conflicts of feed %d: %w", feed.ID, err)
	}
	if len(found) == 0 {
		return 0, nil
	}
	type pair struct{ block, reservation int64 }
	var known []struct {
		Block       int64 `bun:"imported_block_id"`
		Reservation int64 `bun:"reservation_id"`
	}
	blockIDs := make([]int64, 0, len(found))
	for _, c := range found {
		blockIDs = append(blockIDs, c.BlockID)
	}
	if err := tx.NewSelect().Table("calendar_conflicts").Column("imported_block_id", "reservation_id").
		Where("imported_block_id IN (?)", bun.List(blockIDs)).Scan(ctx, &known); err != nil {
		return 0, fmt.Errorf("load known conflicts: %w", err)
	}
	seen := make(map[pair]bool, len(known))
	for _, k := range known {
		seen[pair{k.Block, k.Reservation}] = true
	}
	raised := 0
	for _, c := range found {
		if seen[pair{c.BlockID, c.ReservationID}] {
			continue
		}
		seen[pair{c.BlockID, c.ReservationID}] = true
		what := "confirmed reservation"
		if c.Status == store.StatusPreReserved {
			what = "active hold"
		}
		detail := fmt.Sprintf("%s feed blocks %s→%s (uid %s) over %s %s (%s→%s)",
			feed.Platform, c.BlockStart, c.BlockEnd, c.UID, what, c.Code, c.CheckIn, c.CheckOut)
		if len(detail) > conflictDetailMaxLength {
			detail = detail[:conflictDetailMaxLength]
		}
		blockID, resID := c.BlockID, c.ReservationID
		row := store.CalendarConflict{AccommodationID: feed.AccommodationID, ImportedBlockID: &blockID,
			ReservationID: &resID, Detail: detail, DetectedAt: at.UTC()}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return raised, fmt.Errorf("record conflict of block %s: %w", c.UID, err)
		}
		payload, err := json.Marshal(map[string]any{
			"unit_id": feed.AccommodationID, "feed_id": feed.ID, "platform": feed.Platform,
			"block_uid": c.UID, "block_start": c.BlockStart, "block_end": c.BlockEnd,
			"reservation_code": c.Code, "reservation_status": c.Status, "check_in": c.CheckIn, "check_out": c.CheckOut,
		})
		if err != nil {
			return raised, fmt.Errorf("encode conflict event: %w", err)
		}
		ev := store.DomainEvent{AggregateType: AggregateConflict, AggregateID: strconv.FormatInt(row.ID, 10),
			Type: EventConflictDetected, Payload: payload, RequestID: obs.RequestID(ctx), OccurredAt: at.UTC()}
		if _, err := tx.NewInsert().Model(&ev).Exec(ctx); err != nil {
			return raised, fmt.Errorf("record conflict event: %w", err)
		}
		s.log.WarnContext(ctx, "calendar conflict", "unit", feed.AccommodationID, "feed", feed.ID, "detail", detail)
		raised++
	}
	return raised, nil
}

// Conflicts lists the open conflicts of a unit (every unit when unitID is 0), oldest first.
func Conflicts(ctx context.Context, db bun.IDB, unitID int64) ([]store.CalendarConflict, error) {
	var out []store.CalendarConflict
	q := db.NewSelect().Model(&out).Where("resolved_at IS NULL").Order("detected_at", "id")
	if unitID != 0 {
		q = q.Where("accommodation_id = ?", unitID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list calendar conflicts: %w", err)
	}
	return out, nil
}

// ResolveConflict marks an open conflict handled by staff.
func ResolveConflict(ctx context.Context, db *store.DB, id int64, staff string, at time.Time) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*store.CalendarConflict)(nil)).
			Set("resolved_at = ?", at.UTC()).Set("resolved_by = ?", staff).
			Where("id = ? AND resolved_at IS NULL", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("resolve conflict %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %d", ErrConflictNotFound, id)
		}
		payload, _ := json.Marshal(map[string]any{"resolved_by": staff})
		ev := store.DomainEvent{AggregateType: AggregateConflict, AggregateID: strconv.FormatInt(id, 10),
			Type: EventConflictResolved, Payload: payload, RequestID: obs.RequestID(ctx), OccurredAt: at.UTC()}
		if _, err := tx.NewInsert().Model(&ev).Exec(ctx); err != nil {
			return fmt.Errorf("record conflict resolution: %w", err)
		}
		return nil
	})
}

// Metrics are the import's Prometheus collectors.
type Metrics struct {
	syncs     *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	conflicts *prometheus.CounterVec
	held      *prometheus.CounterVec
}

func newMetrics() *Metrics {
	return &Metrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_calendar_syncs_total", Help: "Feed syncs by platform and outcome (ok, partial, not_modified, held, rejected, error).",
		}, []string{"platform", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "conserje_calendar_fetch_duration_seconds", Help: "Time to fetch and normalize one feed through the plugin.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"platform"}),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_calendar_conflicts_total", Help: "Imported blocks found colliding with a confirmed reservation or an active hold.",
		}, []string{"platform"}),
		held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_calendar_removals_held_total", Help: "Future blocks kept pending confirmation after a mass removal (R12).",
		}, []string{"platform"}),
	}
}

// NewMetrics registers the import's collectors on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newMetrics()
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.syncs, m.duration, m.conflicts, m.held} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register calendar metrics: %w", err)
		}
	}
	return m, nil
}

// ConflictsRaised is the counter's current total for platform (for tests and /healthz).
func (m *Metrics) ConflictsRaised(platform string) float64 {
	c, err := m.conflicts.GetMetricWithLabelValues(platform)
	if err != nil {
		return 0
	}
	return counterValue(c)
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil || m.Counter == nil {
		return 0
	}
	return m.Counter.GetValue()
}
