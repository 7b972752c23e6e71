package channel_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	sdkchannel "github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// recordingChannel stands in for a channel plugin's transport: the plugin side is tested
// against the real binary in core/app; here only the mapping of messages matters.
type recordingChannel struct {
	noButtons bool
	sent      []sdkchannel.SendRequest
}

func (r *recordingChannel) HandleWebhook(context.Context, sdkchannel.WebhookRequest) (sdkchannel.WebhookResponse, error) {
	return sdkchannel.WebhookResponse{}, nil
}

func (r *recordingChannel) Send(_ context.Context, req sdkchannel.SendRequest) (sdkchannel.SendResponse, error) {
	if req.Buttons != nil && r.noButtons {
		return sdkchannel.SendResponse{}, plugin.ErrUnsupported
	}
	r.sent = append(r.sent, req)
	return sdkchannel.SendResponse{ExternalID: "x"}, nil
}

func TestPluginSenderButtons(t *testing.T) {
	two := []dialog.Button{{ID: "robles", Title: "Cabaña Robles"}, {ID: "coihue", Title: "Cabaña Coihue"}}
	four := append(append([]dialog.Button{}, two...), dialog.Button{ID: "a", Title: "Otra fecha"}, dialog.Button{ID: "b", Title: "Hablar con alguien"})
	cases := []struct {
		name      string
		buttons   []dialog.Button
		noButtons bool
		wantBtns  int
		wantText  string
	}{
		{"plain text", nil, false, 0, "¡Hola!"},
		{"buttons the channel shows", two, false, 2, ""},
		{"more than three become a numbered list", four, false, 0, "¡Hola!\n1. Cabaña Robles\n2. Cabaña Coihue\n3. Otra fecha\n4. Hablar con alguien"},
		{"a channel without buttons gets the list", two, true, 0, "¡Hola!\n1. Cabaña Robles\n2. Cabaña Coihue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := &recordingChannel{noButtons: tc.noButtons}
			id, err := channel.NewPluginSender(ch, nil).Send(context.Background(), conversation.Outbound{
				Recipient: "5493510000000", Text: "¡Hola!", Buttons: tc.buttons, IdempotencyKey: "k1",
			})
			require.NoError(t, err)
			assert.Equal(t, "x", id, "the provider's id comes back for delivery statuses")
			require.Len(t, ch.sent, 1)
			got := ch.sent[0]
			assert.Equal(t, "k1", got.IdempotencyKey)
			if tc.wantBtns > 0 {
				require.NotNil(t, got.Buttons)
				assert.Len(t, got.Buttons.Buttons, tc.wantBtns)
				return
			}
			require.NotNil(t, got.Text)
			assert.Equal(t, tc.wantText, got.Text.Body)
		})
	}
}

type fakePayments struct {
	resp payment.WebhookResponse
	err  error
}

func (f fakePayments) HandleWebhook(context.Context, payment.WebhookRequest) (payment.WebhookResponse, error) {
	return f.resp, f.err
}

type staticPlugins struct {
	kinds map[string]plugin.Kind
	pay   channel.PluginPayments
}

func (s staticPlugins) Kind(name string) (plugin.Kind, bool)            { k, ok := s.kinds[name]; return k, ok }
func (s staticPlugins) Capabilities(string) *plugin.ChannelCapabilities { return nil }
func (s staticPlugins) Channel(string) (channel.PluginChannel, error) {
	return nil, errors.New("no channel")
}
func (s staticPlugins) Payment(string) (channel.PluginPayments, error) { return s.pay, nil }

type recordingInbox struct {
	ids      []string
	observed []payment.Payment
	provider string
	err      error
}

func (r *recordingInbox) Notified(_ context.Context, provider string, ids ...string) error {
	if len(ids) > 0 {
		r.provider = provider
	}
	r.ids = append(r.ids, ids...)
	return r.err
}

func (r *recordingInbox) Observed(_ context.Context, provider string, ps ...payment.Payment) error {
	if len(ps) > 0 {
		r.provider = provider
	}
	r.observed = append(r.observed, ps...)
	return r.err
}

