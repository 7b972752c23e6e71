package plugin

import (
	"context"
	"encoding/json"
)

// ProtocolVersion is the version of the conserje plugin protocol (the .proto files under
// sdk/proto/conserje/plugin/v1 and the handshake). go-plugin refuses to pair a host and a
// plugin whose versions differ. Bump it only for an incompatible change of the contract;
// adding fields or methods is compatible and keeps it.
const ProtocolVersion = 1

// The handshake cookie: the host sets MagicCookieKey=MagicCookieValue in the plugin's
// environment, and a plugin started without it refuses to run (it is not meant to be run
// by hand). It is a safety check, not a secret.
const (
	MagicCookieKey   = "CONSERJE_PLUGIN_MAGIC_COOKIE"
	MagicCookieValue = "f0a4c3e2-conserje-plugin-v1-5b1d9e7a"
)

// Kind says which contract a plugin implements.
type Kind string

// The plugin kinds. The string values are the go-plugin plugin names and appear in
// config, logs and metrics.
const (
	KindChannel  Kind = "channel"
	KindPayment  Kind = "payment"
	KindCalendar Kind = "calendar"
	KindSTT      Kind = "stt"
	KindTTS      Kind = "tts"
)

// Kinds lists every kind, in a stable order.
func Kinds() []Kind {
	return []Kind{KindChannel, KindPayment, KindCalendar, KindSTT, KindTTS}
}

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Description is what a plugin says about itself at Describe.
type Description struct {
	// Kind must match the kind the plugin is served as; the SDK fills it in when empty.
	Kind Kind
	// Name identifies the implementation, e.g. "ical" or "whatsapp-cloud".
	Name string
	// Version is the plugin's own version, e.g. "1.4.0".
	Version string
	// ProtocolVersion is filled in by the SDK with ProtocolVersion; authors leave it 0.
	ProtocolVersion int
	// Capabilities are free-form feature flags the core may branch on, e.g. "buttons",
	// "templates", "audio", "pull" (channel), "refund" (payment).
	Capabilities []string
	// SettingsSchema is the JSON Schema (draft 2020-12) of the settings the plugin expects
	// at Configure; nil means the plugin takes no settings. The host validates settings
	// against it before Configure. Secret settings (tokens, passwords) are marked with
	// "writeOnly": true; the core masks them in logs and in `config check --show`. See
	// SecretPaths and Settings for building a schema.
	SettingsSchema json.RawMessage
	// ProtocolMinor is filled in by the SDK with ProtocolMinor; authors leave it 0.
	ProtocolMinor int
	// Channel holds a channel plugin's typed capabilities; nil for other kinds (and for
	// channel plugins older than ProtocolMinor 1, which the core treats as text only).
	Channel *ChannelCapabilities
}

// HasCapability reports whether the description lists capability c.
func (d Description) HasCapability(c string) bool {
	for _, have := range d.Capabilities {
		if have == c {
			return true
		}
	}
	return false
}

// ConfigureRequest carries the plugin's settings from the core's config.yaml, secrets
// already expanded. Configure may be called again after a restart of the plugin.
type ConfigureRequest struct {
	// Instance is the name this plugin is configured under in the core (several instances
	// of one binary may run, e.g. two WhatsApp numbers).
	Instance string
	// Settings is the plugin's settings object, decoded from JSON (numbers are float64,
	// objects map[string]any, lists []any).
	Settings map[string]any
}

// Lifecycle is the part of the contract every plugin implements, whatever its kind:
// Describe → Configure → calls → Stop. All methods must be safe for concurrent use.
type Lifecycle interface {
	// Describe says what the plugin is. It is called before Configure and must not
	// depend on settings.
	Describe(ctx context.Context) (Description, error)
	// Configure validates and applies settings. Return an error wrapping
	// ErrInvalidSettings when they are wrong.
	Configure(ctx context.Context, req ConfigureRequest) error
	// Stop releases resources (connections, background loops); the process is killed
	// shortly after.
	Stop(ctx context.Context) error
}

// HealthChecker is optional: a plugin that implements it is asked at every health ping of
// the host, and an error marks it unhealthy. Without it, a plugin that answers is healthy.
type HealthChecker interface {
	Health(ctx context.Context) error
}

// ProtocolMinor counts compatible additions to protocol version 1: 1 added typed channel
// capabilities, error details, list messages, reactions, template components and Ack.
// The SDK fills Description.ProtocolMinor with it; the host reads 0 from older plugins.
const ProtocolMinor = 1

// Address kinds: how a channel addresses guests (ChannelCapabilities.AddressKind).
const (
	AddressPhone  = "phone"  // E.164 digits (WhatsApp, SMS)
	AddressEmail  = "email"  // an e-mail address
	AddressWeb    = "web"    // an opaque web chat id
	AddressOpaque = "opaque" // anything else the core must not interpret
)

// ChannelCapabilities are a channel plugin's typed capabilities. The core reads them:
// content a channel does not declare (a list, audio, a template) is degraded (numbered
// text) or not attempted, never sent to fail.
type ChannelCapabilities struct {
	// AddressKind is one of AddressPhone, AddressEmail, AddressWeb, AddressOpaque.
	AddressKind string
	// MaxText is the longest text message in runes (0: no limit the core must know).
	MaxText int
	// MaxButtons is the most reply buttons in one message (0: no buttons).
	MaxButtons int
	// MaxButtonTitle is the longest button title in runes (0: no limit).
	MaxButtonTitle int
	// MaxListRows is the most rows of a list message (0: no lists).
	MaxListRows int
	// MaxListRowTitle is the longest list row title in runes (0: no limit).
	MaxListRowTitle int
	// Templates: approved templates can be sent (outside a messaging window).
	Templates bool
	// AudioMIME lists the audio types the channel sends; empty: no audio.
	AudioMIME []string
	// Media: FetchMedia downloads inbound media.
	Media bool
	// Pull: the channel pulls (Receive) instead of receiving webhooks.
	Pull bool
	// Ack: the channel implements Ack (pull channels marking messages done at the source).
	Ack bool
	// WindowHours is how long after the guest's last message free-form messages are
	// allowed (WhatsApp: 24); 0 means no window.
	WindowHours int
	// MaxWebhookBody is the largest webhook body the channel expects, in bytes (0: the
	// core's default).
	MaxWebhookBody int64
}
