package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store"
)

// Line is one finding: ✓ or ✗, what was checked, and what to do when it failed.
type Line struct {
	OK    bool
	Title string
	// Detail says what was found (several lines allowed).
	Detail string
	// Fix says what to do; set on failures.
	Fix string
	// Paste holds values to copy into a dashboard (webhook URLs, iCal export URLs).
	Paste []string
}

// Report is every line of one run.
type Report struct {
	Lines []Line
}

// OK is true when every line passed.
func (r Report) OK() bool {
	for _, l := range r.Lines {
		if !l.OK {
			return false
		}
	}
	return true
}

// Failed returns the lines that did not pass.
func (r Report) Failed() []Line {
	var out []Line
	for _, l := range r.Lines {
		if !l.OK {
			out = append(out, l)
		}
	}
	return out
}

// Write prints the report for a person: one ✓/✗ line per check, what was found, what to
// do, and the values to paste, then a summary.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, l := range r.Lines {
		mark := "✓"
		if !l.OK {
			mark = "✗"
		}
		fmt.Fprintf(&b, "%s %s", mark, l.Title)
		if l.Detail != "" {
			fmt.Fprintf(&b, ": %s", strings.ReplaceAll(l.Detail, "\n", "\n    "))
		}
		b.WriteByte('\n')
		if !l.OK && l.Fix != "" {
			fmt.Fprintf(&b, "    → %s\n", strings.ReplaceAll(l.Fix, "\n", "\n      "))
		}
		for _, p := range l.Paste {
			fmt.Fprintf(&b, "    %s\n", p)
		}
	}
	if failed := len(r.Failed()); failed > 0 {
		fmt.Fprintf(&b, "\n%d of %d checks failed: not ready for guests.\n", failed, len(r.Lines))
	} else {
		fmt.Fprintf(&b, "\nall %d checks passed: ready for guests. Now open /admin in a browser and write to the bot on each channel.\n", len(r.Lines))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Options tune a run; the zero value is what `conserje doctor` uses on a server.
type Options struct {
	// HTTPClient reaches the public URL (default: 10 s timeout, the system's CAs).
	HTTPClient *http.Client
	// BackupDir holds deploy/backup.sh's backups ("" skips nothing: the check fails).
	BackupDir string
	// BackupMaxAge is how old the newest backup may be (default 26 h: a daily timer with
	// its randomized delay and a little slack).
	BackupMaxAge time.Duration
	// PluginTimeout bounds starting, configuring and stopping each plugin (default 20 s).
	PluginTimeout time.Duration
	// Logger receives the plugins' own logs (default: discarded).
	Logger *slog.Logger
	Now    func() time.Time
}

func (o *Options) defaults() {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.BackupMaxAge <= 0 {
		o.BackupMaxAge = 26 * time.Hour
	}
	if o.PluginTimeout <= 0 {
		o.PluginTimeout = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// ConfigLine reports the configuration: valid (from where) or every problem found. The
// command builds it, since an invalid configuration stops the run before anything else.
func ConfigLine(source string, err error) Line {
	if err != nil {
		return Line{Title: "configuration", Detail: err.Error(),
			Fix: "fix each setting listed (config file or CONSERJE_* variables), then run `conserje config check`"}
	}
	return Line{OK: true, Title: "configuration", Detail: "valid (" + source + ")"}
}

// Run checks a configured install: database, migrations, Redis, plugins, the public URL
// and its webhooks, iCal export URLs, backups and the admin password. cfg must already be
// valid (see ConfigLine).
func Run(ctx context.Context, cfg *config.Config, opts Options) Report {
	opts.defaults()
	d := &doctor{cfg: cfg, opts: opts}
	var r Report
	add := func(lines ...Line) { r.Lines = append(r.Lines, lines...) }

	db, line := d.database(ctx)
	add(line)
	schemaOK := false
	if db != nil {
		defer db.Close()
		line := d.migrations(ctx, db)
		add(line)
		schemaOK = line.OK
	}
	add(d.redis(ctx))
	add(d.plugins(ctx)...)
	health, line := d.publicHealth(ctx)
	add(line)
	add(d.clientAddresses())
	add(d.runningPlugins(health)...)
	add(d.webhooks(ctx)...)
	if schemaOK {
		// Both read tables the migrations create; with migrations pending, that line
		// already says what to do.
		add(d.icalExports(ctx, db))
		add(d.admin(ctx, db))
	}
	add(d.backups())
	return r
}

type doctor struct {
	cfg  *config.Config
	opts Options
}

// database opens the configured database and checks its server version.
func (d *doctor) database(ctx context.Context) (*store.DB, Line) {
	l := Line{Title: "database"}
	if path, ok := sqlitePath(d.cfg.Database.URL); ok {
		// Opening a missing SQLite file would create an empty one: say so instead.
		if _, err := os.Stat(path); err != nil {
			l.Detail = fmt.Sprintf("no SQLite database at %s: %v", path, err)
			l.Fix = "check database.url (CONSERJE_DATABASE_URL) and the working folder; `conserje migrate up` creates a new database"
			return nil, l
		}
	}
	db, err := store.Open(ctx, d.cfg.Database.URL, store.Options{MaxOpenConns: 2})
	if err != nil {
		l.Detail = err.Error()
		l.Fix = "check database.url (CONSERJE_DATABASE_URL) and that the database is running: `docker compose ps db`, or `systemctl status postgresql`"
		return nil, l
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		_ = db.Close()
		l.Detail = fmt.Sprintf("%s unreachable: %v", db.Location(), err)
		l.Fix = "check database.url (CONSERJE_DATABASE_URL), the password, and that the database is running: `docker compose ps db`, or `systemctl status postgresql`"
		return nil, l
	}
	switch db.Dialect() {
	case store.Postgres:
		var num int
		var version string
		if err := db.QueryRowContext(pctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version')").Scan(&num, &version); err != nil {
			l.Detail = fmt.Sprintf("read the server version: %v", err)
			l.Fix = "check that the user in database.url may connect and run queries"
			return db, l
		}
		if num < minPostgres {
			l.Detail = fmt.Sprintf("PostgreSQL %s at %s; conserje needs 16 or newer", version, db.Location())
			l.Fix = "upgrade PostgreSQL to 16 (compose.yaml runs postgres:16): dump with deploy/backup.sh, restore into the new server"
			return db, l
		}
		l.Detail = fmt.Sprintf("PostgreSQL %s at %s", version, db.Location())
	default:
		var version string
		if err := db.QueryRowContext(pctx, "SELECT sqlite_version()").Scan(&version); err != nil {
			l.Detail = fmt.Sprintf("read the SQLite version: %v", err)
			l.Fix = "check that the database file is a SQLite database and readable by this user"
			return db, l
		}
		l.Detail = fmt.Sprintf("SQLite %s at %s", version, db.Location())
	}
	l.OK = true
	return db, l
}

// sqlitePath returns the file of a SQLite database URL (false for PostgreSQL and memory).
func sqlitePath(u string) (string, bool) {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return "", false
	}
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		u = strings.TrimPrefix(u, p)
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	if u == "" || u == ":memory:" {
		return "", false
	}
	return u, true
}

// minPostgres is the oldest PostgreSQL conserje supports (server_version_num).
const minPostgres = 160000

// migrations compares the database's applied migrations with the ones in this binary.
func (d *doctor) migrations(ctx context.Context, db *store.DB) Line {
	l := Line{Title: "migrations"}
	m, err := store.NewMigrator(db)
	if err != nil {
		l.Detail, l.Fix = err.Error(), "this binary's migrations could not be read: rebuild it"
		return l
	}
	states, err := m.Status(ctx)
	if err != nil {
		l.Detail = err.Error()
		l.Fix = "check that the database user may create and read schema_migrations"
		return l
	}
	var pending []string
	latest := 0
	for _, s := range states {
		latest = max(latest, s.Version)
		if !s.Applied {
			pending = append(pending, fmt.Sprintf("%04d_%s", s.Version, s.Name))
		}
	}
	var newest int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		l.Detail, l.Fix = err.Error(), "check that the database user may read schema_migrations"
		return l
	}
	switch {
	case len(pending) > 0:
		l.Detail = fmt.Sprintf("%d pending: %s", len(pending), strings.Join(pending, ", "))
		l.Fix = "take a backup, then run `conserje migrate up` (Compose: `docker compose run --rm conserje migrate up`)"
	case newest > latest:
		l.Detail = fmt.Sprintf("the database has migration %04d; this binary knows up to %04d", newest, latest)
		l.Fix = "run the release that applied it (an older binary on a newer schema is not supported), or restore the backup taken before"
	default:
		l.OK = true
		l.Detail = fmt.Sprintf("all %d applied", len(states))
	}
	return l
}
