package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/web/clientip"
)

// Mounter adds a feature's routes (the booking API, the chat, webhooks...) to the app.
type Mounter interface {
	Mount(r fiber.Router)
}

// MountFunc adapts a function to Mounter.
type MountFunc func(r fiber.Router)

// Mount implements Mounter.
func (f MountFunc) Mount(r fiber.Router) { f(r) }

// Options configure the server.
type Options struct {
	Addr string
	// BodyLimitBytes caps request bodies (413 beyond) on every route but those under
	// OwnBodyLimit prefixes (default 1 MiB).
	BodyLimitBytes int
	// MaxBodyBytes is what the transport reads at most, for the routes with their own
	// (larger) limit; it is raised to BodyLimitBytes when lower.
	MaxBodyBytes int
	// OwnBodyLimit lists path prefixes whose handlers apply their own body limit up to
	// MaxBodyBytes (the webhooks: each plugin declares its own).
	OwnBodyLimit []string
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// TrustedProxies may set X-Forwarded-For; from anyone else it is ignored (see
	// package clientip for how the client's address is chosen).
	TrustedProxies []string
	Logger         *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics.
	Registry *prometheus.Registry
	// Health lists what /healthz checks.
	Health Health
	// Mounts are the feature routes, mounted in order.
	Mounts []Mounter
}

// Server is the HTTP server of conserje.
type Server struct {
	app    *fiber.App
	opts   Options
	log    *slog.Logger
	health Health
	unused unusedConns
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		return nil, errors.New("web: a metrics registry is required")
	}
	if opts.BodyLimitBytes <= 0 {
		opts.BodyLimitBytes = 1 << 20
	}
	opts.MaxBodyBytes = max(opts.MaxBodyBytes, opts.BodyLimitBytes)
	metrics, err := obs.NewHTTPMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("web: register metrics: %w", err)
	}
	ips, err := clientip.New(opts.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("web: http.trusted_proxies: %w", err)
	}
	s := &Server{opts: opts, log: opts.Logger, health: opts.Health}
	s.app = fiber.New(fiber.Config{
		// Fiber hands out strings that alias its reusable buffers; anything kept past the
		// request (metric labels, limiter keys, logged values) would change under our feet.
		// Immutable makes every string a copy.
		Immutable:             true,
		AppName:               "conserje",
		BodyLimit:             transportLimit(opts),
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          opts.WriteTimeout,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// c.IP() stays the connection's address: the client's is clientip.From(c), which
		// reads X-Forwarded-For from the right and only from trusted proxies. The trusted
		// list still decides whether X-Forwarded-Proto/Host are read.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          opts.TrustedProxies,
	})
	s.app.Use(requestID, ips.Middleware(), s.accessLog(metrics))
	if opts.MaxBodyBytes > opts.BodyLimitBytes {
		s.app.Use(s.capBody)
	}
	s.app.Get("/healthz", s.handleHealth)
	metricsHandler := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	s.app.Get("/metrics", func(c *fiber.Ctx) error {
		metricsHandler(c.Context())
		return nil
	})
	for _, m := range opts.Mounts {
		m.Mount(s.app)
	}
	return s, nil
}

// transportLimit is what the transport reads of a body: MaxBodyBytes, with some room
// above it when routes apply their own limits, so that a body a little over a route's
// limit is answered 413 by the route rather than cut off (a reset connection) by the
// transport.
func transportLimit(opts Options) int {
	if opts.MaxBodyBytes > opts.BodyLimitBytes {
		return opts.MaxBodyBytes + 64<<10
	}
	return opts.MaxBodyBytes
}

// capBody answers 413 to a body over BodyLimitBytes on the routes without their own
// limit (the transport read it because some route takes up to MaxBodyBytes).
func (s *Server) capBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) <= s.opts.BodyLimitBytes {
		return c.Next()
	}
	for _, prefix := range s.opts.OwnBodyLimit {
		if strings.HasPrefix(c.Path(), prefix) {
			return c.Next()
		}
	}
	return fiber.ErrRequestEntityTooLarge
}

// App exposes the Fiber app, for tests (app.Test) and for features mounted late.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(s.unused.listen(ln))
}

// ListenAndServe listens on the configured address and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	return s.Serve(ln)
}

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends;
// connections that never sent a byte are closed (unusedConns).
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.unused.closeWhileShuttingDown(ctx)()
	return s.app.ShutdownWithContext(ctx)
}

// APIError is the JSON error body of api.md: {"error": {"code", "message", "fields"}}.
type APIError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Extra holds additional top-level members (e.g. "alternatives" on a 409).
	Extra map[string]any `json:"-"`
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// WriteError writes an APIError as JSON with its status.
func WriteError(c *fiber.Ctx, e *APIError) error {
	body := fiber.Map{"error": e}
	for k, v := range e.Extra {
		body[k] = v
	}
	return c.Status(e.Status).JSON(body)
}

// RetryAfterOutage is the Retry-After (seconds) of a 503 for an outage of the database or
// of Redis: both usually come back within seconds (a restart, a failover).
const RetryAfterOutage = 5

// Outage reports whether err comes from the database or the lock service (Redis) being
// unreachable: the request may succeed when retried.
func Outage(err error) bool {
	return errors.Is(err, lock.ErrUnavailable) || store.IsUnavailable(err)
}

// WriteUnavailable answers 503 with Retry-After: the client (or provider) retries the same
// request, which the chat's message_id and the webhooks' ids make safe.
func WriteUnavailable(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(RetryAfterOutage))
	return WriteError(c, &APIError{Status: fiber.StatusServiceUnavailable, Code: "unavailable",
		Message: "temporarily unavailable; retry in a few seconds (the same request is safe to repeat)"})
}

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return WriteError(c, apiErr)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := map[int]string{
			fiber.StatusNotFound:              "not_found",
			fiber.StatusMethodNotAllowed:      "method_not_allowed",
			fiber.StatusRequestEntityTooLarge: "body_too_large",
			fiber.StatusTooManyRequests:       "rate_limited",
			fiber.StatusBadRequest:            "bad_request",
			fiber.StatusUnauthorized:          "unauthorized",
		}[fe.Code]
		if code == "" {
			code = "error"
		}
		return WriteError(c, &APIError{Status: fe.Code, Code: code, Message: fe.Message})
	}
	if Outage(err) {
		s.log.WarnContext(c.UserContext(), "request refused: database or lock service unavailable", "method", c.Method(), "path", c.Path(), "err", err)
		return WriteUnavailable(c)
	}
	s.log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return WriteError(c, &APIError{Status: fiber.StatusInternalServerError, Code: "internal", Message: "something went wrong on our side; try again, and quote the X-Request-ID header if it persists"})
}