// TestPaymentWebhooks: a payment plugin's webhook hands the payments it names (or read)
// to the payment lifecycle before the provider hears the plugin's answer; a storage
// failure makes the provider retry.
func TestPaymentWebhooks(t *testing.T) {
	reply := plugin.WebhookReply{Status: 200, Body: []byte("ok")}
	read := payment.Payment{ID: "2", Reference: "RES270105001", Status: payment.StatusRejected}
	cases := []struct {
		name         string
		resp         payment.WebhookResponse
		inboxErr     error
		wantIDs      []string
		wantObserved []payment.Payment
		wantErr      bool
	}{
		{"named payments are recorded to read", payment.WebhookResponse{WebhookReply: reply, PaymentIDs: []string{"148205937461"}}, nil, []string{"148205937461"}, nil, false},
		{"payments the plugin read are applied", payment.WebhookResponse{WebhookReply: reply, Payments: []payment.Payment{read}}, nil, nil, []payment.Payment{read}, false},
		{"a bad signature names nothing", payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: 401}}, nil, nil, nil, false},
		{"a store failure makes the provider retry", payment.WebhookResponse{WebhookReply: reply, PaymentIDs: []string{"1"}}, errors.New("database is gone"), []string{"1"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inbox := &recordingInbox{err: tc.inboxErr}
			plugins := staticPlugins{kinds: map[string]plugin.Kind{"mercadopago": plugin.KindPayment}, pay: fakePayments{resp: tc.resp}}
			w := channel.NewWebhooks(plugins, nil, inbox, nil, nil)
			got, err := w.HandleWebhook(context.Background(), "mercadopago", plugin.WebhookRequest{Method: "POST"})
			if tc.wantErr {
				require.ErrorContains(t, err, "database is gone")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.resp.WebhookReply, got)
			}
			assert.Equal(t, tc.wantIDs, inbox.ids)
			assert.Equal(t, tc.wantObserved, inbox.observed)
			if len(tc.wantIDs)+len(tc.wantObserved) > 0 {
				assert.Equal(t, "mercadopago", inbox.provider)
			}
		})
	}
	t.Run("unknown plugin", func(t *testing.T) {
		w := channel.NewWebhooks(staticPlugins{kinds: map[string]plugin.Kind{}}, nil, &recordingInbox{}, nil, nil)
		_, err := w.HandleWebhook(context.Background(), "nope", plugin.WebhookRequest{})
		require.ErrorIs(t, err, channel.ErrNoWebhook)
	})
	t.Run("plugin not started yet", func(t *testing.T) {
		w := channel.NewWebhooks(staticPlugins{kinds: map[string]plugin.Kind{"wa": ""}}, nil, &recordingInbox{}, nil, nil)
		_, err := w.HandleWebhook(context.Background(), "wa", plugin.WebhookRequest{})
		require.ErrorIs(t, err, channel.ErrPluginNotReady)
	})
}

// whatsappCaps are the capabilities plugins/whatsapp declares.
var whatsappCaps = &plugin.ChannelCapabilities{AddressKind: plugin.AddressPhone, MaxText: 4096, MaxButtons: 3, MaxButtonTitle: 20,
	MaxListRows: 10, MaxListRowTitle: 24, Templates: true, AudioMIME: []string{"audio/ogg; codecs=opus"}, Media: true, WindowHours: 24}

