package deploy_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeDocker stands in for the docker CLI (no Docker engine on the test machines): it
// records every call and answers the health probe from conserje's /healthz as healthy
// unless .env names the tag in $FAKE_UNHEALTHY_TAG at that moment.
const fakeDocker = `#!/bin/sh
echo "$*" >> "$FAKE_DOCKER_LOG"
case "$*" in
  "compose ps --quiet conserje") [ -n "$FAKE_RUNNING" ] && echo 0123abcd; exit 0 ;;
  "compose exec -T conserje curl"*)
    tag="$(sed -n 's/^CONSERJE_VERSION=//p' .env | tail -n 1)"
    [ "$tag" = "$FAKE_UNHEALTHY_TAG" ] && exit 7
    echo '{"status":"ok"}'; exit 0 ;;
  "compose run --rm --no-build conserje migrate up") [ -n "$FAKE_MIGRATE_FAILS" ] && exit 1; exit 0 ;;
esac
exit 0
`

type deployRun struct {
	calls []string
	env   string
	code  int
	out   string
}

func runDeploy(t *testing.T, env string, extra ...string) deployRun {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600))
	docker := filepath.Join(dir, "docker")
	require.NoError(t, os.WriteFile(docker, []byte(fakeDocker), 0o700))
	logFile := filepath.Join(dir, "calls")
	script, err := filepath.Abs("deploy.sh")
	require.NoError(t, err)
	cmd := exec.Command("bash", script, "ghcr.io/acme/conserje", "sha-new")
	cmd.Env = append(os.Environ(), "CONSERJE_DIR="+dir, "DOCKER="+docker, "FAKE_DOCKER_LOG="+logFile, "CONSERJE_HEALTH_TIMEOUT=2")
	cmd.Env = append(cmd.Env, extra...)
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err, string(out))
	}
	calls, _ := os.ReadFile(logFile)
	envAfter, err := os.ReadFile(filepath.Join(dir, ".env"))
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, ".env"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), ".env stays private")
	return deployRun{calls: strings.Split(strings.TrimSpace(string(calls)), "\n"), env: string(envAfter), code: code, out: string(out)}
}

func indexOf(calls []string, prefix string) int {
	for i, c := range calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	return -1
}

func TestDeployScript(t *testing.T) {
	t.Parallel()
	const running = "POSTGRES_PASSWORD=x\nCONSERJE_IMAGE=ghcr.io/acme/conserje\nCONSERJE_VERSION=sha-old\n"

	t.Run("healthy: backup, migrate, then up, in that order", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, running, "FAKE_RUNNING=1")
		require.Equal(t, 0, r.code, r.out)
		pull, backup := indexOf(r.calls, "pull ghcr.io/acme/conserje:sha-new"), indexOf(r.calls, "compose exec -T conserje backup.sh")
		migrate, up := indexOf(r.calls, "compose run --rm --no-build conserje migrate up"), indexOf(r.calls, "compose up -d")
		require.True(t, pull >= 0 && backup > pull && migrate > backup && up > migrate, "order: %v", r.calls)
		assert.Contains(t, r.env, "CONSERJE_VERSION=sha-new\n")
		assert.NotContains(t, r.env, "sha-old")
		assert.Contains(t, r.env, "POSTGRES_PASSWORD=x\n", "the other settings are kept")
	})

	t.Run("never healthy: back to the previous image, exit 1", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, running, "FAKE_RUNNING=1", "FAKE_UNHEALTHY_TAG=sha-new")
		assert.Equal(t, 1, r.code, r.out)
		assert.Contains(t, r.out, "rolling back to ghcr.io/acme/conserje:sha-old")
		assert.Contains(t, r.out, "rolled back: ghcr.io/acme/conserje:sha-old is healthy")
		assert.Contains(t, r.env, "CONSERJE_VERSION=sha-old\n")
		assert.NotContains(t, r.env, "sha-new")
	})

	t.Run("migrations fail: nothing new is started", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, running, "FAKE_RUNNING=1", "FAKE_MIGRATE_FAILS=1")
		assert.Equal(t, 1, r.code, r.out)
		assert.Contains(t, r.env, "CONSERJE_VERSION=sha-old\n")
		migrate := indexOf(r.calls, "compose run --rm --no-build conserje migrate up")
		require.GreaterOrEqual(t, migrate, 0)
		for _, c := range r.calls[:migrate] {
			assert.NotContains(t, c, "compose up", "nothing started before the migrations passed")
		}
	})

	t.Run("first deploy: no backup, and nothing to roll back to", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, "POSTGRES_PASSWORD=x\n", "FAKE_UNHEALTHY_TAG=sha-new")
		assert.Equal(t, 1, r.code, r.out)
		assert.Equal(t, -1, indexOf(r.calls, "compose exec -T conserje backup.sh"))
		assert.Contains(t, r.out, "no previous image to roll back to")
	})

	t.Run("a hostile tag is refused before anything runs", func(t *testing.T) {
		t.Parallel()
		out, err := exec.Command("bash", "deploy.sh", "ghcr.io/acme/conserje", "x;reboot").CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 2, exit.ExitCode())
		assert.Contains(t, string(out), "bad tag")
	})
}
