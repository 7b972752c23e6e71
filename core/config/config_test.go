package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestDefaultsEqualTheExample(t *testing.T) {
	cfg, src, err := load("../../config.example.yaml", env(nil))
	require.NoError(t, err)
	assert.Equal(t, "../../config.example.yaml", src.File)
	assert.Equal(t, Default(), cfg)
}

func TestDefaultsWithoutAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, src, err := load("", env(nil))
	require.NoError(t, err)
	assert.Empty(t, src.File)
	assert.Equal(t, "./data/conserje.db", cfg.Database.URL)
	assert.Equal(t, ":8080", cfg.HTTP.Addr)
	assert.Empty(t, cfg.Redis.URL)
}

func TestEnvironmentOverridesWin(t *testing.T) {
	p := writeFile(t, "http:\n  addr: \":9000\"\ndatabase:\n  url: ./from-file.db\nplugins:\n  - name: ical\n    path: /x/ical\n    call_timeout: 5s\n")
	cfg, src, err := load(p, env(map[string]string{
		"CONSERJE_DATABASE_URL":             "postgres://u:p@db/conserje",
		"CONSERJE_REDIS_URL":                "redis://127.0.0.1:6379/0",
		"CONSERJE_HTTP_ADDR":                ":7000",
		"CONSERJE_API_TOKEN":                "tok-0123456789abcdef",
		"CONSERJE_ICS_SALT":                 "salt-0123456789abcdef",
		"CONSERJE_BOOKING_HOLD_TTL":         "45m",
		"CONSERJE_DIALOGS_RELOAD":           "false",
		"CONSERJE_NLU_FALLBACK_THRESHOLD":   "0.3",
		"CONSERJE_PLUGINS_0_PATH":           "/y/ical",
		"CONSERJE_CALENDAR_MAX_FEED_BYTES":  "2048",
		"CONSERJE_ADMIN_PASSWORD":           "secreto",
		"CONSERJE_PLUGINS_0_CALL_TIMEOUT":   "9s",
		"CONSERJE_HTTP_TRUSTED_PROXIES":     "10.0.0.1, 172.16.0.0/12",
		"CONSERJE_CONFIG_NOT_A_SETTING_XYZ": "ignored",
	}))
	require.NoError(t, err)
	assert.Equal(t, "postgres://u:p@db/conserje", cfg.Database.URL)
	assert.Equal(t, "redis://127.0.0.1:6379/0", cfg.Redis.URL)
	assert.Equal(t, ":7000", cfg.HTTP.Addr)
	assert.Equal(t, "tok-0123456789abcdef", cfg.API.Token)
	assert.Equal(t, "salt-0123456789abcdef", cfg.ICSSalt)
	assert.Equal(t, 45*time.Minute, cfg.Booking.HoldTTL)
	assert.False(t, cfg.Dialogs.Reload)
	assert.InDelta(t, 0.3, cfg.NLU.FallbackThreshold, 1e-9)
	assert.Equal(t, "/y/ical", cfg.Plugins[0].Path)
	assert.Equal(t, 9*time.Second, cfg.Plugins[0].CallTimeout)
	assert.Equal(t, int64(2048), cfg.Calendar.MaxFeedBytes)
	assert.Equal(t, "secreto", cfg.Admin.Password)
	assert.Equal(t, []string{"10.0.0.1", "172.16.0.0/12"}, cfg.HTTP.TrustedProxies)
	assert.Contains(t, src.Env, "CONSERJE_DATABASE_URL")
}

func TestEnvNames(t *testing.T) {
	for key, want := range map[string]string{
		"database.url":    "CONSERJE_DATABASE_URL",
		"redis.url":       "CONSERJE_REDIS_URL",
		"http.addr":       "CONSERJE_HTTP_ADDR",
		"api.token":       "CONSERJE_API_TOKEN",
		"ics_salt":        "CONSERJE_ICS_SALT",
		"plugins[1].path": "CONSERJE_PLUGINS_1_PATH",
	} {
		t.Run(key, func(t *testing.T) { assert.Equal(t, want, EnvName(key)) })
	}
}