func TestPluginSenderFollowsCapabilities(t *testing.T) {
	units := func(n int) []dialog.Button {
		var out []dialog.Button
		for i := range n {
			out = append(out, dialog.Button{ID: fmt.Sprintf("u%d", i), Title: fmt.Sprintf("Cabaña %d", i)})
		}
		return out
	}
	long := []dialog.Button{{ID: "a", Title: "Departamento Centro con cochera"}, {ID: "b", Title: "Cabaña Coihue"}}
	textOnly := &plugin.ChannelCapabilities{AddressKind: plugin.AddressEmail}
	cases := []struct {
		name  string
		caps  *plugin.ChannelCapabilities
		msg   conversation.Outbound
		check func(t *testing.T, sent []sdkchannel.SendRequest)
	}{
		{"three short options are reply buttons", whatsappCaps, conversation.Outbound{Text: "¿Cuál?", Buttons: units(3)}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Buttons)
			assert.Len(t, sent[0].Buttons.Buttons, 3)
		}},
		{"four options are a list with the core's ids", whatsappCaps, conversation.Outbound{Text: "¿Cuál?", Buttons: units(4), ListButton: "Ver cabañas"}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].List)
			rows := sent[0].List.Sections[0].Rows
			require.Len(t, rows, 4)
			assert.Equal(t, "u3", rows[3].ID)
			assert.Equal(t, "Ver cabañas", sent[0].List.Button)
		}},
		{"titles past 20 runes go as a list, cut with the whole title below", whatsappCaps, conversation.Outbound{Text: "¿Cuál?", Buttons: long}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].List)
			row := sent[0].List.Sections[0].Rows[0]
			assert.Equal(t, "Departamento Centro con…", row.Title)
			assert.Equal(t, 24, utf8.RuneCountInString(row.Title))
			assert.Equal(t, "Departamento Centro con cochera", row.Description)
		}},
		{"eleven options are numbered text", whatsappCaps, conversation.Outbound{Text: "¿Cuál?", Buttons: units(11)}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Text)
			assert.Contains(t, sent[0].Text.Body, "\n11. Cabaña 10")
		}},
		{"a text-only channel gets numbered text, never buttons", textOnly, conversation.Outbound{Text: "¿Cuál?", Buttons: units(2)}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Text)
			assert.Equal(t, "¿Cuál?\n1. Cabaña 0\n2. Cabaña 1", sent[0].Text.Body)
		}},
		{"a template where templates exist", whatsappCaps, conversation.Outbound{Text: "Tu reserva vence", Template: &conversation.ApprovedTemplate{Name: "hold_expiring", Language: "es_AR", Params: []string{"Ana"}}}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Template)
			assert.Equal(t, sdkchannel.Template{Name: "hold_expiring", Language: "es_AR", Params: []string{"Ana"}}, *sent[0].Template)
		}},
		{"its text where they do not", textOnly, conversation.Outbound{Text: "Tu reserva vence", Template: &conversation.ApprovedTemplate{Name: "hold_expiring"}}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Text)
			assert.Equal(t, "Tu reserva vence", sent[0].Text.Body)
		}},
		{"a voice note in a MIME the channel sends", whatsappCaps, conversation.Outbound{Text: "Hola", Audio: &conversation.Audio{MIME: "audio/ogg;codecs=opus", Data: []byte("OggS"), Voice: true}}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Audio)
			assert.True(t, sent[0].Audio.Voice)
		}},
		{"its transcript on a channel without audio", textOnly, conversation.Outbound{Text: "Hola", Audio: &conversation.Audio{MIME: "audio/ogg", Data: []byte("OggS")}}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			require.NotNil(t, sent[0].Text)
		}},
		{"text longer than the channel takes is split", &plugin.ChannelCapabilities{MaxText: 10}, conversation.Outbound{Text: "uno dos tres\ncuatro cinco"}, func(t *testing.T, sent []sdkchannel.SendRequest) {
			var parts []string
			for _, s := range sent {
				parts = append(parts, s.Text.Body)
			}
			assert.Equal(t, []string{"uno dos", "tres", "cuatro", "cinco"}, parts, "cut at line breaks, else spaces")
			assert.Equal(t, "k1#1", sent[1].IdempotencyKey, "each part has its own key")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := &recordingChannel{}
			tc.msg.Recipient, tc.msg.IdempotencyKey, tc.msg.From = "5493510000000", "k1", "613058842097135"
			_, err := channel.NewPluginSender(ch, tc.caps).Send(context.Background(), tc.msg)
			require.NoError(t, err)
			require.NotEmpty(t, ch.sent)
			assert.Equal(t, "613058842097135", ch.sent[0].From, "replies go out from the number the guest wrote to")
			tc.check(t, ch.sent)
		})
	}
}

