package calendar

import (
	"context"
	"fmt"
	"time"
)

// SyncJobName is the periodic job's name (logs, metrics, leader lock).
const SyncJobName = "calendar-sync"

// Scheduler is what RegisterSyncJob needs of the periodic runner (core/jobs): run fn
// every interval, on one instance at a time.
type Scheduler interface {
	Every(name string, interval time.Duration, fn func(ctx context.Context) error) error
}

// RegisterSyncJob schedules SyncAll every interval (15 minutes when 0). A run whose
// feeds fail still succeeds: failures are recorded per feed; only a database failure
// fails the run.
func RegisterSyncJob(s Scheduler, syncer *Syncer, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultSyncInterval
	}
	err := s.Every(SyncJobName, interval, func(ctx context.Context) error {
		_, err := syncer.SyncAll(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("register %s job: %w", SyncJobName, err)
	}
	return nil
}
