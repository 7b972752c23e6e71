package app_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/conversation"
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
	bin := pluginBinary(t, "../../plugins/email")

	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "email", Path: bin, CallTimeout: 30 * time.Second, Settings: map[string]any{
		"imap_addr": dovecot.Addr, "imap_security": "none", "imap_username": user, "imap_password": password,
		"smtp_addr": rec.Addr, "smtp_security": "none",
		"from": "Complejo Los Robles <reservas@complejolosrobles.example>",
	}}}
	a, _ := serveSeeded(t, cfg)

	c := dovecot.Client(t, user, password)
	inquiryID := "<e2e-1@example.org>"
	raw := fmt.Sprintf("From: Ana Gómez <ana.gomez@example.org>\r\nTo: reservas@complejolosrobles.example\r\n"+
		"Subject: Consulta\r\nMessage-ID: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hola, para 4 del 5 al 8/1\r\n", inquiryID, time.Now().Format(time.RFC1123Z))
	// The plugin may still be starting: the pull consumer catches up from the cursor.
	start := time.Now()
	mailtest.Append(t, c, []byte(raw))
	got := rec.Next(t, 90*time.Second)
	t.Logf("mail appended → answer handed to SMTP in %s (plugin start included)", time.Since(start))
	assert.Equal(t, []string{"ana.gomez@example.org"}, got.To, debugOutbox(t, a))
	mr, err := mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Equal(t, inquiryID, mr.Header.Get("In-Reply-To"))
	assert.Equal(t, "auto-replied", mr.Header.Get("Auto-Submitted"))
	subject, _ := mr.Header.Subject()
	assert.Equal(t, "Re: Consulta", subject)
	ourID := mr.Header.Get("Message-Id")
	text := plainText(t, got.Data)
	assert.Contains(t, text, "Hola Ana", "the letter greets the guest by name")
	assert.Contains(t, text, "Cabaña Robles: $45.000/noche", "the first answer is the offer")
	assert.Contains(t, text, "Saludos,\nComplejo Los Robles", "signed with the property")

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
	}, 60*time.Second, 200*time.Millisecond)

	// The plugin restarts between our offer and her reply: the thread lives in the core.
	pid := pluginPID(t, a, "email")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	replyID := "<e2e-1-reply@example.org>"
	reply := fmt.Sprintf("From: Ana Gómez <ana.gomez@example.org>\r\nTo: reservas@complejolosrobles.example\r\n"+
		"Subject: Re: Consulta\r\nMessage-ID: %s\r\nIn-Reply-To: %s\r\nReferences: %s %s\r\nDate: %s\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nla Robles\r\n\r\nEl sáb, Complejo Los Robles escribió:\r\n> ¡Tengo lugar!\r\n",
		replyID, ourID, inquiryID, ourID, time.Now().Format(time.RFC1123Z))
	mailtest.Append(t, c, []byte(reply))
	got = rec.Next(t, 90*time.Second)
	mr, err = mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Equal(t, replyID, mr.Header.Get("In-Reply-To"), "our answer is threaded after the restart")
	assert.Equal(t, strings.Join([]string{inquiryID, ourID, replyID}, " "), mr.Header.Get("References"))
	subject, _ = mr.Header.Subject()
	assert.Equal(t, "Re: Consulta", subject)
	assert.Contains(t, plainText(t, got.Data), "la seña es de $40.500", "the reply continued the conversation: the hold")
	var convs int
	require.NoError(t, a.DB.NewSelect().Table("conversations").ColumnExpr("count(*)").
		Where("channel = 'email' AND contact = 'ana.gomez@example.org'").Scan(context.Background(), &convs))
	assert.Equal(t, 1, convs)
	assert.NotEqual(t, pid, pluginPID(t, a, "email"), "the supervisor started it again")

	// A person answers her from the admin: a letter signed by them, threaded, not
	// automatic; the conversation is theirs now.
	var convID int64
	require.NoError(t, a.DB.NewSelect().Table("conversations").Column("id").
		Where("channel = 'email' AND contact = 'ana.gomez@example.org'").Scan(context.Background(), &convID))
	require.NoError(t, a.Conversations.SendStaffReply(context.Background(), conversation.StaffReply{ConversationID: convID,
		Text: "Hola Ana, te espero el 5. Cualquier cosa me escribís.", By: "marta", Name: "Marta", Key: "e2e"}))
	got = rec.Next(t, 90*time.Second)
	mr, err = mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Empty(t, mr.Header.Get("Auto-Submitted"), "a person wrote it")
	assert.Equal(t, replyID, mr.Header.Get("In-Reply-To"))
	text = plainText(t, got.Data)
	assert.Contains(t, text, "te espero el 5")
	assert.Contains(t, text, "Marta, de Complejo Los Robles")

	// A second guest while the plugin idles: the figure is append → handed to SMTP (goal
	// 10 s, measured, not asserted: the machine may be loaded).
	start = time.Now()
	mailtest.Append(t, c, []byte(strings.Replace(strings.Replace(raw, "e2e-1", "e2e-2", 1), "ana.gomez", "luis.paz", 2)))
	got = rec.Next(t, 90*time.Second)
	t.Logf("mail appended → answer handed to SMTP in %s (IDLE)", got.At.Sub(start))
	assert.Equal(t, []string{"luis.paz@example.org"}, got.To)
}

// plainText is the decoded text/plain part of a raw message.
func plainText(t *testing.T, raw []byte) string {
	t.Helper()
	mr, err := mail.CreateReader(strings.NewReader(string(raw)))
	require.NoError(t, err)
	for {
		p, err := mr.NextPart()
		require.NoError(t, err, "no text/plain part")
		if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/plain" {
			body, err := io.ReadAll(p.Body)
			require.NoError(t, err)
			return strings.ReplaceAll(string(body), "\r\n", "\n")
		}
	}
}
