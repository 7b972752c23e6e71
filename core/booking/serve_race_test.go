package booking_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestRaceAcrossTwoServeProcesses runs two real `conserje serve` replicas on one
// PostgreSQL and one Redis and fires 200 overlapping pre-reservations at both: exactly one
// may win, across processes.
func TestRaceAcrossTwoServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	pgURL := storetest.PostgresURL(t)
	redisURL := storetest.RedisURL(t)
	binary := buildConserje(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("plugins: []\ncalendar:\n  plugin: \"\"\ndialogs:\n  reload: false\n"), 0o600))
	const token = "race-test-token-0123456789abcdef"
	env := []string{
		"CONSERJE_DATABASE_URL=" + pgURL, "CONSERJE_REDIS_URL=" + redisURL, "CONSERJE_API_TOKEN=" + token,
		"CONSERJE_ICS_SALT=race-test-salt-0123456789abcdef",
		"CONSERJE_DIALOGS_DIR=" + repoPath(t, "dialogs"), "CONSERJE_DIALOGS_LOCALES_DIR=" + repoPath(t, "locales"), "CONSERJE_LOG_LEVEL=warn", "CONSERJE_ADMIN_PASSWORD=race-test-password",
	}
	out, err := runConserje(binary, dir, env, "seed", "demo")
	require.NoError(t, err, out)

	var urls []string
	for range 2 {
		addr := freeAddr(t)
		cmd := exec.Command(binary, "serve")
		cmd.Dir = dir
		cmd.Env = append(withoutConserjeEnv(), append(env, "CONSERJE_HTTP_ADDR="+addr)...)
		var log syncBuffer
		cmd.Stdout, cmd.Stderr = &log, &log
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
			}
		})
		url := "http://" + addr
		require.Eventually(t, func() bool {
			resp, err := http.Get(url + "/healthz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}, 60*time.Second, 100*time.Millisecond, "serve answers /healthz; output:\n%s", &log)
		urls = append(urls, url)
	}

	// Stays two months ahead (the servers run on the real clock), all holding two nights.
	base := store.DateOf(time.Now().In(mustZone(t)).AddDate(0, 2, 0))
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 200 {
		in := base.AddDays(i % 3)
		body := fmt.Sprintf(`{"accommodation_id": 1, "check_in": %q, "check_out": %q, "guests": 2, "guest": {"name": "Ana"}}`, in, in.AddDays(4))
		target := urls[i%2] + "/api/v1/pre-reservations"
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			req, err := http.NewRequest("POST", target, strings.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
				t.Errorf("unexpected %d from %s: %s", resp.StatusCode, target, raw)
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	assert.Equal(t, 1, statuses[http.StatusCreated], "exactly one winner across both replicas: %v", statuses)
	assert.Equal(t, 199, statuses[http.StatusConflict], "%v", statuses)

	db := storetest.Open(t, pgURL)
	var n int
	require.NoError(t, db.NewSelect().Table("reservations").ColumnExpr("count(*)").Where("accommodation_id = 1").Scan(context.Background(), &n))
	assert.Equal(t, 1, n)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// buildConserje builds the binary once per test process.
func buildConserje(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "conserje-race-bin")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "conserje")
		out, err := exec.Command("go", "build", "-o", buildPath, "github.com/conserje/conserje/core/cmd/conserje").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build conserje: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return buildPath
}

func runConserje(binary, dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(withoutConserjeEnv(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// repoPath is a folder of the repository, absolute, for servers run from a temp dir.
func repoPath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", name))
	require.NoError(t, err)
	return p
}

func withoutConserjeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONSERJE_") {
			env = append(env, kv)
		}
	}
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func mustZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	require.NoError(t, err)
	return loc
}

// syncBuffer is a bytes.Buffer safe to write from a process's pipes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
