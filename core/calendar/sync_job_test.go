package calendar

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store/storetest"
)

type recordingScheduler struct {
	name     string
	interval time.Duration
	fn       func(context.Context) error
	err      error
}

func (r *recordingScheduler) Every(name string, interval time.Duration, fn func(context.Context) error) error {
	r.name, r.interval, r.fn = name, interval, fn
	return r.err
}

func TestRegisterSyncJob(t *testing.T) {
	db := storetest.SQLite(t)
	fx := newSyncFixture(t, db)

	t.Run("every 15 minutes by default, syncing every feed", func(t *testing.T) {
		sched := &recordingScheduler{}
		require.NoError(t, RegisterSyncJob(sched, fx.syncer, 0))
		assert.Equal(t, SyncJobName, sched.name)
		assert.Equal(t, 15*time.Minute, sched.interval)
		fx.fetcher.push(feedOf(blk("a", "2027-01-03", "2027-01-10")), nil)
		require.NoError(t, sched.fn(context.Background()))
		assert.Equal(t, []string{"a 2027-01-03/2027-01-10 active"}, fx.stored(t))
	})
	t.Run("a failing feed does not fail the run", func(t *testing.T) {
		sched := &recordingScheduler{}
		require.NoError(t, RegisterSyncJob(sched, fx.syncer, 5*time.Minute))
		assert.Equal(t, 5*time.Minute, sched.interval)
		fx.fetcher.push(feedOf(), errors.New("plugin down"))
		require.NoError(t, sched.fn(context.Background()))
		assert.Equal(t, StatusError, fx.feedRow(t).LastStatus)
	})
	t.Run("a scheduler refusal is returned", func(t *testing.T) {
		err := RegisterSyncJob(&recordingScheduler{err: errors.New("duplicate job")}, fx.syncer, time.Minute)
		require.ErrorContains(t, err, "duplicate job")
	})
}
