package cloudapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// Version is the plugin's own version.
const Version = "1.0.0"

// Defaults of the settings.
const (
	DefaultGraphURL   = "https://graph.facebook.com"
	DefaultAPIVersion = "v24.0"
	// MaxWebhookBody is the webhook body the plugin asks the core to accept: BSPs cite
	// payloads up to 3 MB (providers.md 1.2).
	MaxWebhookBody = 3 << 20
	defaultTimeout = 20 * time.Second
)

// VoiceMIME is the only audio type that keeps WhatsApp's voice-note look.
const VoiceMIME = "audio/ogg; codecs=opus"

// Settings are the plugin's settings (config.yaml plugins.<name>.settings).
type Settings struct {
	GraphURL       string  `json:"graph_url"`
	APIVersion     string  `json:"api_version"`
	PhoneNumberID  string  `json:"phone_number_id"`
	AccessToken    string  `json:"access_token"`
	AppSecret      string  `json:"app_secret"`
	VerifyToken    string  `json:"verify_token"`
	StripARMobile9 bool    `json:"strip_ar_mobile_9"`
	TimeoutSeconds float64 `json:"timeout_seconds"`
}

// SettingsSchema is the JSON Schema of Settings; the three credentials are secret.
var SettingsSchema = plugin.SettingsSchema(
	plugin.Setting{Name: "graph_url", Default: DefaultGraphURL, Pattern: "^https?://", Description: "base URL of the Graph API (a local fake in tests)"},
	plugin.Setting{Name: "api_version", Default: DefaultAPIVersion, Pattern: `^v[0-9]+\.[0-9]+$`, Description: "pinned Graph API version"},
	plugin.Setting{Name: "phone_number_id", Required: true, Pattern: "^[0-9]+$", Description: "the business phone number's id (not the number)"},
	plugin.Setting{Name: "access_token", Required: true, Secret: true, MinLength: 1, Description: "system user access token"},
	plugin.Setting{Name: "app_secret", Required: true, Secret: true, MinLength: 1, Description: "the app's secret: the key of X-Hub-Signature-256"},
	plugin.Setting{Name: "verify_token", Required: true, Secret: true, MinLength: 1, Description: "the token typed in the App Dashboard for the webhook handshake"},
	plugin.Setting{Name: "strip_ar_mobile_9", Type: "boolean", Default: false, Description: "send to 54… instead of 549… (test numbers in development; docs/providers.md 1.5)"},
	plugin.Setting{Name: "timeout_seconds", Type: "number", Default: 20, Description: "bound of one Graph API call"},
)

// Capabilities are what the core may send through WhatsApp.
var Capabilities = channel.Capabilities{
	AddressKind: plugin.AddressPhone, MaxText: MaxText, MaxButtons: MaxButtons, MaxButtonTitle: MaxButtonTitle,
	MaxListRows: MaxListRows, MaxListRowTitle: MaxListRowTitle, Templates: true, AudioMIME: []string{VoiceMIME},
	Media: true, WindowHours: 24, MaxWebhookBody: MaxWebhookBody,
}

// Plugin is the WhatsApp Cloud API channel plugin. The zero value is not usable; call New.
type Plugin struct {
	log  *slog.Logger
	http *http.Client // nil: one per Configure with the configured timeout

	mu       sync.RWMutex
	settings Settings
	client   *Client
}

var (
	_ channel.Plugin       = (*Plugin)(nil)
	_ plugin.HealthChecker = (*Plugin)(nil)
)

// New returns an unconfigured plugin logging to log (nil: discarded).
func New(log *slog.Logger) *Plugin {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Plugin{log: log}
}

// WithHTTPClient makes the plugin call the Graph API with c (tests).
func (p *Plugin) WithHTTPClient(c *http.Client) *Plugin { p.http = c; return p }

// Describe implements plugin.Lifecycle.
func (p *Plugin) Describe(context.Context) (plugin.Description, error) {
	caps := Capabilities
	return plugin.Description{
		Kind: plugin.KindChannel, Name: "whatsapp-cloud", Version: Version,
		Capabilities: []string{channel.CapabilityButtons, channel.CapabilityLists, channel.CapabilityTemplates,
			channel.CapabilityAudio, channel.CapabilityMedia},
		SettingsSchema: SettingsSchema,
		Channel:        &caps,
	}, nil
}

