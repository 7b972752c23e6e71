package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/payment"
)

// paymentLinks lets the bot's datos_pago action send the configured payment plugin's link
// for the seña; the provider notifies /webhooks/{plugin}, which confirms the booking. The
// link is stored so reconciliation can search its payments.
type paymentLinks struct {
	app  *App
	name string
}

var _ builtin.PaymentLinks = paymentLinks{}

func (p paymentLinks) CreateLink(ctx context.Context, req builtin.LinkRequest) (string, error) {
	name := p.name
	if p.app.Settings != nil {
		// The admin's choice (payments.plugin in the database) wins over config.yaml.
		chosen, err := p.app.Settings.PaymentPlugin(ctx, p.name)
		if err != nil {
			return "", err
		}
		name = chosen
	}
	if name == "" {
		return "", errBankTransferChosen
	}
	prov, err := p.app.Plugins.Payment(name)
	if err != nil {
		return "", err
	}
	key := payments.LinkKey(req.Code, req.ExpiresAt)
	resp, err := prov.CreateLink(ctx, payment.CreateLinkRequest{
		Reference:       req.Code,
		Amount:          req.AmountCents,
		Currency:        payment.CurrencyARS,
		Title:           req.Description,
		ExpiresAt:       req.ExpiresAt,
		NotificationURL: strings.TrimSuffix(p.app.Config.HTTP.PublicURL, "/") + "/webhooks/" + name,
		IdempotencyKey:  key,
	})
	if err != nil {
		return "", err
	}
	if p.app.Payments != nil {
		if err := p.app.Payments.LinkCreated(ctx, name, req.Code, key, resp); err != nil {
			// The guest can pay; only reconciliation of a lost notification is at stake.
			p.app.Log.ErrorContext(ctx, "payment link not stored; reconciliation will not search it", "code", req.Code, obs.KeyErr, err)
		}
	}
	return resp.URL, nil
}

// errBankTransferChosen makes the bot offer the transfer: the admin chose it over the
// payment plugin.
var errBankTransferChosen = errors.New("payments: bank transfer chosen in the settings")

// paymentLinksFor returns the link maker of the payment plugin chosen in the settings (or
// payments.plugin), or nil for bank transfer when no payment plugin is configured at all.
func (a *App) paymentLinksFor() builtin.PaymentLinks {
	if a.Config.Payments.Plugin == "" && len(a.paymentPluginNames()) == 0 {
		return nil
	}
	return paymentLinks{app: a, name: a.Config.Payments.Plugin}
}

// hostPayments adapts the plugin host to what the payment lifecycle needs.
type hostPayments struct{ h *pluginhost.Host }

var _ payments.Providers = hostPayments{}

func (p hostPayments) Provider(name string) (payments.Provider, error) { return p.h.Payment(name) }

// PaymentReconcileJob is the name of the job that searches holds' payments by reference.
const PaymentReconcileJob = "payment_reconcile"

// startPayments builds the payment lifecycle: the worker that reads notified payments and
// the reconciliation job.
func (a *App) startPayments() error {
	m, err := payments.NewMetrics(a.Registry)
	if err != nil {
		return err
	}
	a.Payments = payments.New(a.DB, hostPayments{a.Plugins}, a.Booking, a.Conversations, payments.Options{
		Logger: a.Log, Metrics: m,
		Confirmed: func(ctx context.Context, code string) {
			if err := a.Conversations.NotifyConfirmed(ctx, code); err != nil {
				a.Log.WarnContext(ctx, "confirmation message not queued yet; the watcher retries", "code", code, obs.KeyErr, err)
			}
		},
	})
	a.bg.goRun(func(ctx context.Context) { a.Payments.Run(ctx, time.Second) })
	if err := a.Jobs.Every(PaymentReconcileJob, time.Minute, func(ctx context.Context) error {
		n, err := a.Payments.Reconcile(ctx)
		if n > 0 {
			a.Log.InfoContext(ctx, "reconciliation queued payments whose notification never arrived", "payments", n)
		}
		if err != nil {
			return fmt.Errorf("reconcile payments: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}
