package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/plugins/whatsapp/graphfake"
)

// waServe runs serve with the real WhatsApp plugin binary against a fresh fake Graph API.
func waServe(t *testing.T, tune func(*config.Config)) (*app.App, string, *graphfake.Server) {
	t.Helper()
	graph := graphfake.New(waToken, t.Cleanup)
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{whatsAppPlugin(t, graph)}
	if tune != nil {
		tune(cfg)
	}
	a, base := serveSeeded(t, cfg)
	return a, base, graph
}

// waInbound is a guest's message as stored: kind, text and content (ok false: none).
type waInbound struct {
	Kind, Text, Contact, GuestName string
	Content                        conversation.Content
}

func storedInbound(t *testing.T, a *app.App, wamid string) (waInbound, int) {
	t.Helper()
	var rows []struct {
		Kind      string `bun:"kind"`
		Text      string `bun:"text"`
		Payload   []byte `bun:"payload"`
		Contact   string `bun:"contact"`
		GuestName string `bun:"guest_name"`
	}
	require.NoError(t, a.DB.NewRaw(`SELECT m.kind, m.text, m.payload, c.contact, COALESCE(c.guest_name, '') AS guest_name
		FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.direction = 'in' AND m.external_id = ?`, wamid).
		Scan(context.Background(), &rows))
	if len(rows) == 0 {
		return waInbound{}, 0
	}
	content, err := conversation.DecodeContent(rows[0].Payload)
	require.NoError(t, err)
	return waInbound{Kind: rows[0].Kind, Text: rows[0].Text, Contact: rows[0].Contact, GuestName: rows[0].GuestName, Content: content}, len(rows)
}

// waitSentTo waits until the fake accepted at least n messages for to, and returns them.
func waitSentTo(t *testing.T, graph *graphfake.Server, to string, n int) []graphfake.Message {
	t.Helper()
	require.Eventually(t, func() bool { return len(graph.SentTo(to)) >= n }, 30*time.Second, 20*time.Millisecond,
		"%d messages to %s; sent: %s", n, to, sentText(graph))
	return graph.SentTo(to)
}

