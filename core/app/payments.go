package app

import (
	"context"
	"strings"

	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/payment"
)

// paymentLinks lets the bot's datos_pago action send the configured payment plugin's link
// for the seña; the provider notifies /webhooks/{plugin}, which confirms the booking.
type paymentLinks struct {
	host      *pluginhost.Host
	name      string
	publicURL string
}

var _ builtin.PaymentLinks = paymentLinks{}

func (p paymentLinks) CreateLink(ctx context.Context, req builtin.LinkRequest) (string, error) {
	prov, err := p.host.Payment(p.name)
	if err != nil {
		return "", err
	}
	resp, err := prov.CreateLink(ctx, payment.CreateLinkRequest{
		Reference:       req.Code,
		Amount:          req.AmountCents,
		Currency:        "ARS",
		Title:           req.Description,
		ExpiresAt:       req.ExpiresAt,
		NotificationURL: strings.TrimSuffix(p.publicURL, "/") + "/webhooks/" + p.name,
	})
	if err != nil {
		return "", err
	}
	return resp.URL, nil
}

// paymentLinksFor returns the link maker of payments.plugin, or nil for bank transfer.
func (a *App) paymentLinksFor() builtin.PaymentLinks {
	if a.Config.Payments.Plugin == "" {
		return nil
	}
	return paymentLinks{host: a.Plugins, name: a.Config.Payments.Plugin, publicURL: a.Config.HTTP.PublicURL}
}
