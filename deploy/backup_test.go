package deploy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// scriptResult is what one run of backup.sh or restore.sh printed and returned.
type scriptResult struct {
	code           int
	stdout, stderr string
}

// runScript runs deploy/<script> with bash, from a scratch folder, without the CONSERJE_*
// variables the scripts read as defaults (the tests always say what they mean).
func runScript(t *testing.T, script string, args ...string) scriptResult {
	t.Helper()
	path, err := filepath.Abs(script)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{path}, args...)...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CONSERJE_DATABASE_URL=") || strings.HasPrefix(kv, "CONSERJE_BACKUP_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "PGCONNECT_TIMEOUT=10")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := scriptResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	default:
		t.Fatalf("run %s: %v\nstderr:\n%s", script, err, res.stderr)
	}
	require.NoError(t, ctx.Err(), "%s did not finish in time; stderr:\n%s", script, res.stderr)
	return res
}

// requireOK fails the test with the script's output unless it exited 0, and returns what it
// printed on stdout (backup.sh prints the new backup's path).
func requireOK(t *testing.T, res scriptResult) string {
	t.Helper()
	require.Equal(t, 0, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	return strings.TrimSpace(res.stdout)
}

// requireTools skips the test when a command-line tool is missing, or fails it under CI=true.
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required under CI=true: install it (Debian packages sqlite3, postgresql-client)", n)
			}
			t.Skipf("%s not installed: skipping", n)
		}
	}
}

// execer is a *store.DB or one of its transactions.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func openMigrated(t *testing.T, rawURL string) *store.DB {
	t.Helper()
	db := storetest.Open(t, rawURL)
	m, err := store.NewMigrator(db)
	require.NoError(t, err)
	_, err = m.Up(context.Background())
	require.NoError(t, err)
	return db
}

