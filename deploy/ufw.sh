#!/bin/sh
# The host firewall for conserje (see deploy/host.md): nothing comes in but SSH, HTTP and
# HTTPS (TCP, and UDP for HTTP/3). Run once as root; running it again changes nothing.
#
#   sh deploy/ufw.sh            # apply
#   sh deploy/ufw.sh --dry-run  # print the ufw commands instead
#
# Keep the SSH rule: enabling UFW without it locks you out of a remote machine.
# SSH_PORT overrides 22 when sshd listens elsewhere.
set -eu

SSH_PORT="${SSH_PORT:-22}"
run=""
case "${1:-}" in
	--dry-run) run="echo" ;;
	"") ;;
	*) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac
if [ -z "$run" ] && [ "$(id -u)" != 0 ]; then
	echo "ufw.sh: run as root (or with --dry-run)" >&2
	exit 1
fi

$run ufw default deny incoming
$run ufw default allow outgoing
# limit: more than 6 new connections from one address in 30 seconds are refused.
$run ufw limit "$SSH_PORT/tcp" comment 'ssh'
$run ufw allow 80/tcp comment 'http: ACME challenges and the redirect to https'
$run ufw allow 443/tcp comment 'https'
$run ufw allow 443/udp comment 'https: HTTP/3'
$run ufw --force enable
$run ufw status verbose
