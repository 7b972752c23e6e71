package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/mailtest"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

const (
	ourAddress  = "reservas@complejolosrobles.example"
	hostAddress = "marta.robles.vgb@example.com"
	authservID  = "mx.complejolosrobles.example"
)

// mailbox is one test's mailbox on the throw-away Dovecot, the SMTP recorder and the
// real plugin binary configured for them.
type mailbox struct {
	srv      *mailtest.Dovecot
	user     string
	password string
	rec      *mailtest.Recorder
	ch       host.Channel
	proc     *host.Process
}

func newMailbox(t *testing.T, extra map[string]any) *mailbox {
	t.Helper()
	return newMailboxOn(t, sharedDovecot(t), extra)
}

// newMailboxOn gives the test a mailbox of its own on srv.
func newMailboxOn(t *testing.T, srv *mailtest.Dovecot, extra map[string]any) *mailbox {
	t.Helper()
	user, password := srv.NewUser(t)
	rec := mailtest.StartRecorder(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := host.Start(ctx, host.Config{Name: "email", Path: pluginBinary, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() {
		stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer stopCancel()
		_ = p.Stop(stopCtx)
	})
	desc := p.Description()
	require.Equal(t, plugin.KindChannel, desc.Kind)
	require.NotNil(t, desc.Channel)
	assert.True(t, desc.Channel.Pull)
	assert.True(t, desc.Channel.Ack)
	settings := map[string]any{
		"imap_addr": srv.Addr, "imap_security": "none", "imap_username": user, "imap_password": password,
		"smtp_addr": rec.Addr, "smtp_security": "none",
		"from":          "Complejo Los Robles <" + ourAddress + ">",
		"own_addresses": hostAddress, "authserv_id": authservID,
		"coalesce_ms": 300, "poll_seconds": 60,
	}
	for k, v := range extra {
		settings[k] = v
	}
	require.NoError(t, p.Configure(ctx, plugin.ConfigureRequest{Instance: "email", Settings: settings}))
	ch, err := p.Channel()
	require.NoError(t, err)
	return &mailbox{srv: srv, user: user, password: password, rec: rec, ch: ch, proc: p}
}

// receive runs Receive from cursor until the test ends, forwarding what it emits.
func (mb *mailbox) receive(t *testing.T, cursor string) (<-chan channel.InboundMessage, context.CancelFunc) {
	t.Helper()
	out := make(chan channel.InboundMessage, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- mb.ch.Receive(ctx, channel.ReceiveRequest{Cursor: cursor}, func(m channel.InboundMessage) error {
			out <- m
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Error("Receive did not end with its context")
		}
	})
	return out, cancel
}

func next(t *testing.T, in <-chan channel.InboundMessage, within time.Duration) channel.InboundMessage {
	t.Helper()
	select {
	case m := <-in:
		return m
	case <-time.After(within):
		t.Fatalf("nothing received within %s", within)
		return channel.InboundMessage{}
	}
}

func quiet(t *testing.T, in <-chan channel.InboundMessage, d time.Duration) {
	t.Helper()
	select {
	case m := <-in:
		t.Fatalf("unexpected message %s (%v)", m.ExternalID, m.Notice)
	case <-time.After(d):
	}
}

func corpusMail(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir(t), name))
	require.NoError(t, err)
	return raw
}

