#!/usr/bin/env bash
# backup.sh: an online backup of conserje's database (SQLite or PostgreSQL) while conserje
# keeps serving, with a SHA-256 checksum beside it and retention of the newest N backups.
# restore.sh in this folder puts one back. See docs/operators.md, "Backups and restore".
set -euo pipefail
umask 077

prog=backup.sh

usage() {
	cat <<'EOF'
Usage: backup.sh [--database URL] [--dir DIR] [--keep N] [--metrics-file FILE]

Takes an online backup of conserje's database (conserje keeps running), writes a SHA-256
checksum beside it, then deletes the oldest backups of the same kind beyond --keep.
Prints the path of the new backup on stdout; progress and errors go to stderr.

  --database URL  database to back up: a SQLite file path (or sqlite:PATH) or
                  postgres://user:pass@host:port/db
                  (default: $CONSERJE_DATABASE_URL, else ./data/conserje.db, as conserje)
  --dir DIR       folder for the backups (default: $CONSERJE_BACKUP_DIR, else ./backups)
  --keep N        how many backups of this kind to keep (default: $CONSERJE_BACKUP_KEEP,
                  else 14)
  --metrics-file FILE
                  after a successful backup, write its time and size there in Prometheus
                  text format, for node_exporter's textfile collector (e.g.
                  /var/lib/node_exporter/textfile/conserje_backup.prom; default:
                  $CONSERJE_BACKUP_METRICS_FILE, else none)
  -h, --help      this text

SQLite:      VACUUM INTO a consistent snapshot (one read transaction; writers are not
             blocked), integrity-checked, packed with the data folder's ics_salt file into
             conserje-sqlite-<UTC time>.tar.gz. Run it as the database file's owner.
PostgreSQL:  pg_dump --format=custom into conserje-postgres-<UTC time>.dump; pg_dump must
             be of the server's major version or newer.

Exit status: 0 done, 1 the backup failed (no partial file is left), 2 bad usage.
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
dir="${CONSERJE_BACKUP_DIR:-./backups}"
keep="${CONSERJE_BACKUP_KEEP:-14}"
metrics_file="${CONSERJE_BACKUP_METRICS_FILE:-}"

while [ $# -gt 0 ]; do
	case "$1" in
	--database | --dir | --keep | --metrics-file)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case "$1" in
		--database) database="$2" ;;
		--dir) dir="$2" ;;
		--keep) keep="$2" ;;
		--metrics-file) metrics_file="$2" ;;
		esac
		shift 2
		;;
	--database=*) database="${1#*=}"; shift ;;
	--dir=*) dir="${1#*=}"; shift ;;
	--keep=*) keep="${1#*=}"; shift ;;
	--metrics-file=*) metrics_file="${1#*=}"; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument: $1" ;;
	esac
done

[[ "$keep" =~ ^[1-9][0-9]*$ ]] || usage_error "--keep must be a whole number of at least 1, got '$keep'"
[ -n "$dir" ] || usage_error "--dir is empty"
[ -n "$database" ] || usage_error "--database is empty (set it or CONSERJE_DATABASE_URL)"

# kind_of_url prints sqlite or postgres, the way conserje's store reads database.url.
kind_of_url() {
	case "$1" in
	postgres://* | postgresql://*) echo postgres ;;
	sqlite:* | file:*) echo sqlite ;;
	*://*) return 1 ;;
	*) echo sqlite ;;
	esac
}

# sqlite_path strips sqlite://, sqlite: or file: and any ?query, as conserje does.
sqlite_path() {
	local p="$1"
	case "$p" in
	sqlite://*) p="${p#sqlite://}" ;;
	sqlite:*) p="${p#sqlite:}" ;;
	file:*) p="${p#file:}" ;;
	esac
	printf '%s' "${p%%\?*}"
}

# redact hides the password of a URL for messages.
redact() { printf '%s' "$1" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:xxxxx@#'; }

kind="$(kind_of_url "$database")" ||
	usage_error "unsupported database URL '$(redact "$database")': use a SQLite file path or postgres://..."

# sqlite3 takes no "--": keep every path it sees from starting with a dash.
case "$dir" in -*) dir="./$dir" ;; esac
mkdir -p -- "$dir" 2>/dev/null || die "cannot create the backup folder $dir"
[ -w "$dir" ] || die "the backup folder $dir is not writable by $(id -un)"

stamp="$(date -u +%Y%m%dT%H%M%S.%3NZ)"
work="$(mktemp -d "$dir/.conserje-backup.XXXXXX")" || die "cannot create a temporary folder in $dir"
trap 'rm -rf -- "$work"' EXIT

