package lock_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/lock/locktest"
)

// deadRedis is a real Redis client whose server is gone (a port nobody listens on).
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestRedisDownIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := lock.NewRedis(deadRedis(t), "x:")
	_, err := l.Acquire(ctx, "k", time.Minute)
	require.ErrorIs(t, err, lock.ErrUnavailable)
	assert.NotErrorIs(t, err, lock.ErrLocked)
	_, err = lock.Wait(ctx, l, "k", time.Minute)
	require.ErrorIs(t, err, lock.ErrUnavailable, "waiting does not spin on a dead Redis")
}

func TestFallback(t *testing.T) {
	ctx := context.Background()
	t.Run("Redis down: in-process leases, still exclusive", func(t *testing.T) {
		t.Parallel()
		f := lock.NewFallback(lock.NewRedis(deadRedis(t), "x:"), lock.NewMemory(nil), nil)
		a, err := f.Acquire(ctx, "conversation:1", time.Minute)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(a.Token, "local:"))
		_, err = f.Acquire(ctx, "conversation:1", time.Minute)
		require.ErrorIs(t, err, lock.ErrLocked)
		require.NoError(t, f.Extend(ctx, a, time.Minute))
		require.NoError(t, f.Release(ctx, a))
		b, err := f.Acquire(ctx, "conversation:1", time.Minute)
		require.NoError(t, err)
		require.NoError(t, f.Release(ctx, b))
	})
	t.Run("Redis up: Redis leases", func(t *testing.T) {
		t.Parallel()
		client := locktest.Redis(t)
		prefix := locktest.Prefix(t)
		f := lock.NewFallback(lock.NewRedis(client, prefix), lock.NewMemory(nil), nil)
		a, err := f.Acquire(ctx, "conversation:1", time.Minute)
		require.NoError(t, err)
		assert.False(t, strings.HasPrefix(a.Token, "local:"))
		got, err := client.Get(ctx, prefix+"conversation:1").Result()
		require.NoError(t, err)
		assert.Equal(t, a.Token, got, "the lease is in Redis, shared with other processes")
		require.NoError(t, f.Release(ctx, a))
	})
}