// TestMailboxEveryKind: each kind of mail of the doc, appended to a real mailbox, comes
// out of Receive in order with the plugin's decision; a mail appended while the plugin
// idles arrives through IDLE.
func TestMailboxEveryKind(t *testing.T) {
	t.Parallel()
	mb := newMailbox(t, nil)
	c := mb.srv.Client(t, mb.user, mb.password)
	files := []struct {
		name, from string
		notice     channel.NoticeKind
		category   string
	}{
		{"01_parairnos_reply_to.eml", "agus.benitez.tur@example.com", "", "portal_inquiry"},
		{"12_airbnb_relay_es.eml", "7hk2p9c4w1n8q3x6z5r0m2tv@reply.airbnb.com", "", "relay_message"},
		{"14_airbnb_first_notice.eml", "", channel.NoticeHandoff, "portal_inquiry_no_reply_path"},
		{"26_directo_mime_roto.eml", "dfunes@example.net", "", "direct_inquiry"},
		{"31_autorespuesta_gmail.eml", "", channel.NoticeSkip, "auto_reply"},
		{"35_rebote_gmail_dsn.eml", "", channel.NoticeBounce, "bounce"},
		{"38_marketing_argenprop.eml", "", channel.NoticeSkip, "marketing"},
		{"42_propio_reenvio_personal.eml", "", channel.NoticeSkip, "own_address"},
		{"45_phishing_airbnb_spoof.eml", "", channel.NoticeHandoff, "phishing"},
	}
	for _, f := range files {
		mailtest.Append(t, c, corpusMail(t, f.name))
	}
	in, _ := mb.receive(t, "")
	var last channel.InboundMessage
	for i, f := range files {
		m := next(t, in, 60*time.Second)
		assert.Equal(t, f.category, m.Metadata["category"], f.name)
		assert.Equal(t, f.from, m.From, f.name)
		if f.notice == "" {
			assert.Nil(t, m.Notice, f.name)
			assert.NotEmpty(t, m.Text, f.name)
		} else if assert.NotNil(t, m.Notice, f.name) {
			assert.Equal(t, f.notice, m.Notice.Kind, f.name)
			assert.NotEmpty(t, m.Notice.Reason, f.name)
		}
		assert.True(t, strings.HasSuffix(m.Cursor, ":"+strconv.Itoa(i+1)), "cursor %s of %s", m.Cursor, f.name)
		last = m
		if f.name == "01_parairnos_reply_to.eml" {
			// The portal's form starts the conversation; the headers thread the answer.
			assert.Equal(t, &channel.Form{CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4}, m.Form)
			require.NotNil(t, m.Mail)
			assert.Equal(t, "<a3f60b2c9d8e47f1b5c0d6e2f8a1b4c7.20261205021841@mail211-3.suw21.mandrillapp.com>", m.Mail.MessageID)
		}
		if f.name == "12_airbnb_relay_es.eml" {
			assert.Equal(t, []string{channel.ConstraintNoContactDetails, channel.ConstraintNoExternalLinks, channel.ConstraintNoOffPlatformPayment}, m.Constraints)
		}
	}
	quiet(t, in, 500*time.Millisecond)

	// IDLE: the plugin is waiting; a new mail arrives without waiting for the 60 s poll.
	start := time.Now()
	mailtest.Append(t, c, corpusMail(t, "18_directo_fin_de_anio.eml"))
	m := next(t, in, 60*time.Second)
	t.Logf("append → emitted through IDLE in %s", time.Since(start))
	assert.Equal(t, "pauvillalba@example.com", m.From)
	assert.Equal(t, "2026-12-27", m.Metadata["check_in"])
	assert.NotEqual(t, last.Cursor, m.Cursor)
}

// TestMailboxAckAndRestart: a message is marked processed on the server only once the
// core acknowledges it, and a restart resumes after the core's cursor: nothing is
// emitted twice, nothing is lost.
func TestMailboxAckAndRestart(t *testing.T) {
	t.Parallel()
	mb := newMailbox(t, nil)
	c := mb.srv.Client(t, mb.user, mb.password)
	for _, f := range []string{"18_directo_fin_de_anio.eml", "19_directo_latin1_8bit.eml", "20_directo_cp1252_qp_reply_to.eml", "21_directo_utc_manana.eml"} {
		mailtest.Append(t, c, corpusMail(t, f))
	}
	in, cancel := mb.receive(t, "")
	var got []channel.InboundMessage
	for range 4 {
		got = append(got, next(t, in, 60*time.Second))
	}
	for uid, flags := range mailtest.FlagsByUID(t, c) {
		assert.NotContains(t, flags, imap.Flag("$ConserjeDone"), "uid %d marked before any ack", uid)
	}
	// The core stored the first two, then the process died (mid-batch).
	acker, ok := mb.ch.(channel.Acker)
	require.True(t, ok)
	require.NoError(t, acker.Ack(context.Background(), channel.AckRequest{Cursor: got[1].Cursor}))
	flags := mailtest.FlagsByUID(t, c)
	assert.Contains(t, flags[1], imap.Flag("$ConserjeDone"))
	assert.Contains(t, flags[2], imap.Flag("$ConserjeDone"))
	assert.NotContains(t, flags[3], imap.Flag("$ConserjeDone"))
	cancel()

	// Restart from the core's cursor: only the two it had not stored come again.
	in2, _ := mb.receive(t, got[1].Cursor)
	again := []channel.InboundMessage{next(t, in2, 60*time.Second), next(t, in2, 60*time.Second)}
	assert.Equal(t, got[2].ExternalID, again[0].ExternalID)
	assert.Equal(t, got[3].ExternalID, again[1].ExternalID)
	quiet(t, in2, 500*time.Millisecond)
	require.NoError(t, acker.Ack(context.Background(), channel.AckRequest{Cursor: again[1].Cursor}))
	for uid, flags := range mailtest.FlagsByUID(t, c) {
		assert.Contains(t, flags, imap.Flag("$ConserjeDone"), "uid %d", uid)
	}

	// A rebuilt mailbox (no cursor the server knows): every processed message is skipped.
	in3, _ := mb.receive(t, "1:999")
	quiet(t, in3, time.Second)
}

