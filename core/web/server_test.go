package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/web"
	"github.com/conserje/conserje/core/web/clientip"
)

func newServer(t *testing.T, opts web.Options) *web.Server {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = obs.NewRegistry()
	}
	s, err := web.New(opts)
	require.NoError(t, err)
	return s
}

func TestRequestIDIsHonouredOrGenerated(t *testing.T) {
	s := newServer(t, web.Options{})
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{"honours a proxy's id", "req-abc-123", true},
		{"generates when absent", "", false},
		{"replaces an id with control characters", "bad\tid", false},
		{"replaces an overlong id", strings.Repeat("x", 200), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-ID", tc.sent)
			}
			resp, err := s.App().Test(req)
			require.NoError(t, err)
			got := resp.Header.Get("X-Request-ID")
			if tc.echoed {
				assert.Equal(t, tc.sent, got)
			} else {
				assert.Regexp(t, `^[0-9a-f]{16}$`, got)
			}
		})
	}
}

func TestHealthReflectsCriticalChecks(t *testing.T) {
	var dbDown atomic.Bool
	s := newServer(t, web.Options{Health: web.Health{
		Checks: []web.Check{
			{Name: "db", Critical: true, Run: func(context.Context) (map[string]any, error) {
				if dbDown.Load() {
					return nil, errors.New("connection refused")
				}
				return map[string]any{"dialect": "sqlite"}, nil
			}},
			{Name: "optional", Run: func(context.Context) (map[string]any, error) { return nil, errors.New("meh") }},
		},
		Values: map[string]func(context.Context) any{"ical_age_min": func(context.Context) any { return 3 }},
		Token:  "api-token-0123456789",
	}})
	public := func() (int, string) {
		resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/healthz", nil))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	get := func() (int, string) {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("Authorization", "Bearer api-token-0123456789")
		resp, err := s.App().Test(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get()
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, `"status":"ok"`)
	assert.Contains(t, body, `"ical_age_min":3`)
	assert.Contains(t, body, `"latency_ms"`)

	code, body = public()
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"status":"ok"}`, body, "without the token: the status only")

	dbDown.Store(true)
	code, body = get()
	assert.Equal(t, 503, code)
	assert.Contains(t, body, `"error":"connection refused"`)
	code, body = public()
	assert.Equal(t, 503, code)
	assert.JSONEq(t, `{"status":"down"}`, body, "no error text, latency or version for anyone")

	dbDown.Store(false)
	code, _ = get()
	assert.Equal(t, 200, code, "back to 200 without a restart")
}

func TestErrorsAreJSONAndBodiesAreCapped(t *testing.T) {
	s := newServer(t, web.Options{BodyLimitBytes: 2048, Mounts: []web.Mounter{web.MountFunc(func(r fiber.Router) {
		r.Post("/echo", func(c *fiber.Ctx) error { return c.Send(c.Body()) })
		r.Get("/boom", func(*fiber.Ctx) error { return errors.New("secret internal detail") })
	})}})
	t.Run("unknown route", func(t *testing.T) {
		resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/nope", nil))
		require.NoError(t, err)
		assert.Equal(t, 404, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		assert.JSONEq(t, `{"error":{"code":"not_found","message":"Cannot GET /nope"}}`, string(body))
	})
	t.Run("oversized body", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = s.Serve(ln) }()
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		resp, err := http.Post("http://"+ln.Addr().String()+"/echo", "text/plain", strings.NewReader(strings.Repeat("a", 4096)))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, 413, resp.StatusCode)
		small, err := http.Post("http://"+ln.Addr().String()+"/echo", "text/plain", strings.NewReader("hola"))
		require.NoError(t, err)
		defer small.Body.Close()
		assert.Equal(t, 200, small.StatusCode)
	})
	t.Run("internal errors do not leak", func(t *testing.T) {
		resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/boom", nil))
		require.NoError(t, err)
		assert.Equal(t, 500, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		assert.NotContains(t, string(body), "secret internal detail")
		assert.Contains(t, string(body), `"code":"internal"`)
	})
}

func TestMetricsByRouteAndStatus(t *testing.T) {
	s := newServer(t, web.Options{Mounts: []web.Mounter{web.MountFunc(func(r fiber.Router) {
		r.Get("/api/v1/reservations/:code", func(c *fiber.Ctx) error { return c.SendStatus(404) })
	})}})
	for _, code := range []string{"RES1", "RES2"} {
		_, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/api/v1/reservations/"+code, nil))
		require.NoError(t, err)
	}
	resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `conserje_http_requests_total{method="GET",route="/api/v1/reservations/:code",status="404"} 2`)
	assert.Contains(t, string(body), `conserje_http_request_duration_seconds_bucket`)
	assert.Contains(t, string(body), "go_goroutines", "Go runtime metrics are exported")
	assert.NotContains(t, string(body), "RES1", "raw paths never become labels")
}

// serveSlow serves a route /slow that takes 300 ms; started is closed when a request
// reached it, served receives what Serve returned.
func serveSlow(t *testing.T) (s *web.Server, addr string, started <-chan struct{}, served <-chan error) {
	t.Helper()
	begun := make(chan struct{})
	s = newServer(t, web.Options{Mounts: []web.Mounter{web.MountFunc(func(r fiber.Router) {
		r.Get("/slow", func(c *fiber.Ctx) error {
			close(begun)
			time.Sleep(300 * time.Millisecond)
			return c.SendString("done")
		})
	})}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	return s, ln.Addr().String(), begun, done
}

// slowResult is what a GET /slow got.
type slowResult struct {
	body string
	err  error
}

// getSlow requests /slow from addr in the background.
func getSlow(addr string) <-chan slowResult {
	res := make(chan slowResult, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			res <- slowResult{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- slowResult{string(b), err}
	}()
	return res
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	s, addr, started, served := serveSlow(t)
	res := getSlow(addr)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	r := <-res
	require.NoError(t, r.err)
	assert.Equal(t, "done", r.body, "the request in flight completes")
	require.NoError(t, <-served)
	_, err := net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "no new connections after shutdown")
}

// TestShutdownClosesConnectionsThatSentNothing: a connection a client opened and never
// used (a reverse proxy's or an HTTP client's pool keeps such ones) does not hold the
// shutdown up to its deadline; a request in flight still completes.
func TestShutdownClosesConnectionsThatSentNothing(t *testing.T) {
	s, addr, started, served := serveSlow(t)
	unused, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer unused.Close()
	time.Sleep(1100 * time.Millisecond) // older than a client about to send its request

	res := getSlow(addr)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx), "the unused connection does not hold the shutdown up")
	r := <-res
	require.NoError(t, r.err)
	assert.Equal(t, "done", r.body, "the request in flight completes")
	require.NoError(t, <-served)
	require.NoError(t, unused.SetReadDeadline(time.Now().Add(2*time.Second)))
	_, err = unused.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the unused connection was closed by the server")
}

func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	ipRoute := web.MountFunc(func(r fiber.Router) {
		r.Get("/ip", func(c *fiber.Ctx) error { return c.SendString(clientip.From(c)) })
	})
	cases := []struct {
		name      string
		trusted   []string
		forwarded string
		want      string
	}{
		{"untrusted sender cannot forge its address", nil, "203.0.113.9", "0.0.0.0"},
		{"trusted proxy passes the guest's address", []string{"0.0.0.0"}, "203.0.113.9", "203.0.113.9"},
		{"the guest's own header is not believed", []string{"0.0.0.0"}, "1.2.3.4, 203.0.113.9", "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, web.Options{TrustedProxies: tc.trusted, Mounts: []web.Mounter{ipRoute}})
			req := httptest.NewRequest(http.MethodGet, "/ip", nil)
			req.Header.Set("X-Forwarded-For", tc.forwarded)
			resp, err := s.App().Test(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tc.want, string(body))
		})
	}
}

// TestMetricsAfterManyMixedRequests: labels kept by the metrics must not alias Fiber's
// reused buffers (they read "GETT", "POS" and /metrics failed for good after ~90
// requests); client addresses kept by limiters neither.
func TestMetricsAfterManyMixedRequests(t *testing.T) {
	var keptIPs sync.Map
	routes := web.MountFunc(func(r fiber.Router) {
		r.Get("/a", func(c *fiber.Ctx) error { keptIPs.Store(clientip.From(c), true); return c.SendString("a") })
		r.Post("/b/:id", func(c *fiber.Ctx) error {
			keptIPs.Store(clientip.From(c), true)
			return c.SendStatus(http.StatusCreated)
		})
		r.Delete("/c", func(c *fiber.Ctx) error { return fiber.NewError(http.StatusConflict, "no") })
	})
	s := newServer(t, web.Options{TrustedProxies: []string{"127.0.0.1"}, Mounts: []web.Mounter{routes}, Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = s.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(func() {
		client.CloseIdleConnections() // Shutdown waits for open keep-alive connections
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})

	type call struct{ method, path string }
	mix := []call{{"GET", "/a"}, {"POST", "/b/1"}, {"POST", "/b/22"}, {"DELETE", "/c"}, {"HEAD", "/a"},
		{"GET", "/nowhere/" + strings.Repeat("x", 40)}, {"PUT", "/a"}, {"OPTIONS", "/b/3"}, {"GET", "/healthz"}}
	const n = 4000
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				c := mix[i%len(mix)]
				req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader("x=1"))
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.%d.%d", i%7, i%200))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	resp, err := client.Get(base + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	methods := regexp.MustCompile(`conserje_http_requests_total\{[^}]*method="([^"]*)"`).FindAllStringSubmatch(string(body), -1)
	require.NotEmpty(t, methods)
	for _, m := range methods {
		assert.Contains(t, []string{"GET", "POST", "DELETE", "HEAD", "PUT", "OPTIONS"}, m[1])
	}
	keptIPs.Range(func(k, _ any) bool {
		assert.Regexp(t, `^203\.0\.[0-6]\.\d{1,3}$`, k)
		return true
	})
}

// TestRequestIDOutlivesTheRequest: the id put in the context is the server's own copy.
// Fiber's header strings point into buffers the next request reuses; an id kept past the
// request (a plugin call's metadata, which gRPC's header compression keeps in a table)
// must not change under it.
func TestRequestIDOutlivesTheRequest(t *testing.T) {
	var seen []string
	s := newServer(t, web.Options{Mounts: []web.Mounter{web.MountFunc(func(r fiber.Router) {
		r.Get("/probe", func(c *fiber.Ctx) error {
			seen = append(seen, obs.RequestID(c.UserContext()))
			return c.SendStatus(http.StatusNoContent)
		})
	})}})
	ids := []string{"first-request-id-1111", "later-request-id-2222", "third-request-id-3333"}
	for _, id := range ids {
		req := httptest.NewRequest(http.MethodGet, "/probe", nil)
		req.Header.Set("X-Request-ID", id)
		resp, err := s.App().Test(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, ids, seen)
}
