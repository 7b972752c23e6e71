#!/usr/bin/env bash
# Deploys one conserje image to the Compose host, or rolls back. Run on the server in the
# folder holding compose.yaml and .env (CONSERJE_DIR, default /srv/conserje); the CI deploy
# job pipes it over SSH:
#
#   deploy.sh IMAGE TAG          e.g. deploy.sh ghcr.io/acme/conserje sha-0123456789ab
#
# Steps: pull the image; back up the database with the running conserje (skipped on the
# first deploy, when none runs); point .env at the new image (CONSERJE_IMAGE,
# CONSERJE_VERSION); apply the migrations with the new image (`conserje migrate up`);
# `docker compose up -d`; wait until conserje's /healthz answers 200 inside the container
# (CONSERJE_HEALTH_TIMEOUT seconds, default 180). If it never does, .env goes back to the
# previous image, that one is started again, and the script exits 1.
#
# A rollback does not revert migrations: conserje's migrations add, they do not take away,
# so the previous release runs on the newer schema. When a release notes a migration that
# the previous one cannot run on, restore the backup taken in step 2 instead
# (docs/operators.md, "Restoring").
set -euo pipefail

usage() { echo "usage: deploy.sh IMAGE TAG" >&2; exit 2; }
[ $# -eq 2 ] || usage
image="$1"
tag="$2"
[[ "$image" =~ ^[a-z0-9][a-z0-9._/:-]*$ ]] || { echo "deploy.sh: bad image name: $image" >&2; exit 2; }
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "deploy.sh: bad tag: $tag" >&2; exit 2; }

dir="${CONSERJE_DIR:-/srv/conserje}"
timeout="${CONSERJE_HEALTH_TIMEOUT:-180}"
docker="${DOCKER:-docker}"
cd "$dir"
[ -f .env ] || { echo "deploy.sh: no .env in $dir (see docs/operators.md)" >&2; exit 1; }

log() { printf 'deploy: %s\n' "$*" >&2; }

env_get() { sed -n "s/^$1=//p" .env | tail -n 1; }
env_set() {
	local tmp
	tmp="$(mktemp .env.XXXXXX)"
	chmod 0600 "$tmp"
	grep -v "^$1=" .env >"$tmp" || true
	printf '%s=%s\n' "$1" "$2" >>"$tmp"
	mv "$tmp" .env
}

compose() { "$docker" compose "$@"; }

healthy() {
	local deadline=$((SECONDS + timeout))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if compose exec -T conserje curl --fail --silent --max-time 4 http://127.0.0.1:8080/healthz >/dev/null 2>&1; then
			return 0
		fi
		sleep 3
	done
	return 1
}

prev_image="$(env_get CONSERJE_IMAGE)"
prev_tag="$(env_get CONSERJE_VERSION)"
log "deploying $image:$tag (running: ${prev_image:-none}:${prev_tag:-none})"

compose config --quiet
"$docker" pull "$image:$tag"

if [ -n "$(compose ps --quiet conserje 2>/dev/null)" ]; then
	log "backup before the migrations"
	compose exec -T conserje backup.sh
else
	log "no conserje running: first deploy, nothing to back up"
fi

env_set CONSERJE_IMAGE "$image"
env_set CONSERJE_VERSION "$tag"

rollback() {
	if [ -z "$prev_image" ] || [ -z "$prev_tag" ]; then
		log "no previous image to roll back to"
		exit 1
	fi
	log "rolling back to $prev_image:$prev_tag"
	env_set CONSERJE_IMAGE "$prev_image"
	env_set CONSERJE_VERSION "$prev_tag"
	compose up -d --no-build --remove-orphans
	if healthy; then
		log "rolled back: $prev_image:$prev_tag is healthy"
	else
		log "the previous image is not healthy either: look at 'docker compose logs conserje'"
	fi
	exit 1
}

log "migrations"
if ! compose run --rm --no-build conserje migrate up; then
	log "migrations failed"
	rollback
fi

log "starting $image:$tag"
compose up -d --no-build --remove-orphans
if ! healthy; then
	log "conserje did not answer /healthz within ${timeout}s"
	compose logs --tail 50 conserje >&2 || true
	rollback
fi
log "healthy: $(compose exec -T conserje curl --fail --silent --max-time 4 http://127.0.0.1:8080/healthz)"
"$docker" image prune --force --filter "until=720h" >/dev/null || true