// Configure implements plugin.Lifecycle. It never calls Meta: a Graph outage at boot must
// not keep the channel down.
func (p *Plugin) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	s := Settings{GraphURL: DefaultGraphURL, APIVersion: DefaultAPIVersion}
	if err := plugin.DecodeSettings(req.Settings, &s); err != nil {
		return err
	}
	var problems []string
	if u, err := url.Parse(s.GraphURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, "graph_url must be an http(s) URL")
	}
	for name, v := range map[string]string{"phone_number_id": s.PhoneNumberID, "access_token": s.AccessToken, "app_secret": s.AppSecret, "verify_token": s.VerifyToken} {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, name+" is required")
		}
	}
	if strings.ContainsAny(s.PhoneNumberID, "/?#") {
		problems = append(problems, "phone_number_id must be the number's id")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", plugin.ErrInvalidSettings, strings.Join(problems, "; "))
	}
	timeout := defaultTimeout
	if s.TimeoutSeconds > 0 {
		timeout = time.Duration(s.TimeoutSeconds * float64(time.Second))
	}
	hc := p.http
	if hc == nil {
		hc = newHTTPClient(timeout)
	}
	c := &Client{BaseURL: s.GraphURL, Version: s.APIVersion, PhoneNumberID: s.PhoneNumberID, Token: s.AccessToken, HTTP: hc}
	p.mu.Lock()
	old := p.client
	p.settings, p.client = s, c
	p.mu.Unlock()
	if old != nil && old.HTTP != hc {
		old.HTTP.CloseIdleConnections()
	}
	p.log.Info("whatsapp configured", "instance", req.Instance, "phone_number_id", s.PhoneNumberID, "api_version", s.APIVersion)
	return nil
}

// idleConnsPerHost is how many idle connections to the Graph API are kept for reuse: the
// core sends up to 8 replies at once (conversation.SenderOptions.Concurrency) and media
// moves beside them. net/http keeps two, so over HTTP/1.1 (a proxy, a fake Graph API) most
// sends of a busy moment opened a new connection, handshake included, and left it in
// TIME_WAIT: one per reply in a burst.
const idleConnsPerHost = 32

// newHTTPClient is the plugin's own client: net/http's default transport (proxy from the
// environment, HTTP/2 where the server offers it) keeping idleConnsPerHost connections.
func newHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idleConnsPerHost
	return &http.Client{Timeout: timeout, Transport: t}
}

// Stop implements plugin.Lifecycle: it lets go of the idle Graph API connections.
func (p *Plugin) Stop(context.Context) error {
	p.mu.RLock()
	c := p.client
	p.mu.RUnlock()
	if c != nil {
		c.HTTP.CloseIdleConnections()
	}
	return nil
}

// Health implements plugin.HealthChecker: configured means healthy (upstream trouble
// shows in send errors, classified).
func (p *Plugin) Health(context.Context) error {
	if _, _, err := p.current(); err != nil {
		return err
	}
	return nil
}

func (p *Plugin) current() (Settings, *Client, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.client == nil {
		return Settings{}, nil, plugin.ErrNotConfigured
	}
	return p.settings, p.client, nil
}

// HandleWebhook implements channel.Channel: GET is Meta's verification handshake, POST a
// signed notification.
func (p *Plugin) HandleWebhook(ctx context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	s, _, err := p.current()
	if err != nil {
		return channel.WebhookResponse{}, err
	}
	switch req.Method {
	case http.MethodGet:
		return verifyHandshake(s, req.Query), nil
	case http.MethodPost:
		return p.notification(ctx, s, req), nil
	}
	return channel.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusMethodNotAllowed}}, nil
}

func reply(status int, body string) channel.WebhookResponse {
	return channel.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: status,
		Headers: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte(body)}}
}

// verifyHandshake answers GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…: the
// challenge verbatim when the token matches (constant time), 403 otherwise, 400 without a
// challenge.
func verifyHandshake(s Settings, q url.Values) channel.WebhookResponse {
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	ok := mode == "subscribe" && subtle.ConstantTimeCompare([]byte(token), []byte(s.VerifyToken)) == 1
	switch {
	case !ok:
		return reply(http.StatusForbidden, "forbidden")
	case challenge == "":
		return reply(http.StatusBadRequest, "missing hub.challenge")
	}
	return reply(http.StatusOK, challenge)
}