case "$kind" in
sqlite)
	need sqlite3 "Debian: apt-get install sqlite3"
	need sha256sum "Debian: coreutils"
	src="$(sqlite_path "$database")"
	[ -n "$src" ] || usage_error "no file path in database URL '$database'"
	case "$src" in -*) src="./$src" ;; esac
	[ -f "$src" ] || die "SQLite database $src not found (set --database or CONSERJE_DATABASE_URL to conserje's database.url)"
	[ -r "$src" ] || die "SQLite database $src is not readable by $(id -un)"
	# Opening a WAL database creates its -wal and -shm files when conserje is stopped; made by
	# another user they would lock conserje out of its own database.
	owner="$(stat -c %u -- "$src")"
	[ "$owner" = "$(id -u)" ] ||
		die "run this as the owner of $src (uid $owner), e.g. sudo -u $(stat -c %U -- "$src") $0 ..., so SQLite's -wal/-shm files keep their owner"
	name="conserje-sqlite-$stamp.tar.gz"
	snapshot="$work/conserje.db"
	log "snapshot of $src"
	# VACUUM INTO reads one consistent snapshot in a single read transaction; in WAL mode it
	# never blocks conserje's writers. The busy timeout covers a checkpoint in progress.
	quoted="${snapshot//\'/\'\'}"
	if ! err="$(sqlite3 -bail -cmd '.timeout 30000' "$src" "VACUUM INTO '$quoted';" 2>&1)"; then
		die "VACUUM INTO from $src failed: $err"
	fi
	check="$(sqlite3 -bail "$snapshot" 'PRAGMA integrity_check;' 2>&1)" || die "integrity check of the snapshot failed: $check"
	[ "$check" = ok ] || die "the snapshot of $src fails PRAGMA integrity_check: $check"
	sqlite3 -bail "$snapshot" 'SELECT count(*) FROM schema_migrations;' >/dev/null 2>&1 ||
		die "$src has no schema_migrations table: is it conserje's database?"
	members=(conserje.db)
	# The generated ICS salt lives beside the database; without it every export URL pasted
	# into a portal would change after a restore.
	salt="$(dirname -- "$src")/ics_salt"
	if [ -f "$salt" ]; then
		cp -p -- "$salt" "$work/ics_salt"
		members+=(ics_salt)
	fi
	tar -C "$work" -czf "$work/$name" -- "${members[@]}" || die "cannot pack the snapshot into $name"
	;;
postgres)
	need pg_dump "Debian: apt-get install postgresql-client"
	need pg_restore "Debian: apt-get install postgresql-client"
	need sha256sum "Debian: coreutils"
	name="conserje-postgres-$stamp.dump"
	log "pg_dump of $(redact "$database")"
	# --no-password: never wait for a prompt under cron or a systemd timer.
	if ! err="$(pg_dump --format=custom --no-password --file="$work/$name" --dbname="$database" 2>&1)"; then
		die "pg_dump of $(redact "$database") failed: $err"
	fi
	listing="$(pg_restore --list -- "$work/$name" 2>&1)" || die "the new dump cannot be read back: $listing"
	grep -Eq 'TABLE [^ ]+ schema_migrations ' <<<"$listing" ||
		die "$(redact "$database") has no schema_migrations table: is it conserje's database?"
	;;
esac

final="$dir/$name"
[ ! -e "$final" ] || die "$final already exists"
(cd -- "$work" && sha256sum -- "$name") >"$work/$name.sha256" || die "cannot checksum $name"
# The checksum goes in first and the backup last, so no backup ever sits there without its
# checksum; an interrupted run leaves at most a hidden temporary folder or a lone .sha256.
mv -- "$work/$name.sha256" "$final.sha256"
mv -- "$work/$name" "$final"
log "wrote $final ($(du -h -- "$final" | cut -f1))"

# Retention: the newest $keep backups of this kind stay (names sort by time).
case "$kind" in
sqlite) pattern='conserje-sqlite-*.tar.gz' ;;
postgres) pattern='conserje-postgres-*.dump' ;;
esac
mapfile -t all < <(find "$dir" -maxdepth 1 -type f -name "$pattern" -printf '%f\n' | LC_ALL=C sort)
excess=$((${#all[@]} - keep))
for ((i = 0; i < excess; i++)); do
	rm -f -- "$dir/${all[i]}" "$dir/${all[i]}.sha256"
	log "retention (--keep $keep): removed ${all[i]}"
done

# For node_exporter's textfile collector: written beside the target and renamed, so a
# scrape never reads half a file. A failure here does not undo the backup.
if [ -n "$metrics_file" ]; then
	size="$(stat -c %s -- "$final")"
	tmp_metrics="$metrics_file.$$.tmp"
	if {
		printf '# HELP conserje_backup_last_success_timestamp_seconds When the last backup of this kind succeeded.\n'
		printf '# TYPE conserje_backup_last_success_timestamp_seconds gauge\n'
		printf 'conserje_backup_last_success_timestamp_seconds{kind="%s"} %s\n' "$kind" "$(date -u +%s)"
		printf '# HELP conserje_backup_last_size_bytes Size of the last successful backup of this kind.\n'
		printf '# TYPE conserje_backup_last_size_bytes gauge\n'
		printf 'conserje_backup_last_size_bytes{kind="%s"} %s\n' "$kind" "$size"
	} >"$tmp_metrics" 2>/dev/null && chmod 0644 "$tmp_metrics" && mv -- "$tmp_metrics" "$metrics_file"; then
		:
	else
		rm -f -- "$tmp_metrics"
		log "warning: the backup succeeded but $metrics_file could not be written"
	fi
fi

printf '%s\n' "$final"