// TestMailboxBackfill: without a cursor only recent mail is read — also after the first
// search, when the plugin wakes for new mail.
func TestMailboxBackfill(t *testing.T) {
	t.Parallel()
	mb := newMailbox(t, map[string]any{"backfill_hours": 24})
	c := mb.srv.Client(t, mb.user, mb.password)
	old := corpusMail(t, "19_directo_latin1_8bit.eml")
	cmd := c.Append("INBOX", int64(len(old)), &imap.AppendOptions{Time: time.Now().Add(-10 * 24 * time.Hour)})
	_, err := cmd.Write(old)
	require.NoError(t, err)
	require.NoError(t, cmd.Close())
	_, err = cmd.Wait()
	require.NoError(t, err)
	in, _ := mb.receive(t, "")
	quiet(t, in, time.Second)
	mailtest.Append(t, c, corpusMail(t, "21_directo_utc_manana.eml"))
	m := next(t, in, 60*time.Second)
	assert.Equal(t, "tobi.luna.95@example.com", m.From)
	quiet(t, in, 500*time.Millisecond)
}

// TestMailboxAnswerAndFollowUp: the answer to an inquiry is threaded, automatic,
// multipart, and reaches the SMTP server; the guest's reply to it is a new turn of that
// conversation; the figure is append → handed to SMTP.
func TestMailboxAnswerAndFollowUp(t *testing.T) {
	t.Parallel()
	mb := newMailbox(t, nil)
	c := mb.srv.Client(t, mb.user, mb.password)
	in, _ := mb.receive(t, "")
	time.Sleep(300 * time.Millisecond) // let the plugin reach IDLE

	start := time.Now()
	mailtest.Append(t, c, corpusMail(t, "01_parairnos_reply_to.eml"))
	m := next(t, in, 60*time.Second)
	require.Nil(t, m.Notice)
	inReplyTo := "<a3f60b2c9d8e47f1b5c0d6e2f8a1b4c7.20261205021841@mail211-3.suw21.mandrillapp.com>"
	require.NotNil(t, m.Mail, "the core stores the threading headers")
	assert.Equal(t, inReplyTo, m.Mail.MessageID)
	// What the core does: store, then answer through Send (two texts of one turn),
	// threaded on the stored headers: nothing of the thread lives in the plugin.
	ctx := context.Background()
	send := func(text, key string) chan channel.SendResponse {
		out := make(chan channel.SendResponse, 1)
		go func() {
			r, err := mb.ch.Send(ctx, channel.SendRequest{To: m.From, IdempotencyKey: key, Text: &channel.Text{Body: text},
				ReplyTo: m.Mail.MessageID, References: m.Mail.References, Subject: m.Subject})
			assert.NoError(t, err)
			out <- r
		}()
		return out
	}
	r1 := send("¡Hola Agustina! Gracias por escribirnos.", "turn1-a")
	r2 := send("La Cabaña Robles está libre del 6 al 12 de febrero: https://pagos.example/abc", "turn1-b")
	got := mb.rec.Next(t, 60*time.Second)
	t.Logf("append → answer handed to SMTP in %s (IDLE)", got.At.Sub(start))
	resp1, resp2 := <-r1, <-r2
	assert.Equal(t, resp1.ExternalID, resp2.ExternalID, "one e-mail per inbound")
	assert.Equal(t, []string{"agus.benitez.tur@example.com"}, got.To)
	assert.Equal(t, ourAddress, got.From)

	mr, err := mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Equal(t, inReplyTo, mr.Header.Get("In-Reply-To"))
	assert.Equal(t, inReplyTo, mr.Header.Get("References"))
	subject, _ := mr.Header.Subject()
	assert.Equal(t, "Re: Agustina te envió una consulta: Cabaña Robles para 4 – a 5 cuadras del centro", subject)
	assert.Equal(t, "auto-replied", mr.Header.Get("Auto-Submitted"))
	assert.Equal(t, resp1.ExternalID, mr.Header.Get("Message-Id"))
	ct, _, _ := mr.Header.ContentType()
	assert.Equal(t, "multipart/alternative", ct)
	parts := decodedParts(t, got.Data)
	require.Len(t, parts, 2)
	for _, body := range parts {
		assert.Contains(t, body, "Agustina")
		assert.Contains(t, body, "pagos.example/abc", "classified portals get the normal offer, links included")
	}
	assert.Contains(t, parts[1], `<a href="https://pagos.example/abc">`)

	// Idempotent: the outbox retrying the same row gets the same message, not a new one.
	again, err := mb.ch.Send(ctx, channel.SendRequest{To: m.From, IdempotencyKey: "turn1-a", Text: &channel.Text{Body: "x"}})
	require.NoError(t, err)
	assert.Equal(t, resp1.ExternalID, again.ExternalID)

	// Her reply, in our thread, is a new turn of the conversation.
	reply := "From: Agustina Benítez <agus.benitez.tur@example.com>\r\nTo: " + ourAddress + "\r\n" +
		"Subject: Re: Agustina te envió una consulta\r\nMessage-ID: <reply-1@example.com>\r\n" +
		"In-Reply-To: " + resp1.ExternalID + "\r\nReferences: " + inReplyTo + " " + resp1.ExternalID + "\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Perfecto, la reservamos. ¿Cómo pago la seña?\r\n\r\nEl sáb, Complejo Los Robles <" + ourAddress + "> escribió:\r\n> ¡Hola Agustina!\r\n"
	mailtest.Append(t, c, []byte(reply))
	f := next(t, in, 60*time.Second)
	assert.Nil(t, f.Notice)
	assert.Equal(t, "follow_up", f.Metadata["category"])
	assert.Equal(t, resp1.ExternalID, f.Thread)
	assert.Equal(t, "Perfecto, la reservamos. ¿Cómo pago la seña?", f.Text)
	require.NotNil(t, f.Mail)
	assert.Equal(t, []string{inReplyTo, resp1.ExternalID}, f.Mail.References)

	// A staff member answers her: threaded the same way, not marked automatic.
	_, err = mb.ch.Send(ctx, channel.SendRequest{To: f.From, Author: "Marta", Text: &channel.Text{Body: "Hola Agustina, soy Marta."},
		ReplyTo: f.Mail.MessageID, References: f.Mail.References, Subject: f.Subject})
	require.NoError(t, err)
	got = mb.rec.Next(t, 60*time.Second)
	mr, err = mail.CreateReader(strings.NewReader(string(got.Data)))
	require.NoError(t, err)
	assert.Empty(t, mr.Header.Get("Auto-Submitted"), "a person wrote it")
	assert.Equal(t, "<reply-1@example.com>", mr.Header.Get("In-Reply-To"))
	assert.Equal(t, inReplyTo+" "+resp1.ExternalID+" <reply-1@example.com>", mr.Header.Get("References"))
	subject, _ = mr.Header.Subject()
	assert.Equal(t, "Re: Agustina te envió una consulta", subject, "Re: once")
}

