package broadcast_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/settings/broadcast"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// replica is one process's bus with a counter of the times its caches were dropped.
type replica struct {
	bus     *broadcast.Bus
	dropped atomic.Int64
}

// never is a version check interval no test waits for: only hints can deliver.
const never = time.Hour

func newReplica(t *testing.T, db *store.DB, rdb *redis.Client, channel string, check time.Duration) *replica {
	t.Helper()
	// Run takes the version it first reads as its baseline: a change saved before that
	// read would be the baseline, not a change, so the replica is returned once it read.
	svc := settings.New(db, settings.Options{})
	baseline := make(chan struct{})
	var once sync.Once
	versions := broadcast.VersionFunc(func(ctx context.Context) (string, error) {
		v, err := svc.Version(ctx)
		once.Do(func() { close(baseline) })
		return v, err
	})
	bus, err := broadcast.New(versions, broadcast.Options{Redis: rdb, Channel: channel, Check: check})
	require.NoError(t, err)
	r := &replica{bus: bus}
	bus.OnChange(func(context.Context) { r.dropped.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-baseline:
	case <-time.After(5 * time.Second):
		t.Fatal("the replica never read its baseline version")
	}
	return r
}

func redisClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	u, err := url.Parse(storetest.RedisURL(t))
	require.NoError(t, err)
	opts, err := redis.ParseURL(u.String())
	require.NoError(t, err)
	if addr != "" {
		opts.Addr = addr
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// channel is a channel of this test alone: other tests on the same Redis publish too.
func channel(t *testing.T) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return broadcast.Channel + ":test:" + hex.EncodeToString(b)
}

// subscribed waits until n subscribers listen on ch, so a hint is not sent before them.
func subscribed(t *testing.T, rdb *redis.Client, ch string, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		got, err := rdb.PubSubNumSub(context.Background(), ch).Result()
		return err == nil && got[ch] >= n
	}, 5*time.Second, 10*time.Millisecond, "subscribers on %s", ch)
}

// TestAChangeReachesEveryReplica: a change made through replica A drops A's caches before
// it returns and B's on the hint; with no hint (no Redis, or a hint lost while B was cut
// from Redis) B catches up from the settings version.
func TestAChangeReachesEveryReplica(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			run  func(t *testing.T, editor *settings.Service, a, b *replica)
			// bRedis: how B reaches Redis ("direct", "proxy" or "none"); bCheck its check.
			bRedis string
			bCheck time.Duration
		}{
			{name: "the hint drops B's caches", bRedis: "direct", bCheck: never},
			{name: "without Redis the version check drops them", bRedis: "none", bCheck: 100 * time.Millisecond},
			{name: "a hint lost while B was cut is made up when B subscribes again", bRedis: "proxy", bCheck: never},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ch := channel(t)
				direct := redisClient(t, "")
				a := newReplica(t, db, direct, ch, never)
				var proxy *locktest.Proxy
				var bClient *redis.Client
				switch tc.bRedis {
				case "direct":
					bClient = redisClient(t, "")
				case "proxy":
					proxy = locktest.NewProxy(t, direct.Options().Addr)
					bClient = redisClient(t, proxy.Addr)
				}
				b := newReplica(t, db, bClient, ch, tc.bCheck)
				if bClient != nil {
					subscribed(t, direct, ch, 2)
				} else {
					subscribed(t, direct, ch, 1)
				}
				if proxy != nil {
					proxy.Stop() // B is cut from Redis: A's hint cannot reach it
				}
				editor := settings.New(db, settings.Options{Notifier: a.bus})
				before := b.dropped.Load()
				_, err := editor.SaveProperty(ctx, "staff:ana", settings.Property{Name: "P " + tc.name, CheckInTime: "14:00", CheckOutTime: "10:00", DepositPercent: 30})
				require.NoError(t, err)
				version, err := editor.Version(ctx)
				require.NoError(t, err)
				require.NotEmpty(t, version)
				assert.Equal(t, int64(1), a.dropped.Load(), "A dropped its caches before the change returned")
				assert.Equal(t, version, a.bus.Seen())
				if proxy != nil {
					proxy.Start(t)
				}
				require.Eventually(t, func() bool { return b.bus.Seen() == version }, 10*time.Second, 10*time.Millisecond)
				assert.Equal(t, before+1, b.dropped.Load(), "B dropped its caches once")
				require.NoError(t, a.bus.Check(ctx))
				assert.Equal(t, int64(1), a.dropped.Load(), "A does not drop them again for its own change")
			})
		}
	})
}
