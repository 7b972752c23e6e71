package mp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/mercadopago/mp"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
)

const token = "APP_USR-5260181590830166-020315-test"

// configured returns a provider configured against fake (or a dead URL when nil) at now.
func configured(t *testing.T, fake *mpfake.Server, secret string, now time.Time) *mp.Provider {
	t.Helper()
	p := mp.New(mp.WithClock(func() time.Time { return now }))
	apiURL := "http://127.0.0.1:1"
	if fake != nil {
		apiURL = fake.URL
	}
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Instance: "mercadopago", Settings: map[string]any{
		"api_url": apiURL, "access_token": token, "webhook_secret": secret,
	}}))
	return p
}

type notificationCase struct {
	Name     string            `json:"name"`
	BodyFile string            `json:"body_file"`
	Query    string            `json:"query"`
	Headers  map[string]string `json:"headers"`
	Expect   struct {
		Accept     bool    `json:"accept"`
		Kind       string  `json:"kind"`
		Topic      string  `json:"topic"`
		ResourceID *string `json:"resource_id"`
		Signature  string  `json:"signature"`
		Fetch      *string `json:"fetch"`
		Respond    int     `json:"respond"`
		RespondIn  []int   `json:"respond_in"`
	} `json:"expect"`
}

// TestNotificationCorpus feeds every notification of the corpus byte for byte to
// HandleWebhook at the corpus's clock: the answer, and the payment named for the core to
// read (only from the signed query), are the expected ones.
func TestNotificationCorpus(t *testing.T) {
	t.Parallel()
	var expected struct {
		Notifications struct {
			Secret string             `json:"secret"`
			Now    int64              `json:"now"`
			Cases  []notificationCase `json:"cases"`
		} `json:"notifications"`
	}
	readCorpusJSON(t, "expected.json", &expected)
	n := expected.Notifications
	require.NotEmpty(t, n.Cases)
	p := configured(t, nil, n.Secret, time.Unix(n.Now, 0))
	for _, tc := range n.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			body := readCorpus(t, filepath.FromSlash(tc.BodyFile))
			q := queryOf(t, tc.Query)

			parsed := mp.ParseNotification(q)
			if tc.Expect.Kind != "" {
				assert.Equal(t, tc.Expect.Kind, parsed.Kind)
				assert.Equal(t, tc.Expect.Topic, parsed.Topic)
			}
			if tc.Expect.ResourceID != nil {
				assert.Equal(t, *tc.Expect.ResourceID, parsed.ResourceID)
			}

			resp, err := p.HandleWebhook(context.Background(), payment.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
				Method: http.MethodPost, Path: "/webhooks/mercadopago", Query: q, Headers: headersOf(tc.Headers), Body: body,
			}})
			require.NoError(t, err)
			if len(tc.Expect.RespondIn) > 0 {
				assert.Contains(t, tc.Expect.RespondIn, resp.Status)
			} else {
				assert.Equal(t, tc.Expect.Respond, resp.Status)
			}
			assert.Empty(t, resp.Payments, "the plugin never reads the payment inside the webhook")
			if tc.Expect.Fetch == nil {
				assert.Empty(t, resp.PaymentIDs, "nothing to fetch")
				return
			}
			id := strings.TrimPrefix(*tc.Expect.Fetch, "GET /v1/payments/")
			assert.Equal(t, []string{id}, resp.PaymentIDs)
		})
	}
}

type paymentExpect struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	StatusDetail  string `json:"status_detail"`
	Reference     string `json:"external_reference"`
	AmountCents   int64  `json:"amount_cents"`
	Currency      string `json:"currency"`
	RefundedCents int64  `json:"refunded_cents"`
	Outcome       string `json:"outcome"`
}

// TestPaymentCorpus normalizes every payment body of the corpus, and reads each through
// GetPayment from the fake serving the same bytes.
func TestPaymentCorpus(t *testing.T) {
	t.Parallel()
	var expected struct {
		Payments struct {
			Files map[string]paymentExpect `json:"files"`
		} `json:"payments"`
	}
	readCorpusJSON(t, "expected.json", &expected)
	require.Len(t, expected.Payments.Files, 13)
	for file, want := range expected.Payments.Files {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			body := readCorpus(t, filepath.Join("payments", file))
			check := func(t *testing.T, got payment.Payment) {
				assert.Equal(t, want.ID, got.ID)
				assert.Equal(t, want.Status, string(got.Status))
				assert.Equal(t, want.StatusDetail, got.StatusDetail)
				assert.Equal(t, want.Reference, got.Reference)
				assert.Equal(t, want.AmountCents, got.Amount)
				assert.Equal(t, want.Currency, got.Currency)
				assert.Equal(t, want.RefundedCents, got.RefundedAmount)
			}
			got, known, err := mp.NormalizePayment(body)
			require.NoError(t, err)
			assert.True(t, known)
			check(t, got)

			fake := mpfake.New(token, t.Cleanup)
			id, err := strconv.ParseInt(want.ID, 10, 64)
			require.NoError(t, err)
			fake.SetPayment(mpfake.Payment{ID: id, Raw: body})
			p := configured(t, fake, "secret", time.Now())
			r, err := p.GetPayment(context.Background(), payment.GetPaymentRequest{PaymentID: want.ID})
			require.NoError(t, err)
			check(t, r.Payment)
		})
	}
}