// waitReply waits for a message to `to` whose text contains want.
func waitReply(t *testing.T, graph *graphfake.Server, to, want string) graphfake.Message {
	t.Helper()
	var found graphfake.Message
	require.Eventually(t, func() bool {
		for _, m := range graph.SentTo(to) {
			if strings.Contains(m.Text(), want) {
				found = m
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "a reply to %s with %q; sent to them: %v", to, want, texts(graph.SentTo(to)))
	return found
}

func texts(ms []graphfake.Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Type+": "+m.Text())
	}
	return out
}

// buttons are the reply buttons of an interactive message: id → title.
func buttons(t *testing.T, m graphfake.Message) map[string]string {
	t.Helper()
	var b struct {
		Interactive struct {
			Type   string
			Action struct {
				Buttons []struct {
					Reply struct{ ID, Title string }
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(m.Body, &b))
	out := map[string]string{}
	for _, x := range b.Interactive.Action.Buttons {
		out[x.Reply.ID] = x.Reply.Title
	}
	return out
}

// TestWhatsAppThroughServe drives serve with the real WhatsApp plugin binary and a local
// fake Graph API: signatures, every message type of providers.md 1.4, statuses out of
// order, duplicates, the plugin's body limit, media download, and the journey from
// "Hola, para 4 del 5 al 8/1" to the hold as reply buttons.
func TestWhatsAppThroughServe(t *testing.T) {
	t.Parallel()
	a, base, graph := waServe(t, nil)
	ctx := context.Background()

	t.Run("signatures", func(t *testing.T) {
		t.Parallel()
		body := graphfake.Inbound(waPhoneNumberID, "5493510000101", "Ana", "wamid.sig1", "text", map[string]any{"body": "hola"})
		cases := []struct {
			name   string
			hook   graphfake.Webhook
			status int
			stored bool
		}{
			{"missing", graphfake.Webhook{Body: body}, http.StatusUnauthorized, false},
			{"bad", graphfake.Sign("another app's secret", body), http.StatusForbidden, false},
			{"over other bytes", graphfake.Webhook{Body: body, Signature: graphfake.Sign(waAppSecret, append(append([]byte(nil), body...), ' ')).Signature}, http.StatusForbidden, false},
			{"valid, unusable body: acknowledged, nothing stored", graphfake.Sign(waAppSecret, []byte(`{"object":"whatsapp_business_account","entry":[{"id":`)), http.StatusOK, false},
			{"valid, wrong object", graphfake.Sign(waAppSecret, []byte(`{"object":"page","entry":[]}`)), http.StatusOK, false},
			{"valid", graphfake.Sign(waAppSecret, body), http.StatusOK, true},
		}
		for _, tc := range cases {
			resp, err := tc.hook.Post(http.DefaultClient, base+"/webhooks/whatsapp")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode, tc.name)
			_, n := storedInbound(t, a, "wamid.sig1")
			if tc.stored {
				assert.Equal(t, 1, n, tc.name)
			} else {
				assert.Zero(t, n, "%s: nothing stored", tc.name)
			}
		}
	})

	t.Run("verification handshake", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name, token string
			status      int
			body        string
		}{
			{"right token: the challenge verbatim", waVerifyToken, 200, "1158201444"},
			{"wrong token", "nope", 403, ""},
		}
		for _, tc := range cases {
			resp, err := http.Get(base + "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + url.QueryEscape(tc.token))
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode, tc.name)
			if tc.body != "" {
				assert.Equal(t, tc.body, string(b), tc.name)
			}
		}
	})

	t.Run("message types", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name, from, typ string
			content         any
			kind            string
			check           func(t *testing.T, in waInbound)
			reply           string // a reply to the guest contains it ("" none expected)
		}{
			{name: "text", from: "5493510000201", typ: "text", content: map[string]any{"body": "¿Tienen cochera?"}, kind: conversation.KindText,
				check: func(t *testing.T, in waInbound) { assert.Equal(t, "¿Tienen cochera?", in.Text) }},
			{name: "voice note: stored with its media id, asked to write", from: "5493510000202", typ: "audio",
				content: map[string]any{"mime_type": "audio/ogg; codecs=opus", "sha256": "0e17", "id": "2278450193366810", "voice": true}, kind: conversation.KindAudio,
				check: func(t *testing.T, in waInbound) {
					require.NotNil(t, in.Content.Media)
					assert.Equal(t, "2278450193366810", in.Content.Media.ID)
					assert.True(t, in.Content.Media.Voice)
				}, reply: "me lo escribís"},
			{name: "image", from: "5493510000203", typ: "image", content: map[string]any{"mime_type": "image/jpeg", "sha256": "ab", "id": "1500928374650192", "caption": "la entrada"},
				kind: conversation.KindImage, check: func(t *testing.T, in waInbound) {
					require.NotNil(t, in.Content.Media)
					assert.Equal(t, "1500928374650192", in.Content.Media.ID)
				}, reply: "Gracias por la imagen"},
			{name: "location", from: "5493510000204", typ: "location", content: map[string]any{"latitude": -31.9717, "longitude": -64.5589, "name": "Terminal"},
				kind: conversation.KindLocation, check: func(t *testing.T, in waInbound) {
					require.NotNil(t, in.Content.Location)
					assert.InDelta(t, -31.9717, in.Content.Location.Latitude, 1e-6)
				}, reply: "Gracias por la ubicación"},
			{name: "reaction", from: "5493510000205", typ: "reaction", content: map[string]any{"message_id": "wamid.fake1", "emoji": "👍"},
				kind: conversation.KindReaction, check: func(t *testing.T, in waInbound) {
					require.NotNil(t, in.Content.Reaction)
					assert.Equal(t, "👍", in.Content.Reaction.Emoji)
				}},
			{name: "unsupported", from: "5493510000206", typ: "unsupported", content: map[string]any{"type": "poll"},
				kind: conversation.KindUnsupported, check: func(t *testing.T, in waInbound) { assert.NotEmpty(t, in.Content.RawType) }},
			{name: "a type newer than the plugin", from: "5493510000207", typ: "sticker", content: map[string]any{"id": "x", "animated": false},
				kind: conversation.KindUnsupported, check: func(t *testing.T, in waInbound) { assert.Equal(t, "sticker", in.Content.RawType) }},
			{name: "list reply", from: "5493510000208", typ: "interactive",
				content: map[string]any{"type": "list_reply", "list_reply": map[string]any{"id": "opt-x", "title": "Cabaña Coihue"}}, kind: conversation.KindOption,
				check: func(t *testing.T, in waInbound) { assert.Equal(t, "opt-x", in.Content.OptionID) }},
			{name: "template quick reply button", from: "5493510000209", typ: "button",
				content: map[string]any{"payload": "opt-y", "text": "Sí, confirmar"}, kind: conversation.KindOption,
				check: func(t *testing.T, in waInbound) { assert.Equal(t, "opt-y", in.Content.OptionID) }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				id := "wamid.type-" + tc.from
				postWA(t, base, graphfake.Inbound(waPhoneNumberID, tc.from, "Mariela", id, tc.typ, tc.content), http.StatusOK)
				in, n := storedInbound(t, a, id)
				require.Equal(t, 1, n, "stored before the 200")
				assert.Equal(t, tc.kind, in.Kind)
				assert.Equal(t, tc.from, in.Contact)
				assert.Equal(t, "Mariela", in.GuestName, "the profile name is the guest's name")
				tc.check(t, in)
				if tc.reply != "" {
					waitReply(t, graph, tc.from, tc.reply)
				}
			})
		}
	})

	t.Run("a sender without a phone number is keyed by from_user_id", func(t *testing.T) {
		t.Parallel()
		const user = "AR.2650938417702216"
		body := graphfake.Envelope(waPhoneNumberID, map[string]any{
			"contacts": []any{map[string]any{"profile": map[string]any{"name": "Romi"}, "user_id": user}},
			"messages": []any{map[string]any{"from_user_id": user, "id": "wamid.bsuid1", "timestamp": "1801677803", "type": "text", "text": map[string]any{"body": "buenas, una consulta"}}},
		})
		postWA(t, base, body, http.StatusOK)
		in, n := storedInbound(t, a, "wamid.bsuid1")
		require.Equal(t, 1, n)
		assert.Equal(t, user, in.Contact)
		assert.Equal(t, "Romi", in.GuestName)
		waitSentTo(t, graph, user, 1)
	})

	t.Run("statuses out of order never regress; unknown ones are kept without a change", func(t *testing.T) {
		t.Parallel()
		const guest = "5493510000301"
		waText(t, base, guest, "wamid.st1", "Hola")
		out := waitSentTo(t, graph, guest, 1)[0]
		status := func() string {
			var st string
			require.NoError(t, a.DB.NewRaw(`SELECT status FROM messages WHERE direction = 'out' AND external_id = ?`, out.ID).Scan(ctx, &st))
			return st
		}
		kept := func(state string) int {
			var n int
			require.NoError(t, a.DB.NewRaw(`SELECT count(*) FROM delivery_statuses WHERE external_id = ? AND status = ?`, out.ID, state).Scan(ctx, &n))
			return n
		}
		// The fake has the message before the outbox records its id (statuses arriving in
		// that gap are TestDeliveryStatusBeforeTheSendIsRecorded's case).
		require.Eventually(t, func() bool {
			n, err := a.DB.NewSelect().Table("messages").Where("direction = 'out' AND external_id = ?", out.ID).Count(ctx)
			return err == nil && n == 1
		}, 10*time.Second, 10*time.Millisecond, "the sent message carries the provider's id")
		now := time.Now()
		steps := []struct{ state, want string }{
			{"read", "read"},
			{"delivered", "read"},
			{"sent", "read"},
			{"read", "read"}, // a duplicate
			{"deleted_future_state", "read"},
			{"played", "played"},
		}
		for _, s := range steps {
			postWA(t, base, graphfake.Status(waPhoneNumberID, out.ID, s.state, guest, now), http.StatusOK)
			assert.Equal(t, s.want, status(), "after %s", s.state)
		}
		assert.Equal(t, 1, kept("read"), "a duplicate status is kept once")
		assert.Equal(t, 1, kept("deleted_future_state"), "an unknown status is kept")
	})

	t.Run("duplicates get one reply", func(t *testing.T) {
		t.Parallel()
		const once, dup = "5493510000401", "5493510000402"
		waText(t, base, once, "wamid.once1", "Hola")
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := graphfake.Sign(waAppSecret, graphfake.Inbound(waPhoneNumberID, dup, "Agustina", "wamid.dup1", "text", map[string]any{"body": "Hola"})).
					Post(http.DefaultClient, base+"/webhooks/whatsapp")
				if assert.NoError(t, err) {
					resp.Body.Close()
					assert.Equal(t, http.StatusOK, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		_, n := storedInbound(t, a, "wamid.dup1")
		assert.Equal(t, 1, n, "stored once (deduplicated on the wamid)")
		// A later message's reply comes after every reply to the first (one turn at a
		// time, in order): then both guests have had the same replies.
		waText(t, base, once, "wamid.once2", "para 2 del 5 al 8/2")
		waText(t, base, dup, "wamid.dup2", "para 2 del 5 al 8/2")
		waitReply(t, graph, once, "8/2")
		waitReply(t, graph, dup, "8/2")
		assert.Equal(t, texts(graph.SentTo(once)), texts(graph.SentTo(dup)), "the duplicate got no second reply")
	})

	t.Run("the plugin's body limit (3 MiB) applies to its webhook", func(t *testing.T) {
		t.Parallel()
		padded := func(id string, size int) []byte {
			var doc map[string]any
			require.NoError(t, json.Unmarshal(graphfake.Inbound(waPhoneNumberID, "5493510000501", "Ana", id, "text", map[string]any{"body": "hola"}), &doc))
			base, _ := json.Marshal(doc)
			doc["x_padding"] = strings.Repeat("a", size-len(base)-len(`,"x_padding":""`))
			out, _ := json.Marshal(doc)
			require.Len(t, out, size)
			return out
		}
		postWA(t, base, padded("wamid.big1", 2<<20), http.StatusOK) // over the global 1 MiB
		_, n := storedInbound(t, a, "wamid.big1")
		assert.Equal(t, 1, n, "a 2 MiB notification is taken")
		postWA(t, base, padded("wamid.big2", 3<<20+1), http.StatusRequestEntityTooLarge)
		_, n = storedInbound(t, a, "wamid.big2")
		assert.Zero(t, n)
		resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(`{"text":"`+strings.Repeat("a", 2<<20)+`"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "other routes keep the global limit")
	})

	t.Run("media download: staff play a voice note fetched in two steps with the token", func(t *testing.T) {
		t.Parallel()
		const guest = "5493510000601"
		audio := []byte("OggS\x00fake-opus-voice-note")
		graph.SetMedia("media-voice-1", "audio/ogg", audio, false)
		graph.SetMedia("media-voice-bad", "audio/ogg", audio, true)
		post := func(id, media string) string {
			postWA(t, base, graphfake.Inbound(waPhoneNumberID, guest, "Ana", id, "audio",
				map[string]any{"mime_type": "audio/ogg; codecs=opus", "id": media, "voice": true}), http.StatusOK)
			var conv, msg string
			require.NoError(t, a.DB.NewRaw(`SELECT conversation_id, id FROM messages WHERE external_id = ?`, id).Scan(ctx, &conv, &msg))
			return "/admin/conversations/" + conv + "/messages/" + msg + "/audio"
		}
		good, bad := post("wamid.voice1", "media-voice-1"), post("wamid.voice2", "media-voice-bad")
		staff := adminSession(t, base)
		cases := []struct {
			name   string
			path   string
			status int
			body   []byte
		}{
			{"the voice note, checksum verified", good, http.StatusOK, audio},
			{"a checksum mismatch is refused", bad, http.StatusBadGateway, nil},
		}
		for _, tc := range cases {
			resp, err := staff.Get(base + tc.path)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode, tc.name)
			if tc.body != nil {
				assert.Equal(t, tc.body, b, tc.name)
			}
		}
	})

	t.Run("Hola, para 4 del 5 al 8/1 to the hold, with reply buttons", func(t *testing.T) {
		t.Parallel()
		const guest = "5493517654321"
		waText(t, base, guest, "wamid.j1", "Hola, para 4 del 5 al 8/1")
		offer := waitReply(t, graph, guest, "Cabaña Robles")
		require.Equal(t, "interactive", offer.Type, "the options go as reply buttons: %s", offer.Body)
		opts := buttons(t, offer)
		var robles string
		for id, title := range opts {
			if strings.Contains(title, "Robles") {
				robles = id
			}
		}
		require.NotEmpty(t, robles, "a button for the Robles: %v", opts)
		// The guest taps it: the button's id is the core's option id.
		postWA(t, base, graphfake.Inbound(waPhoneNumberID, guest, "Agustina", "wamid.j2", "interactive",
			map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": robles, "title": opts[robles]}}), http.StatusOK)
		hold := waitReply(t, graph, guest, "la seña es de $40.500")
		assert.Regexp(t, regexp.MustCompile(`RES\d{9}`), hold.Text())
		status := func() string {
			var status string
			require.NoError(t, a.DB.NewRaw(`SELECT r.status FROM reservations r JOIN conversations c ON c.id = r.conversation_id WHERE c.contact = ?`, guest).Scan(ctx, &status))
			return status
		}
		assert.Equal(t, "pre_reserved", status())
		// The hold comes with what the guest does next as reply buttons (no payment
		// plugin here: the bank transfer, and letting the unit go).
		require.Equal(t, "interactive", hold.Type, "the hold goes with reply buttons: %s", hold.Body)
		assert.Equal(t, map[string]string{"hold_pagar_transferencia": "Transferir la seña", "hold_liberar": "Liberar la reserva"}, buttons(t, hold))

		cases := []struct {
			name, id, wamid string
			reply           []string
			status          string
		}{
			{"tap on the transfer: alias, CBU, holder and amount", "hold_pagar_transferencia", "wamid.j3",
				[]string{"transferí $40.500 a:", "Alias: los.robles.demo", "CBU: 0000003100012345678901", "Titular: Complejo Los Robles"}, "pre_reserved"},
			{"tap on release: the hold is let go", "hold_liberar", "wamid.j4",
				[]string{"Listo, liberé tu reserva de Cabaña Robles"}, "cancelled"},
		}
		for _, tc := range cases {
			postWA(t, base, graphfake.Inbound(waPhoneNumberID, guest, "Agustina", tc.wamid, "interactive",
				map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": tc.id, "title": buttons(t, hold)[tc.id]}}), http.StatusOK)
			in, n := storedInbound(t, a, tc.wamid)
			require.Equal(t, 1, n, tc.name)
			assert.Equal(t, tc.id, in.Content.OptionID, tc.name)
			reply := waitReply(t, graph, guest, tc.reply[0])
			for _, want := range tc.reply[1:] {
				assert.Contains(t, reply.Text(), want, tc.name)
			}
			assert.Equal(t, tc.status, status(), tc.name)
		}
	})
}

// TestWhatsAppHoldButtonsWithMercadoPago: with Mercado Pago configured the hold's reply
// buttons start with its payment link, and a tap on it sends the same link again (no
// second checkout is created); the bank transfer stays on offer.
func TestWhatsAppHoldButtonsWithMercadoPago(t *testing.T) {
	t.Parallel()
	fake := mpfake.New(mpTestToken, t.Cleanup)
	_, base, graph := waServe(t, func(cfg *config.Config) {
		cfg.HTTP.PublicURL = "https://reservas.example.com.ar"
		cfg.Plugins = append(cfg.Plugins, mercadoPagoPlugin(t, fake))
		cfg.Payments.Plugin = "mercadopago"
	})
	const guest = "5493517654399"
	waText(t, base, guest, "wamid.mp1", "Hola, para 4 del 5 al 8/1")
	waitReply(t, graph, guest, "Cabaña Robles")
	waText(t, base, guest, "wamid.mp2", "la Robles")
	hold := waitReply(t, graph, guest, "pref_id=")
	link := regexp.MustCompile(regexp.QuoteMeta(fake.URL) + `/checkout/v1/redirect\?pref_id=[\w-]+`).FindString(hold.Text())
	require.NotEmpty(t, link, hold.Text())
	require.Equal(t, "interactive", hold.Type, "the hold goes with reply buttons: %s", hold.Body)
	assert.Equal(t, map[string]string{
		"hold_pagar_link": "Pagar: Mercado Pago", "hold_pagar_transferencia": "Transferir la seña", "hold_liberar": "Liberar la reserva",
	}, buttons(t, hold))

	postWA(t, base, graphfake.Inbound(waPhoneNumberID, guest, "Agustina", "wamid.mp3", "interactive",
		map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "hold_pagar_link", "title": "Pagar: Mercado Pago"}}), http.StatusOK)
	again := waitReply(t, graph, guest, "Este es el link para pagar la seña de $40.500")
	assert.Contains(t, again.Text(), link, "the same link, sent again")
	assert.Len(t, fake.Preferences(), 1, "no second checkout")
}

// adminSession logs in to the admin as the demo's staff user and returns its client.
func adminSession(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/admin/login")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	require.NotNil(t, m)
	resp, err = c.PostForm(base+"/admin/login", url.Values{"csrf": {string(m[1])}, "username": {"admin"}, "password": {"admin-password-1"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	return c
}
