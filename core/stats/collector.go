package stats

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conserje/conserje/core/store"
)

// Collector exports, at each scrape, figures read from the database: the funnel's totals
// since the start, each calendar feed's last successful read, and calendar conflicts.
// Reading them from the database means the work is counted by whoever did it — a sync run
// from the CLI, another replica's jobs — and every replica reports the same values
// (dashboards take max(), not sum(), across replicas).
type Collector struct {
	db        *store.DB
	timeout   time.Duration
	funnel    *prometheus.Desc
	fallbacks *prometheus.Desc
	feedOK    *prometheus.Desc
	feedTry   *prometheus.Desc
	conflicts *prometheus.Desc
	open      *prometheus.Desc
	up        *prometheus.Desc
}

// NewCollector returns the collector over db.
func NewCollector(db *store.DB) *Collector {
	return &Collector{
		db:      db,
		timeout: 2 * time.Second,
		funnel: prometheus.NewDesc("conserje_funnel_total",
			"Booking funnel since the start, from the database, by stage: conversations_started, offers (conversations shown an offer), holds, holds_expired, paid, confirmed.",
			[]string{"stage"}, nil),
		fallbacks: prometheus.NewDesc("conserje_fallbacks_total",
			"Guest messages the bot did not understand, since the start, from the database.", nil, nil),
		feedOK: prometheus.NewDesc("conserje_calendar_feed_last_success_timestamp_seconds",
			"When each iCal feed was last read successfully (Unix seconds; 0 = never).",
			[]string{"feed", "unit", "platform"}, nil),
		feedTry: prometheus.NewDesc("conserje_calendar_feed_last_attempt_timestamp_seconds",
			"When each iCal feed was last tried (Unix seconds; 0 = never).",
			[]string{"feed", "unit", "platform"}, nil),
		conflicts: prometheus.NewDesc("conserje_calendar_conflicts_detected_total",
			"Calendar conflicts (an imported booking colliding with ours) ever detected, by whichever process ran the sync.",
			nil, nil),
		open: prometheus.NewDesc("conserje_calendar_conflicts_open",
			"Calendar conflicts not resolved yet: a unit may be booked twice.", nil, nil),
		up: prometheus.NewDesc("conserje_stats_scrape_ok",
			"1 when the figures read from the database could be read.", nil, nil),
	}
}

var _ prometheus.Collector = (*Collector)(nil)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.funnel, c.fallbacks, c.feedOK, c.feedTry, c.conflicts, c.open, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	ok := 1.0
	if err := c.collect(ctx, ch); err != nil {
		ok = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, ok)
}

func (c *Collector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	r, err := Read(ctx, c.db, time.Time{}, endOfTime)
	if err != nil {
		return err
	}
	for _, stage := range Stages {
		ch <- prometheus.MustNewConstMetric(c.funnel, prometheus.CounterValue, float64(r.Funnel[stage]), stage)
	}
	ch <- prometheus.MustNewConstMetric(c.fallbacks, prometheus.CounterValue, float64(r.Fallbacks))

	var feeds []store.CalendarFeed
	if err := c.db.NewSelect().Model(&feeds).Column("id", "accommodation_id", "platform", "last_success_at", "last_attempt_at").
		Where("enabled = ?", true).Order("id").Scan(ctx); err != nil {
		return err
	}
	for _, f := range feeds {
		labels := []string{strconv.FormatInt(f.ID, 10), strconv.FormatInt(f.AccommodationID, 10), f.Platform}
		ch <- prometheus.MustNewConstMetric(c.feedOK, prometheus.GaugeValue, unix(f.LastSuccessAt), labels...)
		ch <- prometheus.MustNewConstMetric(c.feedTry, prometheus.GaugeValue, unix(f.LastAttemptAt), labels...)
	}
	detected, err := c.db.NewSelect().Model((*store.CalendarConflict)(nil)).Count(ctx)
	if err != nil {
		return err
	}
	open, err := c.db.NewSelect().Model((*store.CalendarConflict)(nil)).Where("resolved_at IS NULL").Count(ctx)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(c.conflicts, prometheus.CounterValue, float64(detected))
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open))
	return nil
}

// endOfTime bounds "since the start" reads: every row, whatever clock wrote it.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func unix(t *time.Time) float64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return float64(t.Unix())
}
