package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/sdk/plugin"
)

// WebhookTarget hands a provider's request to the named plugin (*channel.Webhooks).
type WebhookTarget interface {
	HandleWebhook(ctx context.Context, plugin string, req plugin.WebhookRequest) (plugin.WebhookReply, error)
}

// Webhook outcomes the handler maps to statuses.
var (
	// ErrNoSuchWebhook: no plugin with webhooks under that name (404).
	ErrNoSuchWebhook = errors.New("no such webhook")
	// ErrWebhookUnavailable: the plugin is down or restarting (503, the provider retries).
	ErrWebhookUnavailable = errors.New("webhook plugin unavailable")
)

// Webhooks serves GET and POST /webhooks/{plugin}: the core owns HTTP, the plugin owns
// its protocol (signature checks, parsing). The raw body and headers go to the plugin and
// its status, headers and body come back to the provider.
type Webhooks struct {
	target   WebhookTarget
	classify func(error) error
	log      *slog.Logger
	// defaultLimit and limit: see WithBodyLimits.
	defaultLimit int
	limit        func(plugin string) int
}

// WebhooksPrefix is the path prefix of the webhooks (for Options.OwnBodyLimit).
const WebhooksPrefix = "/webhooks/"

// WithBodyLimits makes the handler cap each plugin's request bodies (413 beyond): at
// limit(plugin) when positive (the limit the plugin declares), else at defaultLimit (0:
// no cap of its own). Mount the server with WebhooksPrefix in Options.OwnBodyLimit and
// MaxBodyBytes at least the largest limit.
func (h *Webhooks) WithBodyLimits(defaultLimit int, limit func(plugin string) int) *Webhooks {
	h.defaultLimit, h.limit = defaultLimit, limit
	return h
}

func (h *Webhooks) bodyLimit(name string) int {
	if h.limit != nil {
		if n := h.limit(name); n > 0 {
			return n
		}
	}
	return h.defaultLimit
}

var _ Mounter = (*Webhooks)(nil)

// NewWebhooks returns the handler. classify maps the target's errors to ErrNoSuchWebhook
// or ErrWebhookUnavailable (others are 502: the provider retries later).
func NewWebhooks(target WebhookTarget, classify func(error) error, log *slog.Logger) *Webhooks {
	if log == nil {
		log = slog.Default()
	}
	if classify == nil {
		classify = func(err error) error { return err }
	}
	return &Webhooks{target: target, classify: classify, log: log}
}

// Mount implements Mounter.
func (h *Webhooks) Mount(r fiber.Router) {
	r.Get(WebhooksPrefix+":plugin", h.handle)
	r.Post(WebhooksPrefix+":plugin", h.handle)
}

var webhookName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// hopByHop headers describe one connection and never cross the core.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true, "Upgrade": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true, "Trailer": true, "Content-Length": true,
}

func (h *Webhooks) handle(c *fiber.Ctx) error {
	name := c.Params("plugin")
	if !webhookName.MatchString(name) {
		return &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such webhook"}
	}
	if limit := h.bodyLimit(name); limit > 0 && len(c.Body()) > limit {
		h.log.WarnContext(c.UserContext(), "webhook body over the plugin's limit", "plugin", name, "bytes", len(c.Body()), "limit", limit)
		return &APIError{Status: fiber.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "request body too large"}
	}
	req := plugin.WebhookRequest{
		Method:  c.Method(),
		Path:    c.Path(),
		Query:   url.Values{},
		Headers: http.Header{},
		// Copied: fasthttp reuses the request buffer after the handler returns.
		Body: append([]byte(nil), c.Body()...),
	}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { req.Query.Add(string(k), string(v)) })
	c.Context().Request.Header.VisitAll(func(k, v []byte) {
		key := http.CanonicalHeaderKey(string(k))
		if !hopByHop[key] {
			req.Headers.Add(key, string(v))
		}
	})
	reply, err := h.target.HandleWebhook(c.UserContext(), name, req)
	if err != nil {
		switch cls := h.classify(err); {
		case errors.Is(cls, ErrNoSuchWebhook):
			return &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such webhook"}
		case errors.Is(cls, ErrWebhookUnavailable):
			c.Set(fiber.HeaderRetryAfter, "30")
			h.log.WarnContext(c.UserContext(), "webhook plugin unavailable; the provider will retry", "plugin", name, "err", err)
			return &APIError{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "try again later"}
		case errors.Is(cls, context.DeadlineExceeded):
			h.log.ErrorContext(c.UserContext(), "webhook timed out", "plugin", name, "err", err)
			return &APIError{Status: fiber.StatusGatewayTimeout, Code: "timeout", Message: "try again later"}
		case Outage(err):
			h.log.WarnContext(c.UserContext(), "webhook refused: database or lock service unavailable; the provider will retry", "plugin", name, "err", err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(RetryAfterOutage))
			return &APIError{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "try again later"}
		default:
			h.log.ErrorContext(c.UserContext(), "webhook failed", "plugin", name, "err", err)
			return &APIError{Status: fiber.StatusBadGateway, Code: "webhook_failed", Message: "try again later"}
		}
	}
	status := reply.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	for k, vs := range reply.Headers {
		if hopByHop[http.CanonicalHeaderKey(k)] || strings.EqualFold(k, "Set-Cookie") {
			continue
		}
		for _, v := range vs {
			c.Response().Header.Add(k, v)
		}
	}
	return c.Status(status).Send(reply.Body)
}