// TestMailboxRelayAndLoopGuards: answers through the Airbnb relay carry no link, phone
// or address; our own addresses are never written to; a correspondent's answers are
// capped.
func TestMailboxRelayAndLoopGuards(t *testing.T) {
	t.Parallel()
	mb := newMailbox(t, map[string]any{"max_per_correspondent": 2, "coalesce_ms": 100})
	c := mb.srv.Client(t, mb.user, mb.password)
	mailtest.Append(t, c, corpusMail(t, "12_airbnb_relay_es.eml"))
	in, _ := mb.receive(t, "")
	m := next(t, in, 60*time.Second)
	assert.Equal(t, "no_contact_details,no_external_links,no_off_platform_payment", m.Metadata["constraints"])
	ctx := context.Background()
	_, err := mb.ch.Send(ctx, channel.SendRequest{To: m.From, Text: &channel.Text{
		Body: "¡Hola Renata! Pagá la seña en https://mpago.la/2x9 o escribime a " + ourAddress + " o al +54 9 3546 55-0100. Total $210.000."}})
	require.NoError(t, err)
	got := mb.rec.Next(t, 60*time.Second)
	body := strings.Join(decodedParts(t, got.Data), "\n")
	for _, banned := range []string{"mpago.la", ourAddress, "3546", "href="} {
		assert.NotContains(t, body, banned)
	}
	assert.Contains(t, body, "Hola Renata")
	assert.Contains(t, body, "210.000", "prices are not phones")

	_, err = mb.ch.Send(ctx, channel.SendRequest{To: hostAddress, Text: &channel.Text{Body: "x"}})
	require.ErrorIs(t, err, channel.ErrRecipientInvalid)
	_, err = mb.ch.Send(ctx, channel.SendRequest{To: ourAddress, Text: &channel.Text{Body: "x"}})
	require.ErrorIs(t, err, channel.ErrRecipientInvalid)

	_, err = mb.ch.Send(ctx, channel.SendRequest{To: m.From, Text: &channel.Text{Body: "segunda"}})
	require.NoError(t, err)
	mb.rec.Next(t, 60*time.Second)
	_, err = mb.ch.Send(ctx, channel.SendRequest{To: m.From, Text: &channel.Text{Body: "tercera"}})
	require.ErrorIs(t, err, plugin.ErrRateLimited)
	assert.Positive(t, plugin.RetryAfter(err))

	// The cap holds automatic answers only: a person answering is never held.
	_, err = mb.ch.Send(ctx, channel.SendRequest{To: m.From, Author: "Marta", Text: &channel.Text{Body: "Hola Renata, soy Marta."}})
	require.NoError(t, err)
	got = mb.rec.Next(t, 60*time.Second)
	assert.NotContains(t, string(got.Data), "Auto-Submitted")
}

