package booking

import (
	"context"
	"time"

	"github.com/conserje/conserje/core/jobs"
)

// HoldExpiryJobName is the name of the hold-expiry job in logs and metrics.
const HoldExpiryJobName = "hold_expiry"

// HoldExpiryJob is the periodic job that marks lapsed holds expired and records their
// events (every 30 seconds by default). Availability never waits for it — a lapsed hold
// blocks nothing — but staff, reports and the guest's conversation see the status change.
func (s *Service) HoldExpiryJob(every time.Duration) jobs.Job {
	if every <= 0 {
		every = 30 * time.Second
	}
	return jobs.Job{
		Name:  HoldExpiryJobName,
		Every: every,
		Run: func(ctx context.Context) error {
			n, err := s.ExpireLapsed(ctx)
			if n > 0 {
				s.log.InfoContext(ctx, "holds expired", "count", n)
			}
			return err
		},
	}
}