func TestInboundMapping(t *testing.T) {
	cases := []struct {
		name string
		in   sdkchannel.InboundMessage
		want conversation.Inbound
	}{
		{"text", sdkchannel.InboundMessage{ExternalID: "w1", From: "549", FromName: "Ana", To: "pn1", Type: sdkchannel.TypeText, Text: "hola"},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", To: "pn1", ExternalID: "w1", Text: "hola", Kind: "text", GuestName: "Ana"}},
		{"voice note keeps its media id", sdkchannel.InboundMessage{ExternalID: "w2", From: "549", Type: sdkchannel.TypeAudio, Media: &sdkchannel.Media{ID: "m1", MIME: "audio/ogg; codecs=opus", SHA256: "ab", Voice: true}},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", ExternalID: "w2", Kind: "audio",
				Content: conversation.Content{Media: &conversation.Media{ID: "m1", MIME: "audio/ogg; codecs=opus", SHA256: "ab", Voice: true}}}},
		{"a tap is the option's id", sdkchannel.InboundMessage{ExternalID: "w3", From: "549", Type: sdkchannel.TypeButtonReply, ButtonID: "unit_robles", Text: "Cabaña Robles", ReplyTo: "wamid.out"},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", ExternalID: "w3", Kind: "option", Text: "Cabaña Robles",
				Content: conversation.Content{OptionID: "unit_robles", ReplyTo: "wamid.out"}}},
		{"location", sdkchannel.InboundMessage{ExternalID: "w4", From: "549", Type: sdkchannel.TypeLocation, Location: &sdkchannel.Location{Latitude: -31.97, Longitude: -64.55, Name: "Terminal"}},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", ExternalID: "w4", Kind: "location",
				Content: conversation.Content{Location: &conversation.Location{Latitude: -31.97, Longitude: -64.55, Name: "Terminal"}}}},
		{"reaction", sdkchannel.InboundMessage{ExternalID: "w5", From: "549", Type: sdkchannel.TypeReaction, Reaction: &sdkchannel.Reaction{MessageID: "wamid.out", Emoji: "😍"}},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", ExternalID: "w5", Kind: "reaction",
				Content: conversation.Content{Reaction: &conversation.Reaction{MessageID: "wamid.out", Emoji: "😍"}}}},
		{"a future type is unsupported, its name kept", sdkchannel.InboundMessage{ExternalID: "w6", From: "549", Type: "mixed_reality"},
			conversation.Inbound{Channel: "wa-robles", Contact: "549", AddressKind: "phone", ExternalID: "w6", Kind: "unsupported",
				Content: conversation.Content{RawType: "mixed_reality"}}},
		{"no phone: keyed on the user id, which is not a phone", sdkchannel.InboundMessage{ExternalID: "w7", FromUserID: "AR.26", Type: sdkchannel.TypeText, Text: "buenas"},
			conversation.Inbound{Channel: "wa-robles", Contact: "AR.26", AddressKind: "opaque", ExternalID: "w7", Kind: "text", Text: "buenas"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, channel.Inbound("wa-robles", plugin.AddressPhone, tc.in))
		})
	}
}

type mediaChannel struct {
	recordingChannel
	data []byte
}

func (m *mediaChannel) FetchMedia(_ context.Context, req sdkchannel.FetchMediaRequest) (sdkchannel.FetchMediaResponse, error) {
	if req.MediaID != "m1" {
		return sdkchannel.FetchMediaResponse{}, plugin.ErrNotFound
	}
	return sdkchannel.FetchMediaResponse{Data: m.data}, nil
}

type channelPlugins struct {
	staticPlugins
	ch channel.PluginChannel
}

func (c channelPlugins) Channel(string) (channel.PluginChannel, error) { return c.ch, nil }

