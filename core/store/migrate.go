package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conserje/conserje/migrations"
)

// Migration is one numbered schema change with its up and down SQL.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// MigrationState is a migration and whether (and when) it was applied.
type MigrationState struct {
	Migration
	Applied   bool
	AppliedAt time.Time
}

// migrationLockKey serializes migrators of several processes on PostgreSQL.
const migrationLockKey = 72_530_001

// LoadMigrations reads the embedded migrations of a dialect, sorted by version. Every
// version must have both an up and a down file.
func LoadMigrations(d Dialect) ([]Migration, error) {
	return loadMigrations(migrations.FS, string(d))
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		var direction string
		switch {
		case strings.HasSuffix(name, ".up.sql"):
			direction = "up"
		case strings.HasSuffix(name, ".down.sql"):
			direction = "down"
		default:
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".sql"), "."+direction)
		num, label, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_name.%s.sql", dir, name, direction)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: version %q is not a positive number", dir, name, num)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", dir, name, err)
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: label}
			byVersion[v] = m
		} else if m.Name != label {
			return nil, fmt.Errorf("migration %s version %d has two names: %q and %q", dir, v, m.Name, label)
		}
		if direction == "up" {
			m.Up = string(body)
		} else {
			m.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %s version %d (%s): needs both .up.sql and .down.sql", dir, m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrator applies and reverts the embedded migrations, each in its own transaction, and
// records them in schema_migrations.
type Migrator struct {
	db         *DB
	migrations []Migration
}

// NewMigrator prepares a migrator for db's dialect.
func NewMigrator(db *DB) (*Migrator, error) {
	ms, err := LoadMigrations(db.dialect)
	if err != nil {
		return nil, err
	}
	return &Migrator{db: db, migrations: ms}, nil
}

// Up applies every pending migration in order and returns the versions applied.
func (m *Migrator) Up(ctx context.Context) ([]int, error) {
	var applied []int
	err := m.locked(ctx, func(conn *sql.Conn) error {
		done, err := appliedVersions(ctx, conn)
		if err != nil {
			return err
		}
		for _, mig := range m.migrations {
			if _, ok := done[mig.Version]; ok {
				continue
			}
			if err := m.apply(ctx, conn, mig, true); err != nil {
				return err
			}
			applied = append(applied, mig.Version)
		}
		return nil
	})
	return applied, err
}

// Down reverts the last `steps` applied migrations (newest first) and returns their
// versions.
func (m *Migrator) Down(ctx context.Context, steps int) ([]int, error) {
	if steps <= 0 {
		return nil, fmt.Errorf("migrate down: steps must be at least 1, got %d", steps)
	}
	var reverted []int
	err := m.locked(ctx, func(conn *sql.Conn) error {
		done, err := appliedVersions(ctx, conn)
		if err != nil {
			return err
		}
		for i := len(m.migrations) - 1; i >= 0 && len(reverted) < steps; i-- {
			mig := m.migrations[i]
			if _, ok := done[mig.Version]; !ok {
				continue
			}
			if err := m.apply(ctx, conn, mig, false); err != nil {
				return err
			}
			reverted = append(reverted, mig.Version)
		}
		return nil
	})
	return reverted, err
}

// Status lists every known migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationState, error) {
	var out []MigrationState
	err := m.locked(ctx, func(conn *sql.Conn) error {
		done, err := appliedVersions(ctx, conn)
		if err != nil {
			return err
		}
		for _, mig := range m.migrations {
			at, ok := done[mig.Version]
			out = append(out, MigrationState{Migration: mig, Applied: ok, AppliedAt: at})
		}
		return nil
	})
	return out, err
}

// Pending reports how many migrations are not applied yet.
func (m *Migrator) Pending(ctx context.Context) (int, error) {
	st, err := m.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}

// locked runs fn on one connection holding the migration lock, after making sure the
// bookkeeping table exists.
func (m *Migrator) locked(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := m.db.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: get connection: %w", err)
	}
	defer conn.Close()
	if m.db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_lock(%d)", migrationLockKey)); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SELECT pg_advisory_unlock(%d)", migrationLockKey))
		}()
	}
	ddl := `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMP NOT NULL
)`
	if _, err := conn.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	return fn(conn)
}

func appliedVersions(ctx context.Context, conn *sql.Conn) (map[int]time.Time, error) {
	rows, err := conn.QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		out[v] = at
	}
	return out, rows.Err()
}

func (m *Migrator) apply(ctx context.Context, conn *sql.Conn, mig Migration, up bool) (err error) {
	direction, body := "up", mig.Up
	if !up {
		direction, body = "down", mig.Down
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s %04d_%s: begin: %w", direction, mig.Version, mig.Name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("migrate %s %04d_%s: %w", direction, mig.Version, mig.Name, err)
	}
	if up {
		_, err = tx.ExecContext(ctx, m.bind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			mig.Version, mig.Name, time.Now().UTC())
	} else {
		_, err = tx.ExecContext(ctx, m.bind("DELETE FROM schema_migrations WHERE version = ?"), mig.Version)
	}
	if err != nil {
		return fmt.Errorf("migrate %s %04d_%s: record: %w", direction, mig.Version, mig.Name, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s %04d_%s: commit: %w", direction, mig.Version, mig.Name, err)
	}
	return nil
}

// bind rewrites ? placeholders as $n for PostgreSQL.
func (m *Migrator) bind(q string) string {
	if m.db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