// notification verifies the signature over the raw bytes before parsing, then
// normalizes. With a valid signature the answer is 200 whatever the body (logged when
// unusable); only a bad signature is refused.
func (p *Plugin) notification(ctx context.Context, s Settings, req channel.WebhookRequest) channel.WebhookResponse {
	sig := req.Headers.Get(SignatureHeader)
	if sig == "" {
		p.log.WarnContext(ctx, "whatsapp webhook without signature refused")
		return reply(http.StatusUnauthorized, "missing signature")
	}
	if !VerifySignature([]byte(s.AppSecret), sig, req.Body) {
		p.log.WarnContext(ctx, "whatsapp webhook with a bad signature refused", "bytes", len(req.Body))
		return reply(http.StatusForbidden, "bad signature")
	}
	ev, err := Parse(req.Body)
	if err != nil {
		p.log.WarnContext(ctx, "whatsapp webhook body unusable; acknowledged", "err", err, "bytes", len(req.Body))
		return reply(http.StatusOK, "")
	}
	out := reply(http.StatusOK, "")
	for _, m := range ev.Messages {
		if m.PhoneNumberID != s.PhoneNumberID {
			p.log.InfoContext(ctx, "whatsapp message for another number dropped", "phone_number_id", m.PhoneNumberID)
			continue
		}
		out.Messages = append(out.Messages, Inbound(m))
	}
	for _, st := range ev.Statuses {
		if st.PhoneNumberID != s.PhoneNumberID {
			continue
		}
		out.Statuses = append(out.Statuses, DeliveryStatus(st))
	}
	return out
}

