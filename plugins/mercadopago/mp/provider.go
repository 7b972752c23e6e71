package mp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// Version is the plugin's own version.
const Version = "1.0.0"

// DefaultAPIURL is Mercado Pago's API.
const DefaultAPIURL = "https://api.mercadopago.com"

// DefaultTimeout bounds one call to Mercado Pago when the caller's context sets no
// earlier deadline.
const DefaultTimeout = 15 * time.Second

const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "api_url": {"type": "string", "minLength": 1, "description": "Mercado Pago's API base URL (tests point it at a local fake)"},
    "access_token": {"type": "string", "minLength": 1, "writeOnly": true, "description": "the seller's access token (TEST-… for test credentials)"},
    "webhook_secret": {"type": "string", "minLength": 1, "writeOnly": true, "description": "the secret of Your integrations → Webhooks that signs x-signature"},
    "signature_tolerance_seconds": {"type": "integer", "minimum": 1, "maximum": 86400, "description": "how far the signed ts may be from now, either way (600)"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 120, "description": "bound of one call to Mercado Pago (15)"},
    "statement_descriptor": {"type": "string", "maxLength": 22, "description": "what the payer's card statement shows"},
    "sandbox": {"type": "boolean", "description": "send sandbox_init_point (test credentials); TEST- tokens imply it"}
  },
  "required": ["access_token", "webhook_secret"],
  "additionalProperties": false
}`

type settings struct {
	apiURL     string
	token      string
	secret     []byte
	tolerance  time.Duration
	timeout    time.Duration
	descriptor string
	sandbox    bool
}

// Provider is the Mercado Pago payment plugin. The zero value is not usable; call New.
type Provider struct {
	mu       sync.RWMutex
	settings *settings
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger
}

var (
	_ payment.Plugin = (*Provider)(nil)
	_ payment.Finder = (*Provider)(nil)
)

// Option changes a Provider built by New.
type Option func(*Provider)

// WithClock makes the provider read time from now (tests replay signed notifications).
func WithClock(now func() time.Time) Option { return func(p *Provider) { p.now = now } }

// WithHTTPClient replaces the HTTP client used to call Mercado Pago.
func WithHTTPClient(c *http.Client) Option { return func(p *Provider) { p.client = c } }

// WithLogger replaces the plugin's logger (the SDK's stderr logger by default).
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.log = l } }

// New returns an unconfigured provider.
func New(opts ...Option) *Provider {
	p := &Provider{client: &http.Client{}, now: time.Now, log: sdk.Logger()}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Describe says what the plugin is.
func (p *Provider) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:           plugin.KindPayment,
		Name:           "mercadopago",
		Version:        Version,
		Capabilities:   []string{payment.CapabilityRefund, "find"},
		SettingsSchema: json.RawMessage(settingsSchema),
	}, nil
}

// Configure applies the settings; access_token and webhook_secret are required.
func (p *Provider) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	st := settings{apiURL: DefaultAPIURL, tolerance: DefaultTolerance, timeout: DefaultTimeout}
	for k, v := range req.Settings {
		var err error
		switch k {
		case "api_url":
			st.apiURL, err = stringSetting(k, v)
			if err == nil {
				u, perr := url.Parse(st.apiURL)
				if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					err = fmt.Errorf("%w: api_url must be an http(s) URL", plugin.ErrInvalidSettings)
				}
				st.apiURL = strings.TrimSuffix(st.apiURL, "/")
			}
		case "access_token":
			st.token, err = stringSetting(k, v)
		case "webhook_secret":
			var s string
			s, err = stringSetting(k, v)
			st.secret = []byte(s)
		case "signature_tolerance_seconds":
			f, ok := v.(float64)
			if !ok || f < 1 || f > 86400 || f != float64(int64(f)) {
				err = fmt.Errorf("%w: signature_tolerance_seconds must be an integer in [1, 86400]", plugin.ErrInvalidSettings)
			}
			st.tolerance = time.Duration(f) * time.Second
		case "timeout_seconds":
			f, ok := v.(float64)
			if !ok || f <= 0 || f > 120 {
				err = fmt.Errorf("%w: timeout_seconds must be a number in (0, 120]", plugin.ErrInvalidSettings)
			}
			st.timeout = time.Duration(f * float64(time.Second))
		case "statement_descriptor":
			st.descriptor, err = stringSetting(k, v)
		case "sandbox":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("%w: sandbox must be true or false", plugin.ErrInvalidSettings)
			}
			st.sandbox = b
		default:
			err = fmt.Errorf("%w: unknown setting %q", plugin.ErrInvalidSettings, k)
		}
		if err != nil {
			return err
		}
	}
	if st.token == "" || len(st.secret) == 0 {
		return fmt.Errorf("%w: access_token and webhook_secret are required", plugin.ErrInvalidSettings)
	}
	if strings.HasPrefix(st.token, "TEST-") {
		st.sandbox = true
	}
	p.mu.Lock()
	p.settings = &st
	p.mu.Unlock()
	return nil
}

func stringSetting(name string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%w: %s must be a non-empty string", plugin.ErrInvalidSettings, name)
	}
	return s, nil
}

// Stop has nothing to release but idle connections.
func (p *Provider) Stop(context.Context) error {
	p.client.CloseIdleConnections()
	return nil
}

func (p *Provider) current() (*settings, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.settings == nil {
		return nil, plugin.ErrNotConfigured
	}
	return p.settings, nil
}

// HandleWebhook verifies one notification and names the payment to read; it never calls
// Mercado Pago, so the answer is immediate. A bad signature is answered 401; anything
// verified (or an IPN, which cannot be) is answered 200, since any other answer makes
// Mercado Pago retry for days.
func (p *Provider) HandleWebhook(ctx context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error) {
	st, err := p.current()
	if err != nil {
		return payment.WebhookResponse{}, err
	}
	ok := payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusOK}}
	if req.Method != "" && req.Method != http.MethodPost {
		return payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusMethodNotAllowed}}, nil
	}
	n := ParseNotification(req.Query)
	log := p.log.With("trace_id", sdk.TraceID(ctx), "kind", n.Kind, "topic", n.Topic, "id", n.ResourceID)
	if n.Kind == KindWebhook {
		err := VerifySignature(st.secret, SignatureInput{
			Header:    header(req.Headers, "x-signature"),
			DataID:    n.ResourceID,
			RequestID: header(req.Headers, "x-request-id"),
		}, p.now(), st.tolerance)
		if err != nil {
			log.WarnContext(ctx, "notification refused", "err", err.Error())
			return payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusUnauthorized}}, nil
		}
	}
	switch {
	case n.Topic != TopicPayment:
		log.DebugContext(ctx, "notification of a topic conserje does not use")
	case n.ResourceID == "":
		log.WarnContext(ctx, "payment notification without an id in the query; nothing to read")
	case !validPaymentID(n.ResourceID):
		log.WarnContext(ctx, "payment notification with an id that is not a payment id")
	default:
		ok.PaymentIDs = []string{n.ResourceID}
	}
	return ok, nil
}

// validPaymentID: Mercado Pago payment ids are positive int64 decimals.
func validPaymentID(id string) bool {
	return digits(id) && len(id) <= 19 && id[0] != '0'
}

// header reads a header whatever the case its name arrived in.
func header(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
