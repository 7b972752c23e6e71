package config

import (
	"time"
)

// Config is every setting of conserje. The yaml tags are the key paths used in
// config.yaml, in error messages and (upper snake case, prefixed CONSERJE_) in environment
// overrides.
type Config struct {
	HTTP     HTTP     `yaml:"http"`
	Database Database `yaml:"database"`
	Redis    Redis    `yaml:"redis"`
	API      API      `yaml:"api"`
	// ICSSalt is the secret behind the per-portal iCal export tokens. Empty means: generate
	// one on first start and keep it in the data folder.
	ICSSalt  string   `yaml:"ics_salt" secret:"true"`
	Admin    Admin    `yaml:"admin"`
	Log      Log      `yaml:"log"`
	Dialogs  Dialogs  `yaml:"dialogs"`
	NLU      NLU      `yaml:"nlu"`
	Booking  Booking  `yaml:"booking"`
	Calendar Calendar `yaml:"calendar"`
	Payments Payments `yaml:"payments"`
	Speech   Speech   `yaml:"speech"`
	Plugins  []Plugin `yaml:"plugins"`
	Chat     WebChat  `yaml:"chat"`
	// Answering tunes how many conversations are answered at once.
	Answering Answering `yaml:"answering"`
}

// HTTP is the web server.
type HTTP struct {
	Addr            string        `yaml:"addr"`
	PublicURL       string        `yaml:"public_url"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	BodyLimitBytes  int           `yaml:"body_limit_bytes"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed, so rate limits see the guest's address, not Caddy's.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Database selects and tunes the store.
type Database struct {
	URL          string `yaml:"url" secret:"userinfo"`
	AutoMigrate  bool   `yaml:"auto_migrate"`
	MaxOpenConns int    `yaml:"max_open_conns"`
}

// Redis is optional: locks, turn serialization and the jobs' leader lock use it when set,
// in-process implementations otherwise.
type Redis struct {
	URL string `yaml:"url" secret:"userinfo"`
	// SingleReplica says only one conserje serves this database. While Redis is
	// unreachable it then takes its locks in-process and keeps answering (Redis shows
	// down in /healthz without failing it); with more replicas (false) requests that need
	// a lock answer 503 with Retry-After until Redis is back.
	SingleReplica bool `yaml:"single_replica"`
	// SettingsCheck is how often each replica reads the settings version, in case it
	// missed a change notice (Redis restarting) or the CLI changed the settings; with or
	// without Redis. Notices on Redis make a change effective on every replica at once.
	SettingsCheck time.Duration `yaml:"settings_check"`
}

// API is the JSON API for integrations.
type API struct {
	// Token is the bearer token of /api/v1. Empty means: generate one per start and print it.
	Token string `yaml:"token" secret:"true"`
}

// Admin is the staff admin.
type Admin struct {
	// Password of the "admin" user created by the demo seed. Empty means: generate one on
	// the first run and print it once.
	Password   string        `yaml:"password" secret:"true"`
	SessionTTL time.Duration `yaml:"session_ttl"`
}

// Log configures slog.
type Log struct {
	Level string `yaml:"level"`
	// Format is json, text, or auto: text when stderr is a terminal (`make run`), JSON
	// otherwise (systemd, containers, fail2ban).
	Format string `yaml:"format"`
}

// Log formats (log.format).
const (
	LogFormatAuto = "auto"
	LogFormatJSON = "json"
	LogFormatText = "text"
)

// DefaultPluginCallTimeout is a plugin entry's call_timeout when it names none.
const DefaultPluginCallTimeout = 30 * time.Second

// Dialogs points at the host-editable dialog and template files.
type Dialogs struct {
	Dir        string `yaml:"dir"`
	LocalesDir string `yaml:"locales_dir"`
	Reload     bool   `yaml:"reload"`
}

// NLU tunes the message parser.
type NLU struct {
	FallbackThreshold float64 `yaml:"fallback_threshold"`
}

// Booking tunes holds and their expiry.
type Booking struct {
	HoldTTL        time.Duration `yaml:"hold_ttl"`
	Extension      time.Duration `yaml:"extension"`
	ExpiryInterval time.Duration `yaml:"expiry_interval"`
	MaxNights      int           `yaml:"max_nights"`
	// BotMaxNights is the longest stay the bot holds; longer ones go to staff.
	BotMaxNights int `yaml:"bot_max_nights"`
	// HoldsPerHour caps the holds the bot makes per web chat address, phone or e-mail.
	HoldsPerHour int `yaml:"holds_per_hour"`
	// MaxAdvanceDays is how far ahead a stay may start.
	MaxAdvanceDays int `yaml:"max_advance_days"`
	// CatalogTTL is how long units, prices and holidays are cached when no settings change
	// is announced (edits made with SQL); changes made in the admin, the API or the CLI
	// are effective at once.
	CatalogTTL time.Duration `yaml:"catalog_ttl"`
}

// Calendar tunes the iCal import.
type Calendar struct {
	Plugin             string        `yaml:"plugin"`
	SyncInterval       time.Duration `yaml:"sync_interval"`
	FetchTimeout       time.Duration `yaml:"fetch_timeout"`
	MaxFeedBytes       int64         `yaml:"max_feed_bytes"`
	EmptyConfirmations int           `yaml:"empty_confirmations"`
	// ExportHolds puts live holds in the iCal export feeds as "Reservado" (off: only
	// confirmed bookings and blocks; portals would show a lapsed hold for hours).
	ExportHolds bool `yaml:"export_holds"`
}

// Payments chooses how guests pay the deposit.
type Payments struct {
	// Plugin names the payment plugin (e.g. "mercadopago") whose links the bot sends;
	// empty means bank transfer with the property's details, confirmed by staff.
	Plugin string `yaml:"plugin"`
}

// Voice reply policies (speech.voice_replies).
const (
	VoiceRepliesNever      = "never"
	VoiceRepliesWhenSpoken = "when_spoken"
	VoiceRepliesAlways     = "always"
)

// Speech is voice notes: which plugins transcribe and speak, and the bounds of a note.
// The confidence below which the bot asks the guest to write and hands over is the
// dialog's escalation.min_speech_confidence (dialogs/receptionist.yaml, 0.6).
type Speech struct {
	// STTPlugin names the speech-to-text plugin (e.g. "stt-whisper", listed under
	// plugins:); empty means voice notes are answered by asking the guest to write.
	STTPlugin string `yaml:"stt_plugin"`
	// TTSPlugin names the text-to-speech plugin (e.g. "tts-espeak"); empty means replies
	// go as text only.
	TTSPlugin string `yaml:"tts_plugin"`
	// MaxDuration: longer voice notes are not transcribed; the guest is asked to write.
	MaxDuration time.Duration `yaml:"max_duration"`
	// MaxMediaBytes caps the download of a voice note from its channel.
	MaxMediaBytes int64 `yaml:"max_media_bytes"`
	// VoiceReplies: never, when_spoken (the guest's last message was a voice note) or
	// always. A voice reply always goes with the same reply as text.
	VoiceReplies string `yaml:"voice_replies"`
}

// Plugin is one plugin process the core starts and supervises.
type Plugin struct {
	Name        string        `yaml:"name"`
	Path        string        `yaml:"path"`
	SHA256      string        `yaml:"sha256"`
	CallTimeout time.Duration `yaml:"call_timeout"`
	// StartTimeout bounds a start (process, handshake, Describe, Configure); a plugin
	// loading a local model may need minutes. 0 means the host's default (15 s).
	StartTimeout time.Duration `yaml:"start_timeout"`
	// MaxConcurrency caps the plugin's calls in flight; calls past it fail at once with a
	// rate-limited error instead of queueing (0: no cap). A slow recognizer then never
	// holds the workers that answer text messages.
	MaxConcurrency int            `yaml:"max_concurrency"`
	Settings       map[string]any `yaml:"settings" secret:"values"`
	// Templates name, per purpose (the message's catalog key, e.g. reserva_confirmada),
	// the provider-approved template a channel with a messaging window (WhatsApp: 24 h)
	// sends when the bot writes first outside it. docs/whatsapp-templates.md lists them.
	Templates map[string]ApprovedTemplate `yaml:"templates"`
}

// ApprovedTemplate is a provider-approved message template: its name, language and the
// data its body parameters take, in order, as dotted paths into the message's data
// (guest.name, reserva.code, reserva.check_in...).
type ApprovedTemplate struct {
	Name     string   `yaml:"name"`
	Language string   `yaml:"language"`
	Params   []string `yaml:"params"`
}

// Answering tunes the turns: how many conversations are answered at once, and how fast
// while a burst of channel messages is being stored.
type Answering struct {
	// Workers is how many conversations are answered at once.
	Workers int `yaml:"workers"`
	// BurstTurnsPerSecond caps the answers started per second, one conversation at a time,
	// while inbound messages queue up to be stored (a burst): acknowledging the provider
	// comes first, and the answers resume at full speed when the burst passes.
	BurstTurnsPerSecond float64 `yaml:"burst_turns_per_second"`
}

// WebChat tunes the public web chat endpoint.
type WebChat struct {
	RatePerMinute int `yaml:"rate_per_minute"`
}

// Default returns the built-in settings; they equal config.example.yaml.
func Default() *Config {
	return &Config{
		HTTP: HTTP{
			Addr:            ":8080",
			PublicURL:       "http://localhost:8080",
			ShutdownTimeout: 10 * time.Second,
			BodyLimitBytes:  1 << 20,
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			TrustedProxies:  []string{},
		},
		Database: Database{URL: "./data/conserje.db", AutoMigrate: true},
		Redis:    Redis{SettingsCheck: time.Second},
		Admin:    Admin{SessionTTL: 12 * time.Hour},
		Log:      Log{Level: "info", Format: LogFormatAuto},
		Dialogs:  Dialogs{Dir: "dialogs", LocalesDir: "locales", Reload: true},
		NLU:      NLU{FallbackThreshold: 0.35},
		Booking: Booking{
			HoldTTL:        30 * time.Minute,
			Extension:      15 * time.Minute,
			ExpiryInterval: 30 * time.Second,
			MaxNights:      90,
			BotMaxNights:   14,
			HoldsPerHour:   3,
			MaxAdvanceDays: 730,
			CatalogTTL:     5 * time.Second,
		},
		Calendar: Calendar{
			Plugin:             "ical",
			SyncInterval:       15 * time.Minute,
			FetchTimeout:       20 * time.Second,
			MaxFeedBytes:       10 << 20,
			EmptyConfirmations: 3,
		},
		Speech: Speech{
			MaxDuration:   3 * time.Minute,
			MaxMediaBytes: 16 << 20,
			VoiceReplies:  VoiceRepliesWhenSpoken,
		},
		Plugins: []Plugin{
			{Name: "ical", Path: "./bin/plugins/ical", CallTimeout: DefaultPluginCallTimeout, Settings: map[string]any{}},
		},
		Chat:      WebChat{RatePerMinute: 30},
		Answering: Answering{Workers: 8, BurstTurnsPerSecond: 40},
	}
}
