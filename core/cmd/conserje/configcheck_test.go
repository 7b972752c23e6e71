package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigCheckValidatesPluginSettings runs `config check` with the real WhatsApp
// plugin binary: its settings are validated against the schema the plugin declares (by
// key path), and --show masks the fields that schema marks secret, showing the others.
func TestConfigCheckValidatesPluginSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "whatsapp")
	out, err := exec.Command("go", "build", "-o", bin, "../../../plugins/whatsapp").CombinedOutput()
	require.NoError(t, err, string(out))
	plugins := func(settings string) string {
		return fmt.Sprintf("plugins:\n  - name: whatsapp\n    path: %s\n    call_timeout: 10s\n    settings:\n%s\ncalendar:\n  plugin: \"\"\n", bin, settings)
	}
	cases := []struct {
		name     string
		settings string
		code     int
		want     []string
		absent   []string
	}{
		{
			name:     "missing and unknown settings by key path",
			settings: "      phone_number_id: \"613058842097135\"\n      acces_token: EAAG-typo\n      strip_ar_mobile_9: \"yes\"",
			code:     2,
			want: []string{
				"plugins[0].settings.access_token: required",
				"plugins[0].settings.app_secret: required",
				"plugins[0].settings.verify_token: required",
				"plugins[0].settings.acces_token: unknown setting",
				"plugins[0].settings.strip_ar_mobile_9: got string, want boolean",
			},
			absent: []string{"EAAG-typo"},
		},
		{
			name: "valid, shown with the schema's secrets masked",
			settings: "      phone_number_id: \"613058842097135\"\n      api_version: v24.0\n      access_token: EAAG-supersecret\n" +
				"      app_secret: appsecret-supersecret\n      verify_token: verify-supersecret",
			code:   0,
			want:   []string{"configuration ok", "phone_number_id: \"613058842097135\"", "api_version: v24.0", "access_token: '*****'", "app_secret: '*****'", "verify_token: '*****'"},
			absent: []string{"supersecret"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cdir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(cdir, "config.yaml"), []byte(plugins(tc.settings)), 0o600))
			stdout, stderr, code := run(t, cdir, nil, "config", "check", "--show")
			assert.Equal(t, tc.code, code, stderr)
			for _, w := range tc.want {
				assert.Contains(t, stdout+stderr, w)
			}
			for _, a := range tc.absent {
				assert.NotContains(t, stdout+stderr, a)
			}
		})
	}
}