func TestPaymentNormalization(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		want       payment.Payment
		known      bool
		err        bool
	}{
		{"canceled spelled the docs' way", `{"id":1,"status":"canceled","status_detail":"by_payer","transaction_amount":10,"currency_id":"ARS"}`,
			payment.Payment{ID: "1", Status: payment.StatusCancelled, StatusDetail: "by_payer", Amount: 1000, Currency: "ARS"}, true, false},
		{"unknown status waits", `{"id":2,"status":"frozen","status_detail":"x","transaction_amount":0.1,"currency_id":"ARS"}`,
			payment.Payment{ID: "2", Status: payment.StatusPending, StatusDetail: "frozen/x", Amount: 10, Currency: "ARS"}, false, false},
		{"id past int32 and past float64 precision", `{"id":9007199254740993,"status":"approved","transaction_amount":41317.45,"transaction_amount_refunded":0.0,"currency_id":"ARS"}`,
			payment.Payment{ID: "9007199254740993", Status: payment.StatusApproved, Amount: 4131745, Currency: "ARS"}, true, false},
		{"trailing zeros past the centavos", `{"id":3,"status":"approved","transaction_amount":1.1000,"currency_id":"ARS"}`,
			payment.Payment{ID: "3", Status: payment.StatusApproved, Amount: 110, Currency: "ARS"}, true, false},
		{"fractions of a centavo refused", `{"id":4,"status":"approved","transaction_amount":1.005,"currency_id":"ARS"}`, payment.Payment{}, false, true},
		{"no id", `{"status":"approved","transaction_amount":1}`, payment.Payment{}, false, true},
		{"string id refused", `{"id":"abc","status":"approved","transaction_amount":1}`, payment.Payment{}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, known, err := mp.NormalizePayment([]byte(tc.body))
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.known, known)
			assert.Equal(t, tc.want, got)
		})
	}
}

// corpusLinkRequest is the link request behind preference/request.json.
func corpusLinkRequest(t *testing.T) (payment.CreateLinkRequest, time.Time) {
	from, err := time.Parse(time.RFC3339, "2027-02-03T15:30:00-03:00")
	require.NoError(t, err)
	return payment.CreateLinkRequest{
		Reference: "hold_e93b5d17a2c84f60",
		Amount:    4131745,
		Currency:  "ARS",
		Title:     "Seña Cabaña Robles, 18 al 21 de febrero",
		Payer:     payment.Payer{Name: "Agustina Muñoz", Email: "agus.munoz@example.com"},
		ExpiresAt: from.Add(30 * time.Minute),
		// The core gives the webhook URL without the query; the plugin adds source_news.
		NotificationURL: "https://reservas.losrobles.example.com.ar/webhooks/mercadopago",
		SuccessURL:      "https://reservas.losrobles.example.com.ar/pago/aprobado",
		FailureURL:      "https://reservas.losrobles.example.com.ar/pago/rechazado",
	}, from
}

