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
	// against it before Configure.
	SettingsSchema json.RawMessage
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
