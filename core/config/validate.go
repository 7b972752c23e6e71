package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/conserje/conserje/core/secret"
)

// ValidationError lists every problem found, each prefixed by its key path.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

var (
	sha256Hex  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	pluginName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
)

// ValidateOption relaxes a check for commands that do not need it.
type ValidateOption int

const (
	// SkipPluginFiles does not require plugin binaries to exist: commands that never start
	// plugins (migrate, seed) work before `make build`.
	SkipPluginFiles ValidateOption = 1
	// SkipServeRequirements does not require what only a running server needs (ics_salt and
	// api.token with PostgreSQL): migrate, seed and admin commands work without them.
	// `config check` and serve never pass it, so they refuse the same configurations.
	SkipServeRequirements ValidateOption = 2
)

// Validate checks every setting and returns a *ValidationError listing all problems, or nil.
func (c *Config) Validate(opts ...ValidateOption) error {
	skipFiles, skipServe := false, false
	for _, o := range opts {
		switch o {
		case SkipPluginFiles:
			skipFiles = true
		case SkipServeRequirements:
			skipServe = true
		}
	}
	var p []string
	add := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil || port == "" {
		add("http.addr", "want host:port or :port, got %q", c.HTTP.Addr)
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("http.public_url", "want an absolute http(s) URL, got %q", c.HTTP.PublicURL)
	}
	if c.HTTP.ShutdownTimeout <= 0 {
		add("http.shutdown_timeout", "must be positive")
	}
	if c.HTTP.BodyLimitBytes < 1024 {
		add("http.body_limit_bytes", "must be at least 1024, got %d", c.HTTP.BodyLimitBytes)
	}
	if c.HTTP.ReadTimeout <= 0 {
		add("http.read_timeout", "must be positive")
	}
	if c.HTTP.WriteTimeout <= 0 {
		add("http.write_timeout", "must be positive")
	}
	for i, p := range c.HTTP.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				add(fmt.Sprintf("http.trusted_proxies[%d]", i), "want an IP address or CIDR, got %q", p)
			}
		}
	}

	c.validateDatabase(add)
	if c.Database.MaxOpenConns < 0 {
		add("database.max_open_conns", "must not be negative")
	}
	if r := c.Redis.URL; r != "" {
		if u, err := secret.ParseURL(r); err != nil {
			add("redis.url", "%v", err)
		} else if (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			add("redis.url", "want redis://[:password@]host:port[/db], got %q", secret.URL(r))
		}
	}
	if c.Admin.Password != "" {
		if err := secret.CheckPassword(c.Admin.Password); err != nil {
			add("admin.password", "%v, as `conserje admin add-user` requires", err)
		}
	}
	if t := c.API.Token; t != "" && len(t) < 16 {
		add("api.token", "too short: use at least 16 random characters")
	}
	if s := c.ICSSalt; s != "" && len(s) < 16 {
		add("ics_salt", "too short: use at least 16 random characters")
	}
	if !skipServe && c.Production() {
		// What serve needs beyond the demo: the same on every replica and kept across
		// restarts, so they cannot be generated per start.
		if c.ICSSalt == "" {
			add("ics_salt", "required with PostgreSQL: set CONSERJE_ICS_SALT to at least 16 random characters, the same on every replica")
		}
		if c.API.Token == "" {
			add("api.token", "required with PostgreSQL (a generated token would change at every start and differ per replica): set CONSERJE_API_TOKEN to at least 16 random characters")
		}
	}
	if c.Admin.SessionTTL <= 0 {
		add("admin.session_ttl", "must be positive")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case LogFormatAuto, LogFormatJSON, LogFormatText:
	default:
		add("log.format", "want auto, json or text, got %q", c.Log.Format)
	}
	if c.Dialogs.Dir == "" {
		add("dialogs.dir", "is empty")
	}
	if c.Dialogs.LocalesDir == "" {
		add("dialogs.locales_dir", "is empty")
	}
	if c.NLU.FallbackThreshold < 0 || c.NLU.FallbackThreshold > 1 {
		add("nlu.fallback_threshold", "must be between 0 and 1, got %g", c.NLU.FallbackThreshold)
	}
	if c.Booking.HoldTTL <= 0 {
		add("booking.hold_ttl", "must be positive")
	}
	if c.Booking.Extension <= 0 {
		add("booking.extension", "must be positive")
	}
	if c.Booking.ExpiryInterval <= 0 {
		add("booking.expiry_interval", "must be positive")
	}
	if c.Booking.MaxNights < 1 {
		add("booking.max_nights", "must be at least 1")
	}
	if c.Booking.BotMaxNights < 1 {
		add("booking.bot_max_nights", "must be at least 1")
	}
	if c.Booking.HoldsPerHour < 1 {
		add("booking.holds_per_hour", "must be at least 1")
	}
	if c.Booking.MaxAdvanceDays < 1 {
		add("booking.max_advance_days", "must be at least 1")
	}
	if c.Booking.CatalogTTL <= 0 {
		add("booking.catalog_ttl", "must be positive")
	}
	if c.Redis.SettingsCheck < 1e8 { // 100ms
		add("redis.settings_check", "must be at least 100ms, got %s", c.Redis.SettingsCheck)
	}
	if c.Calendar.SyncInterval < 1e9*60 {
		add("calendar.sync_interval", "must be at least 1m (portals rate-limit feeds), got %s", c.Calendar.SyncInterval)
	}
	if c.Calendar.FetchTimeout <= 0 {
		add("calendar.fetch_timeout", "must be positive")
	}
	if c.Calendar.MaxFeedBytes < 1024 {
		add("calendar.max_feed_bytes", "must be at least 1024")
	}
	if c.Calendar.EmptyConfirmations < 1 {
		add("calendar.empty_confirmations", "must be at least 1")
	}
	if c.Chat.RatePerMinute < 1 {
		add("chat.rate_per_minute", "must be at least 1")
	}
	if c.Answering.Workers < 1 || c.Answering.Workers > 256 {
		add("answering.workers", "must be between 1 and 256, got %d", c.Answering.Workers)
	}
	if !(c.Answering.BurstTurnsPerSecond > 0) {
		add("answering.burst_turns_per_second", "must be more than 0, got %g", c.Answering.BurstTurnsPerSecond)
	}

	seen := map[string]int{}
	for i, pl := range c.Plugins {
		key := fmt.Sprintf("plugins[%d]", i)
		if !pluginName.MatchString(pl.Name) {
			add(key+".name", "want a short lower-case name (letters, digits, - and _), got %q", pl.Name)
		} else if j, dup := seen[pl.Name]; dup {
			add(key+".name", "%q is already used by plugins[%d]", pl.Name, j)
		} else {
			seen[pl.Name] = i
		}
		switch st, err := os.Stat(pl.Path); {
		case pl.Path == "":
			add(key+".path", "is empty")
		case skipFiles:
		case err != nil:
			add(key+".path", "file not found: %s (run `make build`)", pl.Path)
		case st.IsDir():
			add(key+".path", "is a folder, want the plugin binary: %s", pl.Path)
		case st.Mode()&0o111 == 0:
			add(key+".path", "is not executable: %s", pl.Path)
		}
		if pl.SHA256 != "" && !sha256Hex.MatchString(pl.SHA256) {
			add(key+".sha256", "want 64 lower-case hex digits")
		}
		if pl.CallTimeout <= 0 {
			add(key+".call_timeout", "must be positive")
		}
		if pl.StartTimeout < 0 {
			add(key+".start_timeout", "must not be negative (0: the default)")
		}
		if pl.MaxConcurrency < 0 {
			add(key+".max_concurrency", "must not be negative (0: no cap)")
		}
	}
	if c.Payments.Plugin != "" {
		if _, ok := seen[c.Payments.Plugin]; !ok && len(p) == 0 {
			add("payments.plugin", "no plugin named %q in plugins", c.Payments.Plugin)
		}
	}
	if c.Calendar.Plugin != "" {
		if _, ok := seen[c.Calendar.Plugin]; !ok && len(p) == 0 {
			add("calendar.plugin", "no plugin named %q in plugins", c.Calendar.Plugin)
		}
	}
	for _, sp := range []struct{ key, name string }{{"speech.stt_plugin", c.Speech.STTPlugin}, {"speech.tts_plugin", c.Speech.TTSPlugin}} {
		if sp.name == "" {
			continue
		}
		if _, ok := seen[sp.name]; !ok && len(p) == 0 {
			add(sp.key, "no plugin named %q in plugins", sp.name)
		}
	}
	if c.Speech.MaxDuration <= 0 {
		add("speech.max_duration", "must be positive")
	}
	if c.Speech.MaxMediaBytes < 1024 {
		add("speech.max_media_bytes", "must be at least 1024")
	}
	switch c.Speech.VoiceReplies {
	case VoiceRepliesNever, VoiceRepliesWhenSpoken, VoiceRepliesAlways:
	default:
		add("speech.voice_replies", "want never, when_spoken or always, got %q", c.Speech.VoiceReplies)
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// Redacted renders the settings as YAML with every secret masked, safe to print or log.
func (c *Config) Redacted() string {
	m := redactValue(reflect.ValueOf(*c), "")
	out, err := yaml.Marshal(m)
	if err != nil {
		return fmt.Sprintf("(cannot render configuration: %v)", err)
	}
	return string(out)
}

const mask = "*****"

// RedactedWith is Redacted, except that the settings of the plugins named in secrets are
// shown with only the key paths listed masked (the fields their settings schema marks
// secret, dot-separated for nested ones). Plugins not named keep every value masked.
func (c *Config) RedactedWith(secrets map[string][]string) string {
	root, ok := redactValue(reflect.ValueOf(*c), "").(*yaml.Node)
	if !ok {
		return c.Redacted()
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "plugins" {
			continue
		}
		for j, item := range root.Content[i+1].Content {
			if j >= len(c.Plugins) {
				break
			}
			paths, known := secrets[c.Plugins[j].Name]
			if !known {
				continue
			}
			for k := 0; k+1 < len(item.Content); k += 2 {
				if item.Content[k].Value == "settings" {
					var vn yaml.Node
					_ = vn.Encode(maskPaths(c.Plugins[j].Settings, paths, ""))
					item.Content[k+1] = &vn
				}
			}
		}
	}
	out, err := yaml.Marshal(root)
	if err != nil {
		return fmt.Sprintf("(cannot render configuration: %v)", err)
	}
	return string(out)
}

// maskPaths copies settings with the values at the listed key paths masked.
func maskPaths(settings map[string]any, paths []string, prefix string) map[string]any {
	out := make(map[string]any, len(settings))
	for k, v := range settings {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		switch {
		case slices.Contains(paths, path):
			out[k] = mask
		case isMap(v):
			out[k] = maskPaths(v.(map[string]any), paths, path)
		default:
			out[k] = v
		}
	}
	return out
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func redactValue(v reflect.Value, kind string) any {
	switch v.Kind() {
	case reflect.Struct:
		out := yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			val := redactValue(v.Field(i), f.Tag.Get("secret"))
			var kn, vn yaml.Node
			_ = kn.Encode(yamlName(f))
			_ = vn.Encode(val)
			out.Content = append(out.Content, &kn, &vn)
		}
		return &out
	case reflect.Slice:
		items := make([]any, v.Len())
		for i := range v.Len() {
			items[i] = redactValue(v.Index(i), kind)
		}
		return items
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			if kind == "values" {
				out[fmt.Sprint(k.Interface())] = mask
			} else {
				out[fmt.Sprint(k.Interface())] = v.MapIndex(k).Interface()
			}
		}
		return out
	case reflect.String:
		s := v.String()
		switch {
		case s == "":
			return s
		case kind == "true":
			return mask
		case kind == "userinfo":
			return secret.URL(s)
		}
		return s
	case reflect.Int64:
		if v.Type().String() == "time.Duration" {
			return fmt.Sprint(v.Interface())
		}
	}
	return v.Interface()
}

