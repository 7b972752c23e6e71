package admin_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/channel"
)

// TestChannelNotices: staff see what the e-mail channel skipped, handed to them or saw
// bounce, with the reason, filtered by kind, guest text escaped; only after logging in.
func TestChannelNotices(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	var convID int64
	require.NoError(t, e.db.NewRaw(`INSERT INTO conversations (channel, contact, guest_name) VALUES ('email', 'ana@example.org', 'Ana') RETURNING id`).Scan(ctx, &convID))
	store := channel.NewPullStore(e.db.DB)
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	for _, n := range []channel.Notice{
		{Channel: "email", ExternalID: "<ooo@x>", Kind: "skip", Category: "auto_reply", Reason: "automatic_mail: Auto-Submitted: auto-replied",
			Sender: "vacaciones@example.com", Subject: "Fuera de la oficina", ReceivedAt: at},
		{Channel: "email", ExternalID: "<dsn@x>", Kind: "bounce", Category: "bounce", Reason: "bounce: 550 5.1.1 user unknown",
			Subject: "Undelivered Mail Returned to Sender", Metadata: map[string]string{"failed_recipient": "nadie@example.com"}, ReceivedAt: at.Add(time.Minute)},
		{Channel: "email", ExternalID: "<supp@x>", Kind: "handoff", Category: "direct_inquiry", Reason: "auto_response_suppressed: X-Auto-Response-Suppress: All",
			Sender: "ana@example.org", Subject: "Consulta <script>alert(1)</script>", Text: "<img src=x onerror=alert(1)>",
			ConversationID: convID, ReceivedAt: at.Add(2 * time.Minute)},
	} {
		require.NoError(t, store.SaveNotice(ctx, n))
	}

	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	resp, _ := b.do(http.MethodGet, "/admin/channels/notices", nil)
	require.NotEqual(t, http.StatusOK, resp.StatusCode, "staff only")

	b.login("correct horse")
	resp, page := b.do(http.MethodGet, "/admin/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `href="/admin/channels/notices"`, "linked from the dashboard")

	cases := []struct {
		name, query   string
		want, wantNot []string
	}{
		{"every kind", "", []string{"Fuera de la oficina", "automatic_mail: Auto-Submitted: auto-replied", "nadie@example.com",
			"auto_response_suppressed", `href="/admin/conversations/` + itoa(convID) + `"`}, nil},
		{"bounces", "?kind=bounce", []string{"550 5.1.1 user unknown", "Destinatario que falló: nadie@example.com"}, []string{"Fuera de la oficina", "auto_response_suppressed"}},
		{"handed to a person", "?kind=handoff", []string{"auto_response_suppressed"}, []string{"Fuera de la oficina", "550 5.1.1"}},
		{"skipped", "?kind=skip", []string{"Fuera de la oficina"}, []string{"550 5.1.1", "auto_response_suppressed"}},
		{"an unknown kind lists all", "?kind=<x>", []string{"Fuera de la oficina", "550 5.1.1"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.do(http.MethodGet, "/admin/channels/notices"+tc.query, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			for _, w := range tc.want {
				assert.Contains(t, page, w)
			}
			for _, w := range tc.wantNot {
				assert.NotContains(t, page, w)
			}
			assert.NotContains(t, page, "<script>alert(1)")
			assert.NotContains(t, page, "<img src=x")
		})
	}
}