// Inbound is the channel contract's form of a webhook message.
func Inbound(m Message) channel.InboundMessage {
	in := channel.InboundMessage{
		ExternalID: m.ID, From: m.From, FromUserID: m.FromUserID, FromName: m.ProfileName, To: m.PhoneNumberID,
		ReceivedAt: time.Unix(m.Timestamp, 0).UTC(), ReplyTo: m.ContextID,
	}
	if in.From == "" {
		in.From = m.FromUserID
	}
	media := func(t channel.MessageType) {
		in.Type = t
		in.Media = &channel.Media{ID: m.MediaID, MIME: m.MIME, SHA256: m.SHA256, Voice: m.Voice, Filename: m.Filename, Caption: m.Caption}
		in.Text = m.Caption
	}
	switch m.Type {
	case "text":
		in.Type, in.Text = channel.TypeText, m.Text
	case "audio":
		media(channel.TypeAudio)
	case "image":
		media(channel.TypeImage)
	case "video":
		media(channel.TypeVideo)
	case "document":
		media(channel.TypeDocument)
	case "interactive", "button":
		in.Type, in.ButtonID, in.Text = channel.TypeButtonReply, m.ButtonID, m.ButtonTitle
	case "location":
		in.Type = channel.TypeLocation
		if l := m.Location; l != nil {
			in.Location = &channel.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
	case "reaction":
		in.Type = channel.TypeReaction
		if r := m.Reaction; r != nil {
			in.Reaction = &channel.Reaction{MessageID: r.MessageID, Emoji: r.Emoji}
		}
	case "unsupported":
		in.Type, in.RawType = channel.TypeUnsupported, m.UnsupportedType
	default:
		// A sticker, a contact card, or a type newer than this plugin: kept by name.
		in.Type, in.RawType = channel.TypeUnsupported, m.Type
	}
	for _, c := range m.ErrorCodes {
		in.ErrorCodes = append(in.ErrorCodes, fmt.Sprint(c))
	}
	return in
}

// DeliveryStatus is the channel contract's form of a webhook status; the state is the
// string as sent (the core keeps ones it does not know).
func DeliveryStatus(st Status) channel.DeliveryStatus {
	out := channel.DeliveryStatus{ExternalID: st.ID, Recipient: st.RecipientID, State: channel.DeliveryState(st.Status),
		At: time.Unix(st.Timestamp, 0).UTC(), Error: st.ErrorTitle, Sender: st.PhoneNumberID}
	for _, c := range st.ErrorCodes {
		out.ErrorCodes = append(out.ErrorCodes, fmt.Sprint(c))
	}
	if len(out.ErrorCodes) > 0 {
		out.ErrorCode = out.ErrorCodes[0]
		out.Failure = channel.FailureOf((&GraphError{Code: st.ErrorCodes[0]}).Err())
	}
	return out
}

// Recipient is the number to send to: the wa_id as received, or without the 9 of
// Argentine mobiles (549… → 54…) when strip is set (providers.md 1.5); the stored identity
// never changes.
func Recipient(waID string, strip bool) string {
	if strip && strings.HasPrefix(waID, "549") && len(waID) >= 12 {
		return "54" + waID[3:]
	}
	return waID
}

// Send implements channel.Channel.
func (p *Plugin) Send(ctx context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	s, c, err := p.current()
	if err != nil {
		return channel.SendResponse{}, err
	}
	if err := req.Validate(); err != nil {
		return channel.SendResponse{}, err
	}
	if req.From != "" && req.From != s.PhoneNumberID {
		return channel.SendResponse{}, fmt.Errorf("%w: this instance sends from %s, not %s", plugin.ErrInvalidRequest, s.PhoneNumberID, req.From)
	}
	o := Outbound{To: Recipient(req.To, s.StripARMobile9), ContextID: req.ReplyTo}
	var resp channel.SendResponse
	switch {
	case req.Text != nil:
		body := req.Text.Body
		o.Text = &body
	case req.Buttons != nil:
		o.Body, o.Header, o.Footer = req.Buttons.Body, req.Buttons.Header, req.Buttons.Footer
		for _, b := range req.Buttons.Buttons {
			o.Buttons = append(o.Buttons, Button{ID: b.ID, Title: b.Title})
		}
	case req.List != nil:
		o.Body, o.Header, o.Footer, o.ListButton = req.List.Body, req.List.Header, req.List.Footer, req.List.Button
		for _, sec := range req.List.Sections {
			ss := Section{Title: sec.Title}
			for _, r := range sec.Rows {
				ss.Rows = append(ss.Rows, Row{ID: r.ID, Title: r.Title, Description: r.Description})
			}
			o.Sections = append(o.Sections, ss)
		}
	case req.Audio != nil:
		o.AudioID, o.Voice = req.Audio.MediaID, req.Audio.Voice
		if o.AudioID == "" {
			if err := audioOK(req.Audio); err != nil {
				return channel.SendResponse{}, err
			}
			id, err := c.Upload(ctx, req.Audio.Data, req.Audio.MIME, "respuesta.ogg")
			if err != nil {
				return channel.SendResponse{}, fmt.Errorf("upload voice note: %w", err)
			}
			o.AudioID, resp.MediaID = id, id
		}
	case req.Template != nil:
		t := req.Template
		o.Template, o.Language, o.Params, o.HeaderParams, o.ButtonPayloads = t.Name, t.Language, t.Params, t.HeaderParams, t.ButtonPayloads
	}
	res, err := c.Send(ctx, o)
	if err != nil {
		return channel.SendResponse{}, err
	}
	resp.ExternalID, resp.SentAt = res.MessageID, time.Now().UTC()
	return resp, nil
}

// audioOK accepts OGG/Opus (the voice-note format) up to Meta's audio limit; a voice note
// over 512 KB still goes, shown as an audio file.
func audioOK(a *channel.Audio) error {
	mime := strings.ToLower(strings.ReplaceAll(a.MIME, " ", ""))
	if !strings.HasPrefix(mime, "audio/ogg") {
		return fmt.Errorf("%w: audio %s: only OGG/Opus is sent as a voice note", plugin.ErrUnsupported, a.MIME)
	}
	if len(a.Data) > MaxAudio {
		return fmt.Errorf("%w: audio of %d bytes (at most %d)", plugin.ErrInvalidRequest, len(a.Data), MaxAudio)
	}
	return nil
}

// FetchMedia implements channel.Channel: the two-step download, sha256 checked.
func (p *Plugin) FetchMedia(ctx context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	_, c, err := p.current()
	if err != nil {
		return channel.FetchMediaResponse{}, err
	}
	data, info, err := c.Download(ctx, req.MediaID, req.MaxBytes)
	if err != nil {
		if errors.Is(err, ErrChecksum) {
			p.log.WarnContext(ctx, "whatsapp media failed its checksum", "media", req.MediaID)
		}
		return channel.FetchMediaResponse{}, err
	}
	sum := sha256.Sum256(data)
	return channel.FetchMediaResponse{Data: data, MIME: info.MIME, SHA256: hex.EncodeToString(sum[:])}, nil
}
