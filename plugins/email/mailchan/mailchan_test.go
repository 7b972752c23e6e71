package mailchan

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/inquiry"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

func validSettings() map[string]any {
	return map[string]any{
		"imap_addr": "imap.example.com:993", "imap_username": "u", "imap_password": "p",
		"smtp_addr": "smtp.example.com:587", "from": "Complejo <reservas@example.com>",
		"own_addresses": "Marta@Example.com, otra@example.com",
	}
}

func TestParseSettings(t *testing.T) {
	t.Parallel()
	cfg, err := parseSettings(validSettings())
	require.NoError(t, err)
	assert.Equal(t, []string{"reservas@example.com", "marta@example.com", "otra@example.com"}, cfg.own)
	assert.Equal(t, "INBOX", cfg.Mailbox)
	assert.Equal(t, "tls", cfg.IMAPSecurity)
	assert.Equal(t, "starttls", cfg.SMTPSecurity)
	assert.Equal(t, DefaultPoll, cfg.poll)
	assert.Equal(t, DefaultKeyword, cfg.Keyword)

	for name, change := range map[string]func(map[string]any){
		"plain text off loopback": func(s map[string]any) { s["imap_security"] = "none" },
		"bad address":             func(s map[string]any) { s["smtp_addr"] = "smtp.example.com" },
		"bad from":                func(s map[string]any) { s["from"] = "nobody" },
		"unknown key":             func(s map[string]any) { s["imap_pasword"] = "typo" },
		"bad own address":         func(s map[string]any) { s["own_addresses"] = "x@y.example, not an address" },
		"unreadable CA file":      func(s map[string]any) { s["tls_ca_file"] = "/nonexistent/ca.pem" },
		"CA file without a PEM":   func(s map[string]any) { s["tls_ca_file"] = os.DevNull },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := validSettings()
			change(s)
			_, err := parseSettings(s)
			require.ErrorIs(t, err, plugin.ErrInvalidSettings)
		})
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c, err := parseCursor("1796461510:42")
	require.NoError(t, err)
	assert.Equal(t, cursor{validity: 1796461510, uid: 42}, c)
	assert.Equal(t, "1796461510:42", c.String())
	c, err = parseCursor("")
	require.NoError(t, err)
	assert.Equal(t, cursor{}, c)
	for _, bad := range []string{"42", "a:b", "1:-1", "99999999999:1"} {
		_, err := parseCursor(bad)
		assert.Error(t, err, bad)
	}
}

func TestToInbound(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 28, 12, 43, 5, 0, time.UTC)
	cur := cursor{validity: 7, uid: 3}
	bounce := toInbound(inquiry.Decision{Decision: inquiry.Handoff, Category: inquiry.CategoryBounce, Reason: "bounce: x",
		MessageID: "<dsn@mx>", FailedMessageID: "<conserje.1@x>", FailedRecipient: "g@example.com", Text: "quoted offer"}, "r@x", cur, at)
	require.NotNil(t, bounce.Notice)
	assert.Equal(t, channel.NoticeBounce, bounce.Notice.Kind)
	assert.Equal(t, "<conserje.1@x>", bounce.Notice.FailedMessageID)
	assert.Empty(t, bounce.From)
	assert.Empty(t, bounce.Text, "a bounce quotes our offer: never a guest's text")
	assert.Equal(t, "7:3", bounce.Cursor)

	phish := toInbound(inquiry.Decision{Decision: inquiry.Handoff, Category: inquiry.CategoryPhishing, GuestEmail: "x@evil.example"}, "r@x", cur, at)
	assert.Equal(t, channel.NoticeHandoff, phish.Notice.Kind)
	assert.Empty(t, phish.From, "no conversation with a spoofed sender")

	answer := toInbound(inquiry.Decision{Decision: inquiry.Answer, Category: inquiry.CategoryPortalInquiry, AnswerTo: "g@example.com",
		Subject: "Consulta", Guests: 4, CheckIn: "2027-02-06", Constraints: []string{"a", "b"}}, "r@x", cur, at)
	assert.Nil(t, answer.Notice)
	assert.Equal(t, "<uid.7.3@x>", answer.ExternalID, "a message without Message-ID gets a stable id")
	assert.Equal(t, "Consulta", answer.Text, "an inquiry without words still reaches the dialog")
	assert.Equal(t, "4", answer.Metadata["guests"])
	assert.Equal(t, "a,b", answer.Metadata["constraints"])
	assert.Equal(t, []string{"a", "b"}, answer.Constraints)
	assert.Nil(t, answer.Form, "not a new inquiry")

	inq := toInbound(inquiry.Decision{Decision: inquiry.Answer, Category: inquiry.CategoryPortalInquiry, AnswerTo: "g@example.com",
		NewInquiry: true, CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4, MessageID: "<m@x>",
		References: []string{"<a@x>"}, InReplyTo: []string{"<a@x>"}}, "r@x", cur, at)
	assert.Equal(t, &channel.Form{CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4}, inq.Form)
	assert.Equal(t, &channel.MailHeaders{MessageID: "<m@x>", InReplyTo: []string{"<a@x>"}, References: []string{"<a@x>"}}, inq.Mail)
}
