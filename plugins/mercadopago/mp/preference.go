package mp

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// mpTimeLayout is the ISO 8601 form Mercado Pago expects: milliseconds and an offset.
const mpTimeLayout = "2006-01-02T15:04:05.000-07:00"

// buenosAires is where the dates of a preference are written; Argentina keeps -03:00
// all year, which the fallback holds when the zone database is missing.
var buenosAires = func() *time.Location {
	if loc, err := time.LoadLocation("America/Argentina/Buenos_Aires"); err == nil {
		return loc
	}
	return time.FixedZone("-03", -3*60*60)
}()

// preference is the body of POST /checkout/preferences (providers.md 2.1).
type preference struct {
	Items              []prefItem     `json:"items"`
	Payer              *prefPayer     `json:"payer,omitempty"`
	ExternalReference  string         `json:"external_reference"`
	NotificationURL    string         `json:"notification_url,omitempty"`
	BackURLs           *prefBackURLs  `json:"back_urls,omitempty"`
	AutoReturn         string         `json:"auto_return,omitempty"`
	BinaryMode         bool           `json:"binary_mode"`
	Expires            bool           `json:"expires"`
	ExpirationDateFrom string         `json:"expiration_date_from,omitempty"`
	ExpirationDateTo   string         `json:"expiration_date_to,omitempty"`
	PaymentMethods     prefPayMethods `json:"payment_methods"`
	StatementDesc      string         `json:"statement_descriptor,omitempty"`
}

type prefItem struct {
	ID         string `json:"id,omitempty"`
	Title      string `json:"title"`
	Quantity   int    `json:"quantity"`
	CurrencyID string `json:"currency_id"`
	UnitPrice  any    `json:"unit_price"`
}

type prefPayer struct {
	Name    string `json:"name,omitempty"`
	Surname string `json:"surname,omitempty"`
	Email   string `json:"email,omitempty"`
}

type prefBackURLs struct {
	Success string `json:"success,omitempty"`
	Pending string `json:"pending,omitempty"`
	Failure string `json:"failure,omitempty"`
}

type prefID struct {
	ID string `json:"id"`
}

type prefPayMethods struct {
	ExcludedPaymentTypes []prefID `json:"excluded_payment_types"`
	Installments         int      `json:"installments"`
}

func buildPreference(req payment.CreateLinkRequest, descriptor string, now time.Time) (*preference, error) {
	switch {
	case req.Reference == "":
		return nil, fmt.Errorf("%w: reference is required", plugin.ErrInvalidRequest)
	case req.Amount <= 0:
		return nil, fmt.Errorf("%w: amount must be positive, got %d", plugin.ErrInvalidRequest, req.Amount)
	case req.Currency != "" && req.Currency != payment.CurrencyARS:
		return nil, fmt.Errorf("%w: Mercado Pago Argentina takes ARS, not %s", plugin.ErrInvalidRequest, req.Currency)
	case !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now):
		return nil, fmt.Errorf("%w: the link would expire before it is sent (%s)", plugin.ErrInvalidRequest, req.ExpiresAt.Format(time.RFC3339))
	}
	title := strings.TrimSpace(req.Title)
	if title == "" {
		title = "Seña " + req.Reference
	}
	pref := &preference{
		Items:             []prefItem{{ID: req.Reference, Title: title, Quantity: 1, CurrencyID: payment.CurrencyARS, UnitPrice: decimalFromCents(req.Amount)}},
		ExternalReference: req.Reference,
		BinaryMode:        true,
		PaymentMethods: prefPayMethods{
			ExcludedPaymentTypes: []prefID{{ID: "ticket"}, {ID: "atm"}},
			Installments:         1,
		},
		StatementDesc: descriptor,
	}
	if req.Payer.Name != "" || req.Payer.Email != "" {
		name, surname, _ := strings.Cut(strings.TrimSpace(req.Payer.Name), " ")
		pref.Payer = &prefPayer{Name: name, Surname: strings.TrimSpace(surname), Email: req.Payer.Email}
	}
	if req.NotificationURL != "" {
		u, err := url.Parse(req.NotificationURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%w: notification URL %q", plugin.ErrInvalidRequest, req.NotificationURL)
		}
		q := u.Query()
		q.Set("source_news", "webhooks") // Webhooks only: no parallel IPN
		u.RawQuery = q.Encode()
		pref.NotificationURL = u.String()
	}
	if req.SuccessURL != "" {
		failure := req.FailureURL
		if failure == "" {
			failure = req.SuccessURL
		}
		pref.BackURLs = &prefBackURLs{Success: req.SuccessURL, Pending: req.SuccessURL, Failure: failure}
		if strings.HasPrefix(req.SuccessURL, "https://") {
			pref.AutoReturn = "approved" // needs back_urls.success, refused for localhost
		}
	}
	if !req.ExpiresAt.IsZero() {
		pref.Expires = true
		pref.ExpirationDateFrom = now.In(buenosAires).Format(mpTimeLayout)
		pref.ExpirationDateTo = req.ExpiresAt.In(buenosAires).Format(mpTimeLayout)
	}
	return pref, nil
}

// CreateLink creates the Checkout Pro preference of a hold and returns its init_point
// (sandbox_init_point with test credentials). The idempotency key is the request's, or
// "pref-<reference>": a retried call returns the same preference.
func (p *Provider) CreateLink(ctx context.Context, req payment.CreateLinkRequest) (payment.CreateLinkResponse, error) {
	st, err := p.current()
	if err != nil {
		return payment.CreateLinkResponse{}, err
	}
	pref, err := buildPreference(req, st.descriptor, p.now())
	if err != nil {
		return payment.CreateLinkResponse{}, err
	}
	key := req.IdempotencyKey
	if key == "" {
		key = "pref-" + req.Reference
	}
	var r struct {
		ID               string `json:"id"`
		InitPoint        string `json:"init_point"`
		SandboxInitPoint string `json:"sandbox_init_point"`
	}
	if err := p.do(ctx, st, "POST", "/checkout/preferences", key, pref, &r); err != nil {
		return payment.CreateLinkResponse{}, err
	}
	link := r.InitPoint
	if st.sandbox && r.SandboxInitPoint != "" {
		link = r.SandboxInitPoint
	}
	if r.ID == "" || link == "" {
		return payment.CreateLinkResponse{}, fmt.Errorf("%w: preference answer without id or init_point", plugin.ErrUnavailable)
	}
	return payment.CreateLinkResponse{LinkID: r.ID, URL: link, ExpiresAt: req.ExpiresAt}, nil
}