func TestVariableExpansion(t *testing.T) {
	p := writeFile(t, "api:\n  token: ${MY_TOKEN}\nics_salt: ${MISSING_SALT:-fallback-salt-123456}\nplugins:\n  - name: wa\n    path: /bin/true\n    call_timeout: 5s\n    settings:\n      access_token: ${WA_TOKEN}\n")
	cfg, _, err := load(p, env(map[string]string{"MY_TOKEN": "abcdefghijklmnopq", "WA_TOKEN": "EAAG-secret"}))
	require.NoError(t, err)
	assert.Equal(t, "abcdefghijklmnopq", cfg.API.Token)
	assert.Equal(t, "fallback-salt-123456", cfg.ICSSalt)
	assert.Equal(t, "EAAG-secret", cfg.Plugins[0].Settings["access_token"])

	t.Run("unset variable is an error with its key", func(t *testing.T) {
		p := writeFile(t, "api:\n  token: ${NOPE_NOT_SET}\n")
		_, _, err := load(p, env(nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "api.token: environment variable NOPE_NOT_SET is not set")
	})
}

func TestValidationListsEveryError(t *testing.T) {
	p := writeFile(t, `
http:
  addr: "nonsense"
  public_url: "ftp://x"
database:
  url: "mysql://root@db/x"
log:
  level: loud
nlu:
  fallback_threshold: 2
booking:
  hold_ttl: 0s
answering:
  workers: 0
  burst_turns_per_second: -1
plugins:
  - name: ical
    path: /bin/true
    call_timeout: 5s
  - name: ical
    path: /definitely/not/here
    sha256: xyz
    call_timeout: -1s
`)
	cfg, _, err := load(p, env(map[string]string{"CONSERJE_CALENDAR_SYNC_INTERVAL": "5s"}))
	require.NoError(t, err)
	err = cfg.Validate()
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	want := []string{
		"http.addr:", "http.public_url:", "database.url:", "log.level:", "nlu.fallback_threshold:",
		"booking.hold_ttl:", "calendar.sync_interval:", "plugins[1].name:", "plugins[1].path: file not found",
		"plugins[1].sha256:", "plugins[1].call_timeout:", "answering.workers:", "answering.burst_turns_per_second:",
	}
	msg := err.Error()
	for _, w := range want {
		assert.Contains(t, msg, w)
	}
	assert.Len(t, verr.Problems, len(want))
}

func TestBadInputIsAClearError(t *testing.T) {
	cases := map[string]struct{ body, want string }{
		"malformed yaml": {"http: [unclosed\n", "invalid YAML"},
		"unknown key":    {"htp:\n  addr: :1\n", "field htp not found"},
		"wrong type":     {"booking:\n  max_nights: many\n", "invalid YAML"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := load(writeFile(t, tc.body), env(nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("bad env value", func(t *testing.T) {
		_, _, err := load(writeFile(t, ""), env(map[string]string{"CONSERJE_BOOKING_HOLD_TTL": "half an hour"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "booking.hold_ttl (from CONSERJE_BOOKING_HOLD_TTL): not a duration")
	})
	t.Run("missing named file", func(t *testing.T) {
		_, _, err := load("/nope/config.yaml", env(nil))
		require.Error(t, err)
	})
}

func TestSecretsNeverPrinted(t *testing.T) {
	cfg := Default()
	cfg.API.Token = "api-token-very-secret"
	cfg.ICSSalt = "ics-salt-very-secret"
	cfg.Admin.Password = "admin-pass-very-secret"
	cfg.Database.URL = "postgres://conserje:db-pass-very-secret@db:5432/conserje?sslmode=disable&password=db-pass-very-secret"
	cfg.Redis.URL = "redis://:redis-pass-very-secret@cache:6379/0"
	cfg.Plugins[0].Settings = map[string]any{"access_token": "plugin-token-very-secret"}
	out := cfg.Redacted()
	assert.False(t, strings.Contains(out, "very-secret"), "redacted output leaks a secret:\n%s", out)
	assert.Contains(t, out, "postgres://conserje:xxxxx@db:5432/conserje?password=xxxxx&sslmode=disable")
	assert.Contains(t, out, "access_token: '*****'")
}

// The rules serve and every other command share (issue 10, item 7): one password rule, a
// database URL parsed as the store will and never quoted with its password, and what only
// a server needs on PostgreSQL.
func TestValidateSharedRules(t *testing.T) {
	t.Parallel()
	const pg = "postgres://conserje:s3cret-pw@db:5432/conserje"
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		opts   []ValidateOption
		want   string // "" means valid
	}{
		{name: "admin password of one character", change: func(c *Config) { c.Admin.Password = "a" }, want: "admin.password: use at least 10 characters"},
		{name: "admin password of nine characters", change: func(c *Config) { c.Admin.Password = "123456789" }, want: "admin.password:"},
		{name: "admin password of ten characters", change: func(c *Config) { c.Admin.Password = "1234567890" }},
		{name: "bad escape in the database password", change: func(c *Config) {
			c.Database.URL = "postgres://conserje:s3cret%pw@db:5432/conserje"
			c.ICSSalt, c.API.Token = "salt-0123456789abcdef", "token-0123456789abcdef"
		}, want: "database.url: not a valid URL: a % must start a two-digit hex escape"},
		{name: "database without a host", change: func(c *Config) {
			c.Database.URL = "postgres://conserje:s3cret-pw@/conserje"
		}, opts: []ValidateOption{SkipServeRequirements}, want: "database.url: no host"},
		{name: "database sslmode unknown", change: func(c *Config) {
			c.Database.URL = pg + "?sslmode=always"
		}, opts: []ValidateOption{SkipServeRequirements}, want: "sslmode \"always\""},
		{name: "bad escape in the redis password", change: func(c *Config) { c.Redis.URL = "redis://:s3cret%pw@cache:6379/0" }, want: "redis.url: not a valid URL"},
		{name: "postgres without ics_salt", change: func(c *Config) {
			c.Database.URL, c.API.Token = pg, "token-0123456789abcdef"
		}, want: "ics_salt: required with PostgreSQL"},
		{name: "postgres without api token", change: func(c *Config) {
			c.Database.URL, c.ICSSalt = pg, "salt-0123456789abcdef"
		}, want: "api.token: required with PostgreSQL"},
		{name: "postgres without both, for migrate and admin commands", change: func(c *Config) {
			c.Database.URL = pg
		}, opts: []ValidateOption{SkipServeRequirements}},
		{name: "sqlite demo generates both", change: func(*Config) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Default()
			cfg.Plugins, cfg.Calendar.Plugin = nil, ""
			tc.change(cfg)
			err := cfg.Validate(tc.opts...)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cret", "a problem never repeats a password")
		})
	}
}

// A plugins: entry gets the defaults of the keys it leaves out (issue 10: an entry without
// call_timeout was refused, "must be positive").
func TestPluginEntriesTakeTheDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body  string
		wantTimeout time.Duration
	}{
		{"no call_timeout", "plugins:\n  - name: ical\n    path: /bin/true\n", DefaultPluginCallTimeout},
		{"call_timeout 0: the default", "plugins:\n  - name: ical\n    path: /bin/true\n    call_timeout: 0s\n", DefaultPluginCallTimeout},
		{"call_timeout set", "plugins:\n  - name: ical\n    path: /bin/true\n    call_timeout: 5s\n", 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, _, err := load(writeFile(t, tc.body), env(nil))
			require.NoError(t, err)
			require.NoError(t, cfg.Validate())
			require.Len(t, cfg.Plugins, 1)
			assert.Equal(t, tc.wantTimeout, cfg.Plugins[0].CallTimeout)
			assert.NotNil(t, cfg.Plugins[0].Settings)
		})
	}
}
