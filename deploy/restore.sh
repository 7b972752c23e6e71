#!/usr/bin/env bash
# restore.sh: put back a backup made by backup.sh, after checking its SHA-256 checksum and
# its contents. Stop conserje first. See docs/operators.md, "Backups and restore".
set -euo pipefail
umask 077

prog=restore.sh

usage() {
	cat <<'EOF'
Usage: restore.sh [--database URL] [--force] BACKUP

Restores BACKUP (a conserje-sqlite-*.tar.gz or conserje-postgres-*.dump written by
backup.sh, with its .sha256 beside it) into the database named by --database.
Stop conserje before restoring.

  --database URL  where to restore: a SQLite file path (or sqlite:PATH) or
                  postgres://user:pass@host:port/db
                  (default: $CONSERJE_DATABASE_URL, else ./data/conserje.db, as conserje)
  --force         SQLite only: replace an existing database file; the current file (with
                  its -wal and -shm) and ics_salt are kept beside it as
                  <name>.pre-restore-<UTC time>
  -h, --help      this text

Before touching anything the checksum is verified and the backup is read back (SQLite:
PRAGMA integrity_check; PostgreSQL: pg_restore --list); either must name conserje's
schema_migrations table.

SQLite:      the file is unpacked beside the target and moved into place in one rename,
             together with the ics_salt the backup holds.
PostgreSQL:  the target database must exist and hold no tables (create a fresh one, see
             docs/operators.md); the restore runs in a single transaction, so it either
             completes or changes nothing. Objects end up owned by the user of the URL.

Exit status: 0 restored, 1 nothing was restored (the reason is printed), 2 bad usage.
EOF
}

die() {
	printf '%s: %s\n' "$prog" "$1" >&2
	exit "${2:-1}"
}
usage_error() {
	printf '%s: %s\n' "$prog" "$1" >&2
	printf 'Run %s --help for usage.\n' "$prog" >&2
	exit 2
}
log() { printf '%s: %s\n' "$prog" "$*" >&2; }

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found in PATH: install it ($2)"
}

database="${CONSERJE_DATABASE_URL:-./data/conserje.db}"
force=false
backup=""

while [ $# -gt 0 ]; do
	case "$1" in
	--database)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		database="$2"
		shift 2
		;;
	--database=*) database="${1#*=}"; shift ;;
	--force) force=true; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option: $1" ;;
	*)
		[ -z "$backup" ] || usage_error "one backup at a time (got '$backup' and '$1')"
		backup="$1"
		shift
		;;
	esac
done

[ -n "$backup" ] || usage_error "name the backup to restore"
[ -n "$database" ] || usage_error "--database is empty (set it or CONSERJE_DATABASE_URL)"

kind_of_url() {
	case "$1" in
	postgres://* | postgresql://*) echo postgres ;;
	sqlite:* | file:*) echo sqlite ;;
	*://*) return 1 ;;
	*) echo sqlite ;;
	esac
}

sqlite_path() {
	local p="$1"
	case "$p" in
	sqlite://*) p="${p#sqlite://}" ;;
	sqlite:*) p="${p#sqlite:}" ;;
	file:*) p="${p#file:}" ;;
	esac
	printf '%s' "${p%%\?*}"
}

redact() { printf '%s' "$1" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:xxxxx@#'; }

target_kind="$(kind_of_url "$database")" ||
	usage_error "unsupported database URL '$(redact "$database")': use a SQLite file path or postgres://..."

need sha256sum "Debian: coreutils"
[ -f "$backup" ] || die "backup $backup not found"
[ -r "$backup" ] || die "backup $backup is not readable by $(id -un)"
sum_file="$backup.sha256"
[ -f "$sum_file" ] || die "no checksum file $sum_file beside the backup: copy it along with the backup (backup.sh writes both)"

expected="$(awk 'NR == 1 { print $1 }' "$sum_file")"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$sum_file does not hold a SHA-256 checksum"
actual="$(sha256sum -- "$backup" | awk '{ print $1 }')"
[ "$actual" = "$expected" ] ||
	die "checksum mismatch for $backup: expected $expected, got $actual; the file is damaged or incomplete, use another backup"
log "checksum ok"

# The kind of backup is read from its first bytes, not its name: PGDMP starts a pg_dump
# custom archive, 1f 8b a gzip stream (backup.sh's SQLite tarball).
magic="$(head -c 5 -- "$backup" | od -An -tx1 | tr -d ' \n')"
case "$magic" in
5047444d50) backup_kind=postgres ;;
1f8b*) backup_kind=sqlite ;;
*) die "$backup is not a conserje backup (neither a pg_dump custom archive nor a gzip tarball)" ;;
esac

if [ "$backup_kind" != "$target_kind" ]; then
	pretty() { if [ "$1" = sqlite ]; then echo SQLite; else echo PostgreSQL; fi; }
	die "$backup is a $(pretty "$backup_kind") backup but $(redact "$database") is a $(pretty "$target_kind") database; these scripts restore into the same kind of database only"
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work=""
trap 'if [ -n "$work" ]; then rm -rf -- "$work"; fi' EXIT

