package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/email/mailtest"
)

// TestEmailChannelEndToEnd runs serve with the real e-mail plugin against a throw-away
// Dovecot and an SMTP recorder: a guest's mail appended to the mailbox reaches the
// dialog through the pull consumer, the offer goes out by SMTP threaded on it, and the
// mail is marked processed on the server once stored.
func TestEmailChannelEndToEnd(t *testing.T) {
	dovecot := mailtest.Start(t)
	user, password := dovecot.NewUser(t)
	rec := mailtest.StartRecorder(t)
	bin := filepath.Join(t.TempDir(), "email")
	out, err := exec.Command("go", "build", "-o", bin, "../../plugins/email").CombinedOutput()
	require.NoError(t, err, string(out))

	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "email", Path: bin, CallTimeout: 30 * time.Second, Settings: map[string]any{
		"imap_addr": dovecot.Addr, "imap_security": "none", "imap_username": user, "imap_password": password,
		"smtp_addr": rec.Addr, "smtp_security": "none",
		"from": "Complejo Los Robles <reservas@complejolosrobles.example>", "coalesce_ms": 500,
	}}}
	require.NoError(t, cfg.Validate())
	db, err := app.OpenDB(context.Background(), cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = demo.Seed(context.Background(), db, "admin-password-1")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	a, _ := start(t, cfg)

	c := dovecot.Client(t, user, password)
	inquiryID := "<e2e-1@example.org>"
	raw := fmt.Sprintf("From: Ana Gómez <ana.gomez@example.org>\r\nTo: reservas@complejolosrobles.example\r\n"+
		"Subject: Consulta\r\nMessage-ID: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hola, para 4 del 5 al 8/1\r\n", inquiryID, time.Now().Format(time.RFC1123Z))
	// The plugin may still be starting: the pull consumer catches up from the cursor.
	start := time.Now()
	mailtest.Append(t, c, []byte(raw))
	got := rec.Next(t, 60*time.Second)
	t.Logf("mail appended → answer handed to SMTP in %s (plugin start included)", time.Since(start))
	assert.Equal(t, []string{"ana.gomez@example.org"}, got.To, debugOutbox(t, a))
	mr, err := mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Equal(t, inquiryID, mr.Header.Get("In-Reply-To"))
	assert.Equal(t, "auto-replied", mr.Header.Get("Auto-Submitted"))
	subject, _ := mr.Header.Subject()
	assert.Equal(t, "Re: Consulta", subject)
	assert.Contains(t, string(got.Data), "Caba", "the offer names the units")

	// Stored, then acknowledged: the mail carries the processed keyword.
	require.Eventually(t, func() bool {
		for _, flags := range mailtest.FlagsByUID(t, c) {
			for _, f := range flags {
				if f == imap.Flag("$ConserjeDone") {
					return true
				}
			}
		}
		return false
	}, 20*time.Second, 200*time.Millisecond)

	// A second message while the plugin idles: answered within 10 s.
	start = time.Now()
	mailtest.Append(t, c, []byte(strings.Replace(strings.Replace(raw, "e2e-1", "e2e-2", 1), "ana.gomez", "luis.paz", 2)))
	got = rec.Next(t, 10*time.Second)
	t.Logf("mail appended → answer handed to SMTP in %s (IDLE)", time.Since(start))
	assert.Equal(t, []string{"luis.paz@example.org"}, got.To)
}