// TestPreferenceMatchesCorpus: the preference posted for the corpus's hold is the
// corpus's request, headers included. Two fields differ by design: items[0].id is the
// hold (the contract carries no unit id) and back_urls.pending is the success page (the
// contract has no pending page; binary mode never leaves a payment pending).
func TestPreferenceMatchesCorpus(t *testing.T) {
	t.Parallel()
	var want struct {
		Headers map[string]string `json:"headers"`
		Body    map[string]any    `json:"body"`
	}
	readCorpusJSON(t, "preference/request.json", &want)
	var resp struct {
		Body map[string]any `json:"body"`
	}
	readCorpusJSON(t, "preference/response.json", &resp)

	fake := mpfake.New(token, t.Cleanup)
	req, now := corpusLinkRequest(t)
	p := mp.New(mp.WithClock(func() time.Time { return now }))
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Settings: map[string]any{
		"api_url": fake.URL, "access_token": token, "webhook_secret": "s", "statement_descriptor": "LOS ROBLES",
	}}))
	link, err := p.CreateLink(context.Background(), req)
	require.NoError(t, err)
	prefs := fake.Preferences()
	require.Len(t, prefs, 1)
	assert.Equal(t, want.Headers["X-Idempotency-Key"], prefs[0].IdempotencyKey)
	assert.Equal(t, prefs[0].ID, link.LinkID)
	assert.Equal(t, fake.URL+"/checkout/v1/redirect?pref_id="+link.LinkID, link.URL, "init_point with production credentials")

	var got map[string]any
	require.NoError(t, json.Unmarshal(prefs[0].Body, &got))
	want.Body["items"].([]any)[0].(map[string]any)["id"] = "hold_e93b5d17a2c84f60"
	want.Body["back_urls"].(map[string]any)["pending"] = "https://reservas.losrobles.example.com.ar/pago/aprobado"
	assert.Equal(t, want.Body, got)
	assert.Contains(t, string(prefs[0].Body), `"unit_price":41317.45`, "a JSON decimal, rendered from centavos")

	from, _ := time.Parse("2006-01-02T15:04:05.000-07:00", got["expiration_date_from"].(string))
	to, _ := time.Parse("2006-01-02T15:04:05.000-07:00", got["expiration_date_to"].(string))
	assert.Equal(t, 30*time.Minute, to.Sub(from), "the 30-minute hold")

	// The response shape of the corpus is what CreateLink reads.
	assert.True(t, strings.HasPrefix(resp.Body["id"].(string), "2984410375-"))
}

// TestCreateLinkIsIdempotent: a retried call (same key) gets the same link and makes no
// second preference; a new key (an extended hold) makes a new one; test credentials get
// the sandbox link.
func TestCreateLinkIsIdempotent(t *testing.T) {
	t.Parallel()
	fake := mpfake.New(token, t.Cleanup)
	req, now := corpusLinkRequest(t)
	p := configured(t, fake, "s", now)
	ctx := context.Background()
	first, err := p.CreateLink(ctx, req)
	require.NoError(t, err)
	again, err := p.CreateLink(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	require.Len(t, fake.Preferences(), 1)

	req.IdempotencyKey = "pref-hold_e93b5d17a2c84f60-ext"
	other, err := p.CreateLink(ctx, req)
	require.NoError(t, err)
	assert.NotEqual(t, first.LinkID, other.LinkID)
	assert.Len(t, fake.Preferences(), 2)

	sandboxFake := mpfake.New("TEST-123", t.Cleanup)
	sb := mp.New(mp.WithClock(func() time.Time { return now }))
	require.NoError(t, sb.Configure(ctx, plugin.ConfigureRequest{Settings: map[string]any{"api_url": sandboxFake.URL, "access_token": "TEST-123", "webhook_secret": "s"}}))
	l, err := sb.CreateLink(ctx, req)
	require.NoError(t, err)
	assert.Contains(t, l.URL, "/sandbox/")
}

func TestCreateLinkRefusesBadRequests(t *testing.T) {
	t.Parallel()
	req, now := corpusLinkRequest(t)
	p := configured(t, nil, "s", now)
	cases := map[string]func(*payment.CreateLinkRequest){
		"USD":                func(r *payment.CreateLinkRequest) { r.Currency = "USD" },
		"already expired":    func(r *payment.CreateLinkRequest) { r.ExpiresAt = now.Add(-time.Second) },
		"zero amount":        func(r *payment.CreateLinkRequest) { r.Amount = 0 },
		"no reference":       func(r *payment.CreateLinkRequest) { r.Reference = "" },
		"no host in the URL": func(r *payment.CreateLinkRequest) { r.NotificationURL = "/webhooks/mercadopago" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := req
			mutate(&r)
			_, err := p.CreateLink(context.Background(), r)
			require.ErrorIs(t, err, plugin.ErrInvalidRequest)
		})
	}
}

func TestUpstreamErrorsMapToSentinels(t *testing.T) {
	t.Parallel()
	fake := mpfake.New(token, t.Cleanup)
	p := configured(t, fake, "s", time.Now())
	ctx := context.Background()
	cases := []struct {
		status int
		want   error
	}{
		{500, plugin.ErrUnavailable}, {503, plugin.ErrUnavailable}, {429, plugin.ErrRateLimited},
		{401, plugin.ErrPermissionDenied}, {404, plugin.ErrNotFound}, {400, plugin.ErrInvalidRequest},
	}
	for _, tc := range cases {
		fake.FailNext("/v1/payments/", tc.status)
		_, err := p.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: "148205937461"})
		assert.ErrorIs(t, err, tc.want, "HTTP %d", tc.status)
	}
	wrong := mp.New()
	require.NoError(t, wrong.Configure(ctx, plugin.ConfigureRequest{Settings: map[string]any{"api_url": fake.URL, "access_token": "nope", "webhook_secret": "s"}}))
	_, err := wrong.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: "1"})
	assert.ErrorIs(t, err, plugin.ErrPermissionDenied)
	assert.NotContains(t, err.Error(), "nope", "the token is never in an error")
}

