// Command payplugin is a test-only payment plugin: its links point at pay.example and its
// webhook takes {"id","reference","status","amount"} as the provider's (already verified)
// notification. It stands in for Mercado Pago in the core's end-to-end tests.
package main

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

type provider struct{}

func main() { sdk.ServePayment(provider{}) }

func (provider) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: plugin.KindPayment, Name: "payplugin", Version: "0.0.1"}, nil
}
func (provider) Configure(context.Context, plugin.ConfigureRequest) error { return nil }
func (provider) Stop(context.Context) error                               { return nil }

func (provider) CreateLink(_ context.Context, req payment.CreateLinkRequest) (payment.CreateLinkResponse, error) {
	return payment.CreateLinkResponse{LinkID: "pref-" + req.Reference, URL: "https://pay.example/checkout/" + req.Reference}, nil
}

func (provider) HandleWebhook(_ context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error) {
	var n struct {
		ID, Reference, Status string
		Amount                int64
	}
	if err := json.Unmarshal(req.Body, &n); err != nil {
		return payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusBadRequest}}, nil
	}
	return payment.WebhookResponse{
		WebhookReply: plugin.WebhookReply{Status: http.StatusOK, Body: []byte("ok")},
		Payments:     []payment.Payment{{ID: n.ID, Reference: n.Reference, Status: payment.Status(n.Status), Amount: n.Amount, Currency: "ARS"}},
	}, nil
}

func (provider) GetPayment(context.Context, payment.GetPaymentRequest) (payment.GetPaymentResponse, error) {
	return payment.GetPaymentResponse{}, plugin.ErrNotFound
}

func (provider) Refund(context.Context, payment.RefundRequest) (payment.RefundResponse, error) {
	return payment.RefundResponse{}, plugin.ErrUnsupported
}