restore_sqlite() {
	need sqlite3 "Debian: apt-get install sqlite3"
	need tar "Debian: tar"
	local target parent members m check aside
	target="$(sqlite_path "$database")"
	[ -n "$target" ] || usage_error "no file path in database URL '$database'"
	case "$target" in -*) target="./$target" ;; esac
	parent="$(dirname -- "$target")"

	# Only the listing on stdout: tar's own remarks (e.g. about a leading ../) go to stderr.
	members="$(tar -tzf "$backup" 2>/dev/null)" || die "$backup cannot be unpacked: not a gzip tarball, or damaged"
	local has_db=false has_salt=false
	while IFS= read -r m; do
		case "$m" in
		conserje.db) has_db=true ;;
		ics_salt) has_salt=true ;;
		*) die "$backup holds an unexpected entry '$m': not a backup written by backup.sh" ;;
		esac
	done <<<"$members"
	$has_db || die "$backup holds no conserje.db: not a backup written by backup.sh"

	if [ -e "$target" ] && ! $force; then
		die "$target already exists: stop conserje, then run again with --force to replace it (the current file is kept as $target.pre-restore-<time>), or restore to another path"
	fi
	if $has_salt && [ -e "$parent/ics_salt" ] && ! $force; then
		die "$parent/ics_salt already exists: run again with --force to replace it (the current one is kept aside)"
	fi

	mkdir -p -- "$parent" || die "cannot create $parent"
	[ -w "$parent" ] || die "$parent is not writable by $(id -un)"
	# Unpacked beside the target, so the final move is a rename within one file system.
	work="$(mktemp -d "$parent/.conserje-restore.XXXXXX")" || die "cannot create a temporary folder in $parent"
	tar -xzf "$backup" -C "$work" || die "cannot unpack $backup"
	check="$(sqlite3 -bail "$work/conserje.db" 'PRAGMA integrity_check;' 2>&1)" || die "integrity check failed: $check"
	[ "$check" = ok ] || die "the database in $backup fails PRAGMA integrity_check: $check"
	sqlite3 -bail "$work/conserje.db" 'SELECT count(*) FROM schema_migrations;' >/dev/null 2>&1 ||
		die "the database in $backup has no schema_migrations table: not conserje's database"

	# A database, its -wal and its -shm move aside together and keep matching names, so the
	# kept copy still opens with every committed change.
	if [ -e "$target" ]; then
		aside="$target.pre-restore-$stamp"
		mv -- "$target" "$aside"
		for ext in -wal -shm -journal; do
			[ ! -e "$target$ext" ] || mv -- "$target$ext" "$aside$ext"
		done
		log "kept the previous database as $aside"
	fi
	if $has_salt; then
		if [ -e "$parent/ics_salt" ]; then
			mv -- "$parent/ics_salt" "$parent/ics_salt.pre-restore-$stamp"
			log "kept the previous ics_salt as $parent/ics_salt.pre-restore-$stamp"
		fi
		mv -- "$work/ics_salt" "$parent/ics_salt"
	fi
	mv -- "$work/conserje.db" "$target"
	# Run as root (a typical restore), hand the files to whoever owns the data folder, which
	# is the user conserje runs as.
	if [ "$(id -u)" = 0 ]; then
		local owner
		owner="$(stat -c %u:%g -- "$parent")"
		chown -- "$owner" "$target"
		if $has_salt; then chown -- "$owner" "$parent/ics_salt"; fi
	fi
	log "restored $target"
	if $has_salt; then log "restored $parent/ics_salt (the iCal export URLs stay as they were)"; fi
}

restore_postgres() {
	need pg_restore "Debian: apt-get install postgresql-client"
	need psql "Debian: apt-get install postgresql-client"
	local listing tables err
	listing="$(pg_restore --list -- "$backup" 2>&1)" || die "$backup cannot be read by pg_restore: $listing"
	grep -Eq 'TABLE [^ ]+ schema_migrations ' <<<"$listing" ||
		die "$backup holds no schema_migrations table: not conserje's database"
	if $force; then
		die "--force is for SQLite; restore PostgreSQL into a fresh, empty database (docs/operators.md)" 2
	fi
	if ! tables="$(psql --no-psqlrc --no-password --quiet --tuples-only --no-align --dbname="$database" \
		--command="SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')" 2>&1)"; then
		die "cannot connect to $(redact "$database"): $tables"
	fi
	[ "$tables" = 0 ] ||
		die "$(redact "$database") already holds $tables tables: restore into a fresh, empty database (create it first, see docs/operators.md)"
	log "pg_restore into $(redact "$database")"
	# One transaction and stop at the first error: a failed restore leaves the database empty.
	if ! err="$(pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --no-password \
		--dbname="$database" -- "$backup" 2>&1)"; then
		die "pg_restore into $(redact "$database") failed, nothing was restored: $err"
	fi
	log "restored $(redact "$database")"
}

case "$backup_kind" in
sqlite) restore_sqlite ;;
postgres) restore_postgres ;;
esac
log "next: conserje migrate status (then start conserje; it applies newer migrations itself)"
