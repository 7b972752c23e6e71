// Package storetest gives tests real databases: a fresh migrated SQLite file always, and a
// fresh PostgreSQL database (and the Redis URL) when CONSERJE_TEST_POSTGRES_URL /
// CONSERJE_TEST_REDIS_URL are set. With CI=true a missing service fails the test instead
// of skipping it, so CI can never go green without exercising them.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/core/store"
)

// Environment variables naming the test services.
const (
	PostgresEnv = "CONSERJE_TEST_POSTGRES_URL"
	RedisEnv    = "CONSERJE_TEST_REDIS_URL"
)

// SQLite opens a fresh, migrated SQLite database in a temporary folder, closed at cleanup.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db := open(t, filepath.Join(t.TempDir(), "conserje.db"))
	migrate(t, db)
	return db
}

// SQLitePath returns a path for a fresh (not yet created) SQLite file.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "conserje.db")
}

// Postgres opens a fresh, migrated PostgreSQL database created for this test and dropped
// at cleanup. Without CONSERJE_TEST_POSTGRES_URL the test is skipped, or fails when CI=true.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	db := open(t, PostgresURL(t))
	migrate(t, db)
	return db
}

// PostgresURL creates an empty PostgreSQL database for this test and returns its URL; the
// database is dropped at cleanup.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := service(t, PostgresEnv, "PostgreSQL")
	ctx := context.Background()
	admin, err := store.Open(ctx, base, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", PostgresEnv, err)
	}
	name := "conserje_t_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		_ = admin.Close()
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Logf("storetest: drop database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisURL returns the test Redis URL. Without CONSERJE_TEST_REDIS_URL the test is skipped,
// or fails when CI=true.
func RedisURL(t testing.TB) string {
	t.Helper()
	return service(t, RedisEnv, "Redis")
}

// Each runs fn once per available database: SQLite always, PostgreSQL when configured
// (required under CI=true).
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Open connects to rawURL without migrating, closed at cleanup.
func Open(t testing.TB, rawURL string) *store.DB { t.Helper(); return open(t, rawURL) }

func open(t testing.TB, rawURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), rawURL, store.Options{})
	if err != nil {
		t.Fatalf("storetest: open %s: %v", rawURL, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func migrate(t testing.TB, db *store.DB) {
	t.Helper()
	m, err := store.NewMigrator(db)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
}

func service(t testing.TB, env, what string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(env))
	if v != "" {
		return v
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true: set %s", what, env)
	}
	t.Skipf("%s not set: skipping the %s variant (CI sets it)", env, what)
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("storetest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
