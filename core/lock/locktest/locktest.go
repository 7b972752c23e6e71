// Package locktest gives tests a real Redis when CONSERJE_TEST_REDIS_URL names one. Without
// it a test skips, except under CI=true, where a missing Redis is a failure: CI must never
// pass by skipping the multi-replica paths.
package locktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvRedisURL names the variable holding the test Redis URL (redis://host:port/db).
const EnvRedisURL = "CONSERJE_TEST_REDIS_URL"

// Redis returns a client on the test Redis, closed when t ends, or skips/fails t.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv(EnvRedisURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must test against a real Redis", EnvRedisURL)
		}
		t.Skipf("%s is not set", EnvRedisURL)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvRedisURL, err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		t.Fatalf("ping test redis: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// Prefix returns a key prefix unique to this run so tests sharing one Redis never collide.
func Prefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "conserje-test:" + hex.EncodeToString(b[:]) + ":"
}