// seed writes rows a backup must carry: several related tables, non-ASCII text, money in
// centavos and two back-to-back stays.
func seed(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	mustExec := func(q string, args ...any) {
		t.Helper()
		_, err := db.ExecContext(ctx, q, args...)
		require.NoError(t, err, q)
	}
	mustExec(`INSERT INTO properties (slug, name, city) VALUES (?, ?, ?)`, "los-robles", "Complejo Los Robles", "Villa General Belgrano")
	var propertyID int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT id FROM properties WHERE slug = ?`, "los-robles").Scan(&propertyID))
	mustExec(`INSERT INTO accommodations (property_id, slug, name, unit_type, capacity, base_occupancy, base_price_cents)
		VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
		propertyID, "cabana-robles", "Cabaña Robles", "cabaña", 4, 2, int64(4_500_000),
		propertyID, "depto-centro", "Depto Centro", "departamento", 2, 2, int64(3_000_000))
	mustExec(`INSERT INTO conversations (channel, contact, guest_name) VALUES (?, ?, ?)`, "whatsapp", "+5493511234567", "Mariela Ñáñez")
	var convID int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT id FROM conversations WHERE contact = ?`, "+5493511234567").Scan(&convID))
	mustExec(`INSERT INTO messages (conversation_id, direction, channel, external_id, text) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`,
		convID, "in", "whatsapp", "wamid.1", "¿Tienen lugar del 5 al 8/1? Somos 2 🙂",
		convID, "out", "whatsapp", "wamid.2", "¡Hola Mariela! Sí, la Cabaña Robles está libre.")
	require.NoError(t, insertReservation(ctx, db, "RES270105001", "cabana-robles", "2027-01-05", "2027-01-08", 13_500_000))
	require.NoError(t, insertReservation(ctx, db, "RES270108001", "cabana-robles", "2027-01-08", "2027-01-10", 9_000_000))
}

// insertReservation writes a confirmed stay with plain SQL, so the database's own
// no-overlap guarantee is what accepts or refuses it.
func insertReservation(ctx context.Context, db execer, code, unit, checkIn, checkOut string, totalCents int64) error {
	_, err := db.ExecContext(ctx, `INSERT INTO reservations
		(code, accommodation_id, check_in, check_out, guests, guest_name, status, total_cents, deposit_cents)
		SELECT ?, id, ?, ?, 2, 'Mariela Ñáñez', 'confirmed', ?, ? FROM accommodations WHERE slug = ?`,
		code, checkIn, checkOut, totalCents, totalCents*30/100, unit)
	if err != nil {
		return fmt.Errorf("insert reservation %s: %w", code, err)
	}
	return nil
}

// contents is what a restore must bring back, read the same way from either dialect.
type contents struct {
	Reservations []string
	Messages     []string
	Units        []string
	Migrations   []string
}

func readContents(t *testing.T, db *store.DB) contents {
	t.Helper()
	ctx := context.Background()
	var c contents
	query := func(dst *[]string, q string) {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		require.NoError(t, err, q)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = v.String
			}
			*dst = append(*dst, strings.Join(parts, "|"))
		}
		require.NoError(t, rows.Err())
	}
	query(&c.Reservations, `SELECT r.code, a.slug, CAST(r.check_in AS TEXT), CAST(r.check_out AS TEXT), r.status,
		CAST(r.total_cents AS TEXT), CAST(r.deposit_cents AS TEXT), r.guest_name
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id ORDER BY r.code`)
	query(&c.Messages, `SELECT c.guest_name, m.direction, m.external_id, m.text
		FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY m.external_id`)
	query(&c.Units, `SELECT a.slug, a.name, a.unit_type, CAST(a.base_price_cents AS TEXT), p.name
		FROM accommodations a JOIN properties p ON p.id = a.property_id ORDER BY a.slug`)
	query(&c.Migrations, `SELECT CAST(version AS TEXT) || ':' || name FROM schema_migrations ORDER BY version`)
	return c
}

// inFlight opens a transaction that inserts a stay and stays open while fn runs (the backup),
// then commits it: the backup is online (not blocked by a writer) and holds only what was
// committed when it started.
func inFlight(t *testing.T, db *store.DB, fn func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, insertReservation(ctx, tx, "RES270201001", "depto-centro", "2027-02-01", "2027-02-04", 9_000_000))
	fn()
	require.NoError(t, tx.Commit())
}

// checkRestored compares the restored database with what was committed before the backup,
// and checks that the database still refuses an overlapping stay by itself.
func checkRestored(t *testing.T, want contents, restored *store.DB) {
	t.Helper()
	got := readContents(t, restored)
	assert.Equal(t, want, got)
	for _, r := range got.Reservations {
		assert.NotContains(t, r, "RES270201001", "a stay uncommitted during the backup was restored")
	}
	err := insertReservation(context.Background(), restored, "RES270106001", "cabana-robles", "2027-01-06", "2027-01-07", 4_500_000)
	require.Error(t, err)
	assert.ErrorIs(t, store.Classify(err), store.ErrOverlap)
	require.NoError(t, insertReservation(context.Background(), restored, "RES270110001", "cabana-robles", "2027-01-10", "2027-01-12", 9_000_000),
		"a back-to-back stay after restore")
}

// checkBackupMetrics reads the textfile-collector file backup.sh wrote: the success time
// lies between the test's start and now, and the size is the backup's.
func checkBackupMetrics(t *testing.T, path, kind, backup string, notBefore int64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	require.NoError(t, err)
	value := func(name string) float64 {
		t.Helper()
		fam, ok := families[name]
		require.True(t, ok, "metric %s missing", name)
		require.Len(t, fam.GetMetric(), 1)
		m := fam.GetMetric()[0]
		require.Len(t, m.GetLabel(), 1)
		assert.Equal(t, "kind", m.GetLabel()[0].GetName())
		assert.Equal(t, kind, m.GetLabel()[0].GetValue())
		return m.GetGauge().GetValue()
	}
	at := int64(value("conserje_backup_last_success_timestamp_seconds"))
	assert.GreaterOrEqual(t, at, notBefore)
	assert.LessOrEqual(t, at, time.Now().Unix())
	info, err := os.Stat(backup)
	require.NoError(t, err)
	assert.Equal(t, float64(info.Size()), value("conserje_backup_last_size_bytes"))
}

func TestBackupAndRestoreSQLite(t *testing.T) {
	requireTools(t, "sqlite3", "sha256sum", "tar")
	src := storetest.SQLitePath(t)
	db := openMigrated(t, src)
	seed(t, db)
	salt := "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(src), "ics_salt"), []byte(salt+"\n"), 0o600))
	want := readContents(t, db)
	require.Len(t, want.Reservations, 2)
	require.NotEmpty(t, want.Migrations)

	backups := t.TempDir()
	metricsFile := filepath.Join(t.TempDir(), "conserje_backup.prom")
	var backup string
	started := time.Now().Unix()
	inFlight(t, db, func() {
		backup = requireOK(t, runScript(t, "backup.sh", "--database", src, "--dir", backups, "--metrics-file", metricsFile))
	})
	assert.Regexp(t, `/conserje-sqlite-\d{8}T\d{6}\.\d{3}Z\.tar\.gz$`, backup)
	assert.FileExists(t, backup+".sha256")
	assert.Len(t, readContents(t, db).Reservations, 3, "the in-flight stay was committed to the source")
	checkBackupMetrics(t, metricsFile, "sqlite", backup, started)

	dst := filepath.Join(t.TempDir(), "restored", "conserje.db")
	res := runScript(t, "restore.sh", "--database", "sqlite:"+dst, backup)
	requireOK(t, res)
	assert.Contains(t, res.stderr, "checksum ok")
	restoredSalt, err := os.ReadFile(filepath.Join(filepath.Dir(dst), "ics_salt"))
	require.NoError(t, err, "ics_salt comes back with the database")
	assert.Equal(t, salt, strings.TrimSpace(string(restoredSalt)))
	checkRestored(t, want, storetest.Open(t, dst))
}

func TestRestoreSQLiteForceKeepsThePreviousDatabase(t *testing.T) {
	requireTools(t, "sqlite3", "sha256sum", "tar")
	src := storetest.SQLitePath(t)
	seed(t, openMigrated(t, src))
	backup := requireOK(t, runScript(t, "backup.sh", "--database", src, "--dir", t.TempDir()))

	// The target holds newer data that the restore must not destroy, only set aside.
	dst := storetest.SQLitePath(t)
	current := openMigrated(t, dst)
	seed(t, current)
	require.NoError(t, insertReservation(context.Background(), current, "RES270301001", "depto-centro", "2027-03-01", "2027-03-03", 6_000_000))
	require.NoError(t, current.Close())

	refused := runScript(t, "restore.sh", "--database", dst, backup)
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, "already exists")
	assert.Contains(t, refused.stderr, "--force")

	requireOK(t, runScript(t, "restore.sh", "--force", "--database", dst, backup))
	kept, err := filepath.Glob(dst + ".pre-restore-*")
	require.NoError(t, err)
	require.Len(t, kept, 1, "the previous database is kept beside the restored one")
	assert.Len(t, readContents(t, storetest.Open(t, kept[0])).Reservations, 3, "the kept copy holds the newer stay")
	assert.Len(t, readContents(t, storetest.Open(t, dst)).Reservations, 2, "the restored database is the backup")
}

func TestBackupAndRestorePostgres(t *testing.T) {
	srcURL := storetest.PostgresURL(t)
	requireTools(t, "pg_dump", "pg_restore", "psql", "sha256sum")
	db := openMigrated(t, srcURL)
	seed(t, db)
	want := readContents(t, db)

	backups := t.TempDir()
	metricsFile := filepath.Join(t.TempDir(), "conserje_backup.prom")
	var backup string
	started := time.Now().Unix()
	inFlight(t, db, func() {
		backup = requireOK(t, runScript(t, "backup.sh", "--database", srcURL, "--dir", backups, "--metrics-file", metricsFile))
	})
	checkBackupMetrics(t, metricsFile, "postgres", backup, started)
	assert.Regexp(t, `/conserje-postgres-\d{8}T\d{6}\.\d{3}Z\.dump$`, backup)
	assert.FileExists(t, backup+".sha256")

	dstURL := storetest.PostgresURL(t)
	res := runScript(t, "restore.sh", "--database", dstURL, backup)
	requireOK(t, res)
	restored := storetest.Open(t, dstURL)
	checkRestored(t, want, restored)

	again := runScript(t, "restore.sh", "--database", dstURL, backup)
	assert.Equal(t, 1, again.code, "a database that holds tables is never restored over")
	assert.Contains(t, again.stderr, "fresh, empty database")

	forced := runScript(t, "restore.sh", "--force", "--database", dstURL, backup)
	assert.Equal(t, 2, forced.code)
	assert.Contains(t, forced.stderr, "--force is for SQLite")
}

func TestBackupRetentionKeepsTheNewest(t *testing.T) {
	requireTools(t, "sqlite3", "sha256sum", "tar")
	src := storetest.SQLitePath(t)
	seed(t, openMigrated(t, src))
	dir := t.TempDir()
	var made []string
	for range 3 {
		made = append(made, filepath.Base(requireOK(t, runScript(t, "backup.sh", "--database", src, "--dir", dir, "--keep", "2"))))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	assert.Equal(t, []string{made[1], made[1] + ".sha256", made[2], made[2] + ".sha256"}, names)
}

func TestBackupRefusesBadInput(t *testing.T) {
	requireTools(t, "sqlite3", "sha256sum", "tar")
	notConserje := filepath.Join(t.TempDir(), "other.db")
	other := storetest.Open(t, notConserje)
	_, err := other.ExecContext(context.Background(), `CREATE TABLE notes (body TEXT)`)
	require.NoError(t, err)

	cases := []struct {
		name     string
		args     []string
		code     int
		want     string
		mustHide string
		// bare passes args as they are; otherwise --dir names a fresh folder.
		bare bool
	}{
		{name: "missing SQLite file", args: []string{"--database", "/nonexistent/conserje.db"}, code: 1, want: "not found"},
		{name: "not conserje's database", args: []string{"--database", notConserje}, code: 1, want: "no schema_migrations table"},
		{name: "unsupported URL scheme, password hidden", args: []string{"--database", "mysql://root:hunter22@db/x"}, code: 2, want: "unsupported database URL", mustHide: "hunter22"},
		{name: "keep zero", args: []string{"--database", notConserje, "--keep", "0"}, code: 2, want: "--keep must be a whole number of at least 1"},
		{name: "keep not a number", args: []string{"--database", notConserje, "--keep", "many"}, code: 2, want: "--keep must be"},
		{name: "unknown flag", args: []string{"--frobnicate"}, code: 2, want: "unknown argument: --frobnicate", bare: true},
		{name: "flag without value", args: []string{"--dir"}, code: 2, want: "--dir needs a value", bare: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.args
			if !tc.bare {
				args = append(append([]string{}, tc.args...), "--dir", dir)
			}
			res := runScript(t, "backup.sh", args...)
			assert.Equal(t, tc.code, res.code, res.stderr)
			assert.Contains(t, res.stderr, tc.want)
			if tc.mustHide != "" {
				assert.NotContains(t, res.stderr, tc.mustHide)
			}
			assert.Empty(t, res.stdout, "no backup path is printed on failure")
			left, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, left, "a failed backup leaves nothing behind")
		})
	}
}

// writeChecksum writes path.sha256 the way backup.sh does.
func writeChecksum(t *testing.T, path string) {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	line := fmt.Sprintf("%x  %s\n", sha256.Sum256(body), filepath.Base(path))
	require.NoError(t, os.WriteFile(path+".sha256", []byte(line), 0o600))
}

// writeTarball writes a gzip tarball holding the named files with the given bodies.
func writeTarball(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[n]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	body, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, body, 0o600))
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	requireTools(t, "sqlite3", "sha256sum", "tar")
	src := storetest.SQLitePath(t)
	seed(t, openMigrated(t, src))
	good := requireOK(t, runScript(t, "backup.sh", "--database", src, "--dir", t.TempDir()))

	cases := []struct {
		name string
		// prepare returns the backup to restore, made in dir.
		prepare func(t *testing.T, dir string) string
		target  func(dir string) string
		code    int
		want    string
	}{
		{
			name: "damaged backup",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, filepath.Base(good))
				copyFile(t, good, p)
				copyFile(t, good+".sha256", p+".sha256")
				body, err := os.ReadFile(p)
				require.NoError(t, err)
				body[len(body)/2] ^= 0xff
				require.NoError(t, os.WriteFile(p, body, 0o600))
				return p
			},
			code: 1, want: "checksum mismatch",
		},
		{
			name: "truncated backup",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, filepath.Base(good))
				copyFile(t, good+".sha256", p+".sha256")
				body, err := os.ReadFile(good)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(p, body[:len(body)/2], 0o600))
				return p
			},
			code: 1, want: "checksum mismatch",
		},
		{
			name: "checksum file missing",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, filepath.Base(good))
				copyFile(t, good, p)
				return p
			},
			code: 1, want: "no checksum file",
		},
		{
			name: "not a backup",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "notes.txt")
				require.NoError(t, os.WriteFile(p, []byte("hola, no soy un backup\n"), 0o600))
				writeChecksum(t, p)
				return p
			},
			code: 1, want: "not a conserje backup",
		},
		{
			name: "tarball with a foreign entry",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "conserje-sqlite-evil.tar.gz")
				writeTarball(t, p, map[string]string{"conserje.db": "x", "../escape": "y"})
				writeChecksum(t, p)
				return p
			},
			code: 1, want: "unexpected entry '../escape'",
		},
		{
			name: "tarball without a database",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "conserje-sqlite-empty.tar.gz")
				writeTarball(t, p, map[string]string{"ics_salt": "0123456789abcdef0123"})
				writeChecksum(t, p)
				return p
			},
			code: 1, want: "holds no conserje.db",
		},
		{
			name: "corrupt database inside a valid tarball",
			prepare: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "conserje-sqlite-corrupt.tar.gz")
				writeTarball(t, p, map[string]string{"conserje.db": strings.Repeat("not sqlite ", 500)})
				writeChecksum(t, p)
				return p
			},
			code: 1, want: "integrity check",
		},
		{
			name:    "SQLite backup into PostgreSQL",
			prepare: func(*testing.T, string) string { return good },
			target:  func(string) string { return "postgres://conserje:s3cret@127.0.0.1:1/conserje" },
			code:    1, want: "is a SQLite backup but postgres://conserje:xxxxx@127.0.0.1:1/conserje is a PostgreSQL database",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			backup := tc.prepare(t, dir)
			target := filepath.Join(dir, "restored", "conserje.db")
			if tc.target != nil {
				target = tc.target(dir)
			}
			res := runScript(t, "restore.sh", "--database", target, backup)
			assert.Equal(t, tc.code, res.code, res.stderr)
			assert.Contains(t, res.stderr, tc.want)
			assert.NotContains(t, res.stderr, "s3cret")
			assert.NoFileExists(t, filepath.Join(dir, "restored", "conserje.db"), "nothing is restored from a bad backup")
			leftovers, err := filepath.Glob(filepath.Join(dir, "restored", ".conserje-restore.*"))
			require.NoError(t, err)
			assert.Empty(t, leftovers, "no temporary folder is left behind")
		})
	}

	t.Run("no backup named", func(t *testing.T) {
		res := runScript(t, "restore.sh", "--database", filepath.Join(t.TempDir(), "x.db"))
		assert.Equal(t, 2, res.code)
		assert.Contains(t, res.stderr, "name the backup to restore")
	})
}