// TestMailboxTLS: the plugin reads the mailbox over implicit TLS and over STARTTLS,
// checking the server's certificate (a throw-away one made for the test) against
// tls_ca_file; without that file the certificate is refused: nothing is read and Health
// says why.
func TestMailboxTLS(t *testing.T) {
	t.Parallel()
	srv, err := mailtest.LaunchTLS(t, mailtest.Binary(t))
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	cases := []struct {
		name, security, addr string
		trusted              bool
	}{
		{"implicit TLS", "tls", srv.TLSAddr, true},
		{"STARTTLS", "starttls", srv.Addr, true},
		{"untrusted certificate over TLS", "tls", srv.TLSAddr, false},
		{"untrusted certificate over STARTTLS", "starttls", srv.Addr, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			extra := map[string]any{"imap_addr": tc.addr, "imap_security": tc.security}
			if tc.trusted {
				extra["tls_ca_file"] = srv.CAFile
			}
			mb := newMailboxOn(t, srv, extra)
			c := srv.Client(t, mb.user, mb.password)
			mailtest.Append(t, c, corpusMail(t, "18_directo_fin_de_anio.eml"))
			in, _ := mb.receive(t, "")
			if tc.trusted {
				m := next(t, in, 60*time.Second)
				assert.Equal(t, "pauvillalba@example.com", m.From)
				require.NoError(t, mb.proc.Ping(context.Background()))
				return
			}
			require.Eventually(t, func() bool {
				err := mb.proc.Ping(context.Background())
				return err != nil && strings.Contains(err.Error(), "certificate")
			}, 60*time.Second, 100*time.Millisecond, "Health names the refused certificate")
			quiet(t, in, 500*time.Millisecond)
		})
	}
}

// decodedParts returns the decoded text/plain and text/html bodies, in order.
func decodedParts(t *testing.T, raw []byte) []string {
	t.Helper()
	mr, err := mail.CreateReader(strings.NewReader(string(raw)))
	require.NoError(t, err)
	var out []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(p.Body)
		require.NoError(t, err)
		out = append(out, string(body))
	}
}