func TestFetchMediaChecksTheDigest(t *testing.T) {
	data := []byte("OggS voice")
	sum := sha256.Sum256(data)
	w := channel.NewWebhooks(channelPlugins{ch: &mediaChannel{data: data}}, nil, nil, nil, nil)
	ctx := context.Background()
	got, err := w.FetchMedia(ctx, "wa", conversation.Media{ID: "m1", MIME: "audio/ogg", SHA256: hex.EncodeToString(sum[:])}, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, data, got.Data)
	assert.Equal(t, "audio/ogg", got.MIME, "the message's MIME type when the plugin gives none")

	_, err = w.FetchMedia(ctx, "wa", conversation.Media{ID: "m1", SHA256: strings.Repeat("0", 64)}, 0)
	require.ErrorIs(t, err, channel.ErrMediaChecksum)
	_, err = w.FetchMedia(ctx, "wa", conversation.Media{ID: "m2"}, 0)
	require.ErrorIs(t, err, plugin.ErrNotFound)
	_, err = channel.NewWebhooks(channelPlugins{ch: &recordingChannel{}}, nil, nil, nil, nil).FetchMedia(ctx, "wa", conversation.Media{ID: "m1"}, 0)
	require.Error(t, err, "a channel without media says so")
}

// TestPluginSenderThreadsMail: an e-mail's threading, subject and author travel to the
// plugin as the core stored them; the relay constraints' names are the contract's.
func TestPluginSenderThreadsMail(t *testing.T) {
	ch := &recordingChannel{}
	s := channel.NewPluginSender(ch, &plugin.ChannelCapabilities{AddressKind: plugin.AddressEmail, Pull: true})
	_, err := s.Send(context.Background(), conversation.Outbound{Recipient: "ana@example.org", Text: "Hola Ana", IdempotencyKey: "k",
		ReplyTo: "<reply@x>", References: []string{"<inq@x>", "<conserje.1@y>", "<reply@x>"}, Subject: "Consulta", Author: "Marta"})
	require.NoError(t, err)
	require.Len(t, ch.sent, 1)
	got := ch.sent[0]
	assert.Equal(t, "<reply@x>", got.ReplyTo)
	assert.Equal(t, []string{"<inq@x>", "<conserje.1@y>", "<reply@x>"}, got.References)
	assert.Equal(t, "Consulta", got.Subject)
	assert.Equal(t, "Marta", got.Author)

	assert.Equal(t, sdkchannel.ConstraintNoExternalLinks, dialog.ConstraintNoExternalLinks)
	assert.Equal(t, sdkchannel.ConstraintNoContactDetails, dialog.ConstraintNoContactDetails)
	assert.Equal(t, sdkchannel.ConstraintNoOffPlatformPayment, dialog.ConstraintNoOffPlatformPayment)
	assert.Equal(t, sdkchannel.ConstraintStayOnRelay, dialog.ConstraintStayOnRelay)
}

// TestInboundKeepsMail: the e-mail channel's headers, constraints and form reach the
// stored message.
func TestInboundKeepsMail(t *testing.T) {
	in := channel.Inbound("email", plugin.AddressEmail, sdkchannel.InboundMessage{ExternalID: "<m@x>", From: "ana@example.org",
		FromName: "Ana", Text: "hola", Subject: "Consulta",
		Mail:        &sdkchannel.MailHeaders{MessageID: "<m@x>", InReplyTo: []string{"<a@x>"}, References: []string{"<a@x>"}},
		Constraints: []string{sdkchannel.ConstraintStayOnRelay},
		Form:        &sdkchannel.Form{CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4}})
	assert.Equal(t, &conversation.MailThread{MessageID: "<m@x>", InReplyTo: []string{"<a@x>"}, References: []string{"<a@x>"}, Subject: "Consulta"}, in.Mail)
	assert.Equal(t, []string{sdkchannel.ConstraintStayOnRelay}, in.Constraints)
	assert.Equal(t, &conversation.Form{CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4}, in.Form)
	assert.Equal(t, "Ana", in.GuestName)
}
