package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/conserje/conserje/core/secret"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

// Dialect names the SQL dialect a DB speaks.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database handle: bun plus the dialect it runs on.
type DB struct {
	*bun.DB
	dialect Dialect
	// location is the URL with any password removed, safe to log.
	location string
}

// Dialect reports which SQL dialect the database speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// Location is the database URL without credentials, for logs and diagnostics.
func (db *DB) Location() string { return db.location }

// Options tune the connection pool.
type Options struct {
	// MaxOpenConns caps open connections; 0 takes the dialect's default: 20 on PostgreSQL
	// (enough for concurrent holds without reconnecting), 8 on SQLite (more writers than
	// that would only wait on each other's file lock and hit the busy timeout).
	MaxOpenConns int
	// BusyTimeout is how long SQLite waits for a lock before failing (default 5 s).
	BusyTimeout time.Duration
}

// Open connects to the database named by rawURL: "postgres://" or "postgresql://" URLs use
// PostgreSQL; "sqlite:" URLs or plain file paths use SQLite in WAL mode with a busy
// timeout and foreign keys on. The parent folder of a SQLite file is created if missing.
// Open pings the database before returning.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, errors.New("open database: empty URL (set database.url or CONSERJE_DATABASE_URL)")
	}
	var db *DB
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		connector, err := postgresConnector(rawURL)
		if err != nil {
			return nil, err
		}
		sqldb := sql.OpenDB(connector)
		conns := opts.MaxOpenConns
		if conns <= 0 {
			conns = 20
		}
		sqldb.SetMaxOpenConns(conns)
		sqldb.SetMaxIdleConns(conns)
		db = &DB{DB: bun.NewDB(sqldb, pgdialect.New()), dialect: Postgres, location: secret.URL(rawURL)}
	default:
		path, err := sqlitePath(rawURL)
		if err != nil {
			return nil, err
		}
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("open database: create folder for %s: %w", path, err)
			}
		}
		busy := opts.BusyTimeout
		if busy <= 0 {
			busy = 5 * time.Second
		}
		// _txlock=immediate takes the write lock at BEGIN, so two writers queue on the busy
		// timeout instead of failing when a read transaction tries to upgrade.
		// temp_store(MEMORY) keeps statement journals (written by every upsert inside a
		// transaction) in small in-memory chunks: otherwise each one allocates a 64 KiB
		// buffer, which the pure-Go allocator maps and unmaps with a system call per
		// statement (a seventh of the webhook's CPU). Durability is the WAL's, unchanged.
		dsn := fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate&_time_format=sqlite",
			path, busy.Milliseconds())
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		conns := opts.MaxOpenConns
		if conns <= 0 {
			conns = 8
		}
		sqldb.SetMaxOpenConns(conns)
		sqldb.SetMaxIdleConns(conns)
		db = &DB{DB: bun.NewDB(sqldb, sqlitedialect.New()), dialect: SQLite, location: path}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open database %s: %w", db.location, err)
	}
	return db, nil
}

// sqlitePath extracts the file path from "sqlite:path", "sqlite://path", "file:path" or a
// bare path.
func sqlitePath(raw string) (string, error) {
	p := raw
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(p, prefix) {
			p = strings.TrimPrefix(p, prefix)
			break
		}
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "", fmt.Errorf("open database: no file path in %q", raw)
	}
	if strings.Contains(raw, "://") && !strings.HasPrefix(raw, "sqlite://") {
		return "", fmt.Errorf("open database: unsupported URL scheme in %q (use postgres:// or a SQLite file path)", secret.URL(raw))
	}
	return p, nil
}

// postgresConnector builds the driver's connector from the URL. The driver panics on a
// URL it cannot read, with the URL (password included) in the panic: the URL is parsed
// here first, and any other refusal of the driver comes back as an error, redacted.
func postgresConnector(rawURL string) (c *pgdriver.Connector, err error) {
	if _, err := secret.ParseURL(rawURL); err != nil {
		return nil, fmt.Errorf("open database: database.url: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("open database: database.url: %s", secret.Text(fmt.Sprint(r)))
		}
	}()
	return pgdriver.NewConnector(pgdriver.WithDSN(rawURL)), nil
}

// Ping checks that the database answers, bounded by ctx.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.dialect, err)
	}
	// A ping can succeed on a pooled connection while the server is gone; a trivial query
	// goes to the server.
	var one int
	if err := db.NewRaw("SELECT 1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("query %s: %w", db.dialect, err)
	}
	return nil
}