// Production reports a deployment on PostgreSQL; SQLite is the demo and single-machine
// setup, where serve may generate the API token and keep the ICS salt in the data folder.
func (c *Config) Production() bool {
	db := strings.TrimSpace(c.Database.URL)
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// sslModes are the sslmode values the PostgreSQL driver accepts.
var sslModes = map[string]bool{"": true, "disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true}

// validateDatabase parses database.url as the store will, so that no command fails later
// on it, and never repeats the URL's password in a problem.
func (c *Config) validateDatabase(add func(key, format string, args ...any)) {
	db := strings.TrimSpace(c.Database.URL)
	switch {
	case db == "":
		add("database.url", "is empty: use a SQLite file path (./data/conserje.db) or postgres://...")
	case c.Production():
		u, err := secret.ParseURL(db)
		if err != nil {
			add("database.url", "%v", err)
			return
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			add("database.url", "no host in %q: want postgres://user:password@host:5432/database", secret.URL(db))
		}
		if u.User == nil || u.User.Username() == "" {
			add("database.url", "no user in %q: want postgres://user:password@host:5432/database", secret.URL(db))
		}
		if m := u.Query().Get("sslmode"); !sslModes[m] {
			add("database.url", "sslmode %q: want disable, allow, prefer, require, verify-ca or verify-full", m)
		}
	case strings.Contains(db, "://") && !strings.HasPrefix(db, "sqlite://"):
		add("database.url", "unsupported scheme in %q: use postgres:// or a SQLite file path", secret.URL(db))
	}
}
