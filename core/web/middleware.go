package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/obs"
)

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = "X-Request-ID"

// requestID honours a well-formed incoming X-Request-ID (so a proxy's id follows the
// request through logs and plugins), generates one otherwise, echoes it back and puts it
// in the request context. The id is copied: Fiber's header strings point into buffers the
// next request reuses, and the id outlives the request (in logs, and in plugin calls'
// metadata, which gRPC's header compression keeps in a table: a string changing under it
// corrupted that table and panicked under concurrent webhooks).
func requestID(c *fiber.Ctx) error {
	id := strings.Clone(c.Get(HeaderRequestID))
	if !validRequestID(id) {
		id = obs.NewRequestID()
	}
	c.Set(HeaderRequestID, id)
	c.SetUserContext(obs.WithRequestID(c.UserContext(), id))
	return c.Next()
}

// validRequestID accepts 1–128 visible ASCII characters, so a hostile header cannot
// inject line breaks or control characters into logs.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// accessLog logs each request and records its metrics by route pattern (never the raw
// path, which would let clients create unbounded label values).
func (s *Server) accessLog(m *obs.HTTPMetrics) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Let the error handler write the response now so the status is known.
			if herr := s.app.ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		route := c.Route().Path
		if status == fiber.StatusNotFound && route == "/" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		labels := []string{c.Method(), route, strconv.Itoa(status)}
		m.Requests.WithLabelValues(labels...).Inc()
		m.Latency.WithLabelValues(labels...).Observe(elapsed.Seconds())
		if route != "/healthz" && route != "/metrics" {
			// A streamed body (Server-Sent Events) is still being written: reading its
			// length would wait for the stream's end.
			size := -1
			if !c.Response().IsBodyStream() {
				size = len(c.Response().Body())
			}
			s.log.InfoContext(c.UserContext(), "http request",
				"method", c.Method(), "route", route, "status", status,
				"duration_ms", float64(elapsed.Microseconds())/1000, "bytes", size)
		}
		return nil
	}
}
