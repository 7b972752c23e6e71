// Package deploy holds what operators run beside the conserje binary: the Caddyfile, the
// systemd units, the Prometheus alert rules and the backup.sh / restore.sh scripts. It has no
// Go API; its tests run those scripts against real SQLite and PostgreSQL databases migrated
// with conserje's own migrations, so the documented backup and restore procedure is the one
// that is tested.
package deploy
