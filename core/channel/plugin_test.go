package channel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
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
			id, err := channel.NewPluginSender(ch).Send(context.Background(), conversation.Outbound{
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

func (s staticPlugins) Kind(name string) (plugin.Kind, bool) { k, ok := s.kinds[name]; return k, ok }
func (s staticPlugins) Channel(string) (channel.PluginChannel, error) {
	return nil, errors.New("no channel")
}
func (s staticPlugins) Payment(string) (channel.PluginPayments, error) { return s.pay, nil }

type recordingApplier struct {
	notices []booking.PaymentNotice
	out     booking.PaymentOutcome
	err     error
}

func (r *recordingApplier) ApplyPayment(_ context.Context, n booking.PaymentNotice) (booking.PaymentOutcome, error) {
	r.notices = append(r.notices, n)
	return r.out, r.err
}

type recordingRejects struct{ ids []int64 }

func (r *recordingRejects) PaymentRejected(_ context.Context, id int64) error {
	r.ids = append(r.ids, id)
	return nil
}

func TestPaymentWebhooks(t *testing.T) {
	conv := int64(42)
	reply := plugin.WebhookReply{Status: 200, Body: []byte("ok")}
	cases := []struct {
		name        string
		kind        plugin.Kind
		payment     payment.Payment
		out         booking.PaymentOutcome
		applyErr    error
		wantErr     error
		wantStatus  string
		wantRejects []int64
	}{
		{"approved is applied", plugin.KindPayment, payment.Payment{ID: "1", Reference: "RES270105001", Status: payment.StatusApproved, Amount: 4_050_000}, booking.PaymentOutcome{Changed: true, Confirmed: true}, nil, nil, "approved", nil},
		{"rejected tells the conversation", plugin.KindPayment, payment.Payment{ID: "2", Reference: "RES270105001", Status: payment.StatusRejected}, booking.PaymentOutcome{Changed: true, Rejected: true, Reservation: booking.Reservation{ConversationID: &conv}}, nil, nil, "rejected", []int64{42}},
		{"a repeated rejection does not count twice", plugin.KindPayment, payment.Payment{ID: "2", Reference: "RES270105001", Status: payment.StatusRejected}, booking.PaymentOutcome{Changed: false, Rejected: true, Reservation: booking.Reservation{ConversationID: &conv}}, nil, nil, "rejected", nil},
		{"charge-back is recorded as refunded", plugin.KindPayment, payment.Payment{ID: "3", Reference: "RES270105001", Status: payment.StatusChargedBack}, booking.PaymentOutcome{Changed: true}, nil, nil, "refunded", nil},
		{"a store failure makes the provider retry", plugin.KindPayment, payment.Payment{ID: "4", Reference: "RES270105001", Status: payment.StatusApproved}, booking.PaymentOutcome{}, errors.New("database is gone"), errors.New("database is gone"), "approved", nil},
		{"unknown reservation is acknowledged", plugin.KindPayment, payment.Payment{ID: "5", Reference: "RES000000000", Status: payment.StatusApproved}, booking.PaymentOutcome{}, booking.ErrNotFound, nil, "approved", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			applier := &recordingApplier{out: tc.out, err: tc.applyErr}
			rejects := &recordingRejects{}
			plugins := staticPlugins{kinds: map[string]plugin.Kind{"mercadopago": tc.kind},
				pay: fakePayments{resp: payment.WebhookResponse{WebhookReply: reply, Payments: []payment.Payment{tc.payment}}}}
			w := channel.NewWebhooks(plugins, nil, applier, rejects, nil, nil)
			got, err := w.HandleWebhook(context.Background(), "mercadopago", plugin.WebhookRequest{Method: "POST"})
			if tc.wantErr != nil {
				require.ErrorContains(t, err, tc.wantErr.Error())
			} else {
				require.NoError(t, err)
				assert.Equal(t, reply, got)
			}
			require.Len(t, applier.notices, 1)
			assert.Equal(t, tc.wantStatus, applier.notices[0].Status)
			assert.Equal(t, "mercadopago", applier.notices[0].Provider)
			assert.Equal(t, tc.wantRejects, rejects.ids)
		})
	}
	t.Run("unknown plugin", func(t *testing.T) {
		w := channel.NewWebhooks(staticPlugins{kinds: map[string]plugin.Kind{}}, nil, &recordingApplier{}, nil, nil, nil)
		_, err := w.HandleWebhook(context.Background(), "nope", plugin.WebhookRequest{})
		require.ErrorIs(t, err, channel.ErrNoWebhook)
	})
	t.Run("plugin not started yet", func(t *testing.T) {
		w := channel.NewWebhooks(staticPlugins{kinds: map[string]plugin.Kind{"wa": ""}}, nil, &recordingApplier{}, nil, nil, nil)
		_, err := w.HandleWebhook(context.Background(), "wa", plugin.WebhookRequest{})
		require.ErrorIs(t, err, channel.ErrPluginNotReady)
	})
}