// TestRefunds: partial and full refunds send the corpus's bodies and keys, a retried key
// makes no second refund, a fully refunded payment reads as done, a refused state is
// ErrRefundRejected.
func TestRefunds(t *testing.T) {
	t.Parallel()
	var partial, full struct {
		Headers map[string]string `json:"headers"`
		Body    map[string]any    `json:"body"`
	}
	readCorpusJSON(t, "refund/request_partial.json", &partial)
	readCorpusJSON(t, "refund/request_full.json", &full)

	fake := mpfake.New(token, t.Cleanup)
	fake.SetPayment(mpfake.Payment{ID: 148205937461, Status: "approved", Reference: "hold_e93b5d17a2c84f60", AmountCents: 4131745})
	p := configured(t, fake, "s", time.Now())
	ctx := context.Background()

	r, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "148205937461", Amount: 1239524, IdempotencyKey: partial.Headers["X-Idempotency-Key"]})
	require.NoError(t, err)
	assert.Equal(t, int64(1239524), r.Amount)
	assert.Equal(t, payment.StatusApproved, r.Payment.Status)
	assert.Equal(t, "partially_refunded", r.Payment.StatusDetail)
	assert.Equal(t, int64(1239524), r.Payment.RefundedAmount)

	again, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "148205937461", Amount: 1239524, IdempotencyKey: partial.Headers["X-Idempotency-Key"]})
	require.NoError(t, err)
	assert.Equal(t, r.RefundID, again.RefundID)
	require.Len(t, fake.Refunds(), 1, "the same key never refunds twice")

	r, err = p.Refund(ctx, payment.RefundRequest{PaymentID: "148205937461", IdempotencyKey: full.Headers["X-Idempotency-Key"]})
	require.NoError(t, err)
	assert.Equal(t, int64(4131745-1239524), r.Amount, "{} refunds what remains")
	assert.Equal(t, payment.StatusRefunded, r.Payment.Status)

	done, err := p.Refund(ctx, payment.RefundRequest{PaymentID: "148205937461", IdempotencyKey: "refund-148205937461-late"})
	require.NoError(t, err, "2063 on a refunded payment: the refund is done")
	assert.Equal(t, payment.StatusRefunded, done.Payment.Status)

	fake.SetPayment(mpfake.Payment{ID: 77, Status: "rejected", AmountCents: 100})
	_, err = p.Refund(ctx, payment.RefundRequest{PaymentID: "77", IdempotencyKey: "refund-77-full"})
	assert.ErrorIs(t, err, payment.ErrRefundRejected)
	_, err = p.Refund(ctx, payment.RefundRequest{PaymentID: "77"})
	assert.ErrorIs(t, err, plugin.ErrInvalidRequest, "no key, no refund")
}

func TestFindPaymentsByReference(t *testing.T) {
	t.Parallel()
	fake := mpfake.New(token, t.Cleanup)
	fake.SetPayment(mpfake.Payment{ID: 10, Status: "rejected", Reference: "RES270105001", AmountCents: 4050000})
	fake.SetPayment(mpfake.Payment{ID: 11, Status: "approved", Reference: "RES270105001", AmountCents: 4050000})
	fake.SetPayment(mpfake.Payment{ID: 12, Status: "approved", Reference: "RES270105002", AmountCents: 4050000})
	p := configured(t, fake, "s", time.Now())
	r, err := p.FindPayments(context.Background(), payment.FindPaymentsRequest{Reference: "RES270105001"})
	require.NoError(t, err)
	var ids []string
	for _, x := range r.Payments {
		ids = append(ids, x.ID)
	}
	assert.ElementsMatch(t, []string{"10", "11"}, ids)
}

// TestConformance runs the SDK's payment suite through the gRPC boundary.
func TestConformance(t *testing.T) {
	fake := mpfake.New(token, t.Cleanup)
	plugintest.RunPaymentConformance(t, mp.New(), plugintest.WithSettings(map[string]any{
		"api_url": fake.URL, "access_token": token, "webhook_secret": "s",
	}))
}
