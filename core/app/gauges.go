package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/store"
)

// backlogCollector reports, at each scrape, backlogs read from the database, so every
// replica exports the same value and alerts fire whichever replica is scraped:
// holds that should have expired (the expiry job is stuck) and the age of the oldest
// reply waiting in the outbox (the sender is stuck).
type backlogCollector struct {
	db      *store.DB
	now     func() time.Time
	overdue *prometheus.Desc
	oldest  *prometheus.Desc
	up      *prometheus.Desc
}

func newBacklogCollector(db *store.DB) *backlogCollector {
	return &backlogCollector{
		db:  db,
		now: time.Now,
		overdue: prometheus.NewDesc("conserje_booking_holds_overdue",
			"Pre-reservations past their expiry by more than two minutes that are still active.", nil, nil),
		oldest: prometheus.NewDesc("conserje_outbox_oldest_pending_seconds",
			"Age of the oldest outbox message due for delivery and not yet sent (0 when none).", nil, nil),
		up: prometheus.NewDesc("conserje_backlog_scrape_ok",
			"1 when the backlog gauges could be read from the database.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.overdue
	ch <- c.oldest
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := c.now().UTC()
	var overdue int
	err := c.db.NewSelect().Model((*store.Reservation)(nil)).ColumnExpr("count(*)").
		Where("status = ? AND expires_at < ?", store.StatusPreReserved, now.Add(-2*time.Minute)).Scan(ctx, &overdue)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	var pending []store.OutboxItem
	err = c.db.NewSelect().Model(&pending).Column("id", "not_before").
		// The web chat's messages wait for the guest's page to collect them, not for a
		// sender: a closed page is not a stuck outbox (they expire after a day).
		Where("status IN ('pending', 'sending') AND not_before <= ? AND channel <> ?", now, channel.Webchat).
		OrderExpr("not_before").Limit(1).Scan(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if len(pending) > 0 {
		age = now.Sub(pending[0].NotBefore).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(overdue))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
}
