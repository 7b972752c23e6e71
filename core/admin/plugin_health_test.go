package admin_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestDashboardSaysWhyAPluginIsDown: a plugin not working is shown with its last error,
// since when and the next try; a working one is not shown; the error text is escaped.
func TestDashboardSaysWhyAPluginIsDown(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 28, 12, 40, 0, 0, time.UTC)
	next := since.Add(time.Minute)
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) {
		o.Plugins = func() []admin.PluginHealth {
			return []admin.PluginHealth{
				{Name: "whatsapp", State: "down", LastError: "configure: <invalid> access_token (190)", Since: since, NextTry: &next},
				{Name: "mercadopago", State: "up", Healthy: true, Since: since},
				{Name: "email", State: "up", Healthy: false, LastError: "imap: connection refused", Since: since},
			}
		}
	})
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	require.Equal(t, http.StatusSeeOther, b.login("correct horse").StatusCode)
	resp, page := b.do(http.MethodGet, "/admin/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cases := []struct {
		name, want string
	}{
		{"the count", "Complementos que no funcionan (2)"},
		{"which and its state, since when", "<strong>whatsapp</strong>: down desde 28/11 09:40"},
		{"why, escaped", "Último error: configure: &lt;invalid&gt; access_token (190)"},
		{"the next try", "Próximo intento: 28/11 09:41"},
		{"an up plugin reporting a problem", "<strong>email</strong>: responde, pero informa un problema"},
		{"its reason", "imap: connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Contains(t, page, tc.want) })
	}
	assert.NotContains(t, page, "<strong>mercadopago</strong>", "a working plugin is not listed")
}
