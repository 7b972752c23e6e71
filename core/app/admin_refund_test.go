package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
)

// staffClient is an admin session over HTTP (a cookie jar), logged in as the demo admin.
type staffClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func staffLogin(t *testing.T, base, password string) *staffClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := &staffClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	page := s.get("/admin/login")
	resp, err := s.http.PostForm(base+"/admin/login", url.Values{"csrf": {formValue(t, page, "csrf")}, "username": {"admin"}, "password": {password}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "/admin/", resp.Request.URL.Path, "logged in")
	return s
}

func (s *staffClient) get(path string) string {
	s.t.Helper()
	resp, err := s.http.Get(s.base + path)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(s.t, http.StatusOK, resp.StatusCode, string(body))
	return string(body)
}

func (s *staffClient) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	resp, err := s.http.PostForm(s.base+path, form)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// formValue is the value of the first hidden input named name in page.
func formValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "no %s in the page", name)
	return html.UnescapeString(m[1])
}

// payHold takes the guest from the question to a confirmed booking paid through the fake
// Mercado Pago, and returns the booking's code.
func payHold(t *testing.T, a *app.App, base string, fake *mpfake.Server, paymentID int64) string {
	t.Helper()
	ctx := context.Background()
	conv, _ := chat(t, base, "", "Hola, para 4 del 5 al 8/1")
	_, reply := chat(t, base, conv, "la Robles")
	require.Contains(t, reply, fake.URL)
	m := regexp.MustCompile(`RES\d{9}`).FindString(reply)
	require.NotEmpty(t, m, reply)
	hold, err := a.Booking.Get(ctx, m)
	require.NoError(t, err)
	fake.SetPayment(mpfake.Payment{ID: paymentID, Status: "approved", Reference: hold.Code, AmountCents: hold.DepositCents})
	resp, err := mpfake.PaymentNotification([]byte(mpTestSecret), paymentID, "req-"+strconv.FormatInt(paymentID, 10), time.Now()).
		Post(http.DefaultClient, base+"/webhooks/mercadopago")
	require.NoError(t, err)
	resp.Body.Close()
	require.Eventually(t, func() bool {
		r, err := a.Booking.Get(ctx, hold.Code)
		return err == nil && r.Status == "confirmed"
	}, 20*time.Second, 20*time.Millisecond)
	return hold.Code
}

// TestRefundFromTheReservationPage: staff open a paid booking, see its Mercado Pago
// payment and refund part of it with a reason; submitting the same form again refunds
// once, a form without the session's CSRF token refunds nothing, and the refund is
// recorded with who asked.
func TestRefundFromTheReservationPage(t *testing.T) {
	a, base, fake := startWithMercadoPago(t)
	ctx := context.Background()
	code := payHold(t, a, base, fake, 148205937470)
	res, err := a.Booking.Get(ctx, code)
	require.NoError(t, err)

	staff := staffLogin(t, base, "admin-password-1")
	path := "/admin/reservations/" + strconv.FormatInt(res.ID, 10)
	page := staff.get(path)
	assert.Contains(t, page, "148205937470")
	assert.Contains(t, page, "mercadopago")
	form := url.Values{
		"csrf": {formValue(t, page, "csrf")}, "key": {formValue(t, page, "key")}, "back": {path},
		"provider": {"mercadopago"}, "payment_id": {"148205937470"}, "amount": {"10.000"}, "reason": {"Se van un día antes <script>"},
	}

	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Del("csrf")
	status, _ := staff.post("/admin/payments/refund", forged)
	assert.Equal(t, http.StatusForbidden, status, "no CSRF token, no refund")
	assert.Empty(t, fake.Refunds())

	for i := 0; i < 2; i++ { // a double submit
		status, body := staff.post("/admin/payments/refund", form)
		require.Equal(t, http.StatusOK, status, body)
		assert.Contains(t, body, "Devolución hecha")
	}
	refunds := fake.Refunds()
	require.Len(t, refunds, 1, "the same form refunds once")
	assert.Equal(t, int64(1000000), refunds[0].AmountCents)

	page = staff.get(path)
	assert.Contains(t, page, "Devoluciones")
	assert.Contains(t, page, "hecha")
	assert.Contains(t, page, "staff:admin")
	assert.Contains(t, page, "Se van un día antes &lt;script&gt;")
	assert.NotContains(t, page, "antes <script>")

	var by []string
	require.NoError(t, a.DB.NewRaw(`SELECT payload FROM domain_events WHERE aggregate_id = ? AND type = 'payment_refund_requested'`, code).Scan(ctx, &by))
	require.Len(t, by, 1, "audited once")
	assert.Contains(t, by[0], "staff:admin")
}
