package plugintest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// RunPaymentConformance checks that impl honours the payment contract through the gRPC
// boundary: the lifecycle, refusing malformed links before calling the provider,
// answering junk webhooks, Refund only with the capability, and (unless WithoutUpstream)
// creating a link and not finding an unknown payment.
func RunPaymentConformance(t *testing.T, impl payment.Plugin, opts ...Option) {
	o := buildOptions(opts)
	raw := pair(t, plugin.KindPayment, impl)
	c, lc := raw.(payment.Plugin), raw.(lifecycleClient)
	desc := runLifecycle(t, lc, plugin.KindPayment, o)

	valid := payment.CreateLinkRequest{
		Reference: "conformance-hold-1",
		Amount:    1_500_000, // $15.000,00
		Currency:  payment.CurrencyARS,
		Title:     "Seña conformance",
		ExpiresAt: time.Now().Add(30 * time.Minute).UTC(),
	}
	invalid := []struct {
		name   string
		mutate func(*payment.CreateLinkRequest)
	}{
		{"zero amount", func(r *payment.CreateLinkRequest) { r.Amount = 0 }},
		{"negative amount", func(r *payment.CreateLinkRequest) { r.Amount = -100 }},
		{"no reference", func(r *payment.CreateLinkRequest) { r.Reference = "" }},
	}
	for _, tc := range invalid {
		t.Run("create link rejects "+tc.name, func(t *testing.T) {
			req := valid
			tc.mutate(&req)
			_, err := c.CreateLink(o.ctx(t), req)
			require.ErrorIs(t, err, plugin.ErrInvalidRequest)
		})
	}
	t.Run("junk webhook is answered, not failed", func(t *testing.T) {
		r, err := c.HandleWebhook(o.ctx(t), payment.WebhookRequest{WebhookRequest: junkWebhook()})
		require.NoError(t, err)
		assertHTTPStatus(t, r.Status)
		assert.Empty(t, r.Payments, "junk must not become payments")
	})
	if !desc.HasCapability(payment.CapabilityRefund) {
		t.Run("refund without capability is unsupported", func(t *testing.T) {
			_, err := c.Refund(o.ctx(t), payment.RefundRequest{PaymentID: "conformance-payment", IdempotencyKey: "conformance-refund"})
			require.ErrorIs(t, err, plugin.ErrUnsupported)
		})
	}
	if !o.noUpstream {
		t.Run("create link", func(t *testing.T) {
			r, err := c.CreateLink(o.ctx(t), valid)
			require.NoError(t, err)
			assert.NotEmpty(t, r.LinkID)
			assert.NotEmpty(t, r.URL)
		})
		t.Run("unknown payment is not found", func(t *testing.T) {
			_, err := c.GetPayment(o.ctx(t), payment.GetPaymentRequest{PaymentID: "conformance-no-such-payment"})
			require.ErrorIs(t, err, plugin.ErrNotFound)
		})
	}
	stopLast(t, lc, o)
}
