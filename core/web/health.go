package web

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/obs"
)

// Check is one thing /healthz probes. Critical checks that fail make /healthz answer 503.
type Check struct {
	Name     string
	Critical bool
	// Run returns optional details to show (merged into the check's JSON) or an error.
	Run func(ctx context.Context) (map[string]any, error)
}

// Health lists the checks and extra values /healthz reports.
type Health struct {
	Checks []Check
	// Values are reported as is under checks (e.g. "ical_age_min", "plugins").
	Values map[string]func(ctx context.Context) any
	// Timeout bounds each check (default 2 s).
	Timeout time.Duration
	// Token is the API token whose bearer sees the details (checks, plugins with their
	// pids, versions and errors, latencies, the version). Without it, or with no token
	// set, /healthz answers only {"status": ...}: anyone may probe it.
	Token string
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	ctx := c.UserContext()
	details := s.health.Token != "" && bearerMatches(c, sha256.Sum256([]byte(s.health.Token)))
	timeout := s.health.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	checks := fiber.Map{}
	healthy := true
	for _, ch := range s.health.Checks {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		detail, err := ch.Run(cctx)
		cancel()
		out := fiber.Map{}
		for k, v := range detail {
			out[k] = v
		}
		out["latency_ms"] = float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			out["status"] = "down"
			out["error"] = err.Error()
			if ch.Critical {
				healthy = false
			}
		} else {
			out["status"] = "ok"
		}
		checks[ch.Name] = out
	}
	status, code := "ok", fiber.StatusOK
	if !healthy {
		status, code = "down", fiber.StatusServiceUnavailable
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if !details {
		return c.Status(code).JSON(fiber.Map{"status": status})
	}
	for name, value := range s.health.Values {
		checks[name] = value(ctx)
	}
	return c.Status(code).JSON(fiber.Map{"status": status, "checks": checks, "version": obs.Version})
}
