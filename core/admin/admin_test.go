package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web/clientip"
)

// recordingConversations records hand-overs; the admin only forwards them.
type recordingConversations struct {
	mu        sync.Mutex
	escalated []int64
	released  []int64
}

func (r *recordingConversations) Escalate(_ context.Context, id int64, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.escalated = append(r.escalated, id)
	return nil
}

func (r *recordingConversations) Release(_ context.Context, id int64, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.released = append(r.released, id)
	return nil
}

type env struct {
	app   *fiber.App
	db    *store.DB
	convs *recordingConversations
	hold  booking.Reservation
	svc   *booking.Service
}

func setup(t testing.TB) *env {
	t.Helper()
	return setupOn(t, storetest.SQLite(t))
}

func setupOn(t testing.TB, db *store.DB) *env {
	t.Helper()
	return setupWith(t, db, nil)
}

func setupWith(t testing.TB, db *store.DB, tune func(*admin.Options)) *env {
	t.Helper()
	ctx := context.Background()
	_, err := demo.Seed(ctx, db, "correct horse")
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)
	svc := booking.NewService(db, booking.Options{Now: func() time.Time { return now }})
	units, err := svc.Units(ctx)
	require.NoError(t, err)
	in, _ := store.ParseDate("2027-01-05")
	out, _ := store.ParseDate("2027-01-08")
	hold, err := svc.Hold(ctx, booking.HoldRequest{
		UnitID: units[0].ID, Stay: booking.NewStay(in, out), Guests: 4,
		Guest: booking.Guest{Name: `<script>alert("x")</script>`, Phone: "+5493510000000"},
	})
	require.NoError(t, err)
	convs := &recordingConversations{}
	opts := admin.Options{Log: slog.New(slog.DiscardHandler), DB: db, Bookings: svc, Conversations: convs, Now: func() time.Time { return now },
		Settings: settings.New(db, settings.Options{Catalog: svc, Now: func() time.Time { return now }})}
	if tune != nil {
		tune(&opts)
	}
	h, err := admin.New(opts)
	require.NoError(t, err)
	app := fiber.New(fiber.Config{Immutable: true})
	ips, err := clientip.New([]string{"0.0.0.0"}) // app.Test connections come from 0.0.0.0
	require.NoError(t, err)
	app.Use(ips.Middleware())
	h.Mount(app)
	return &env{app: app, db: db, convs: convs, hold: hold, svc: svc}
}

type browser struct {
	t       testing.TB
	app     *fiber.App
	cookies map[string]string
	// ip is the client address the proxy reports (X-Forwarded-For), if any.
	ip string
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	resp, err := b.app.Test(req, -1)
	require.NoError(b.t, err)
	for _, c := range resp.Cookies() {
		if c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) login(password string) *http.Response {
	return b.loginAs("admin", password)
}

func (b *browser) loginAs(username, password string) *http.Response {
	_, page := b.do(http.MethodGet, "/admin/login", nil)
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(b.t, m, "login form carries a CSRF token")
	resp, _ := b.do(http.MethodPost, "/admin/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {password}})
	return resp
}

// burst sends n logins at once, each from its own browser made by mk, and counts the
// answers by status.
func burst(t *testing.T, n int, mk func(i int) (b *browser, username, password string)) map[int]int {
	t.Helper()
	type attempt struct {
		b                  *browser
		username, password string
		csrf               string
	}
	attempts := make([]attempt, n)
	for i := range attempts {
		b, u, p := mk(i)
		_, page := b.do(http.MethodGet, "/admin/login", nil)
		attempts[i] = attempt{b: b, username: u, password: p, csrf: csrfField.FindStringSubmatch(page)[1]}
	}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, _ := a.b.do(http.MethodPost, "/admin/login", url.Values{"csrf": {a.csrf}, "username": {a.username}, "password": {a.password}})
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func TestAdminRequiresLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) { adminRequiresLogin(t, setupOn(t, db)) })
}

func adminRequiresLogin(t *testing.T, e *env) {
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	resp, _ := b.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/login", resp.Header.Get("Location"))

	assert.Equal(t, http.StatusUnauthorized, b.login("wrong").StatusCode)
	resp = b.login("correct horse")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/", resp.Header.Get("Location"))

	resp, page := b.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, e.hold.Code)
	assert.Contains(t, page, "$40.500", "the deposit shows the Argentine way")
	assert.NotContains(t, page, `<script>alert("x")</script>`, "guest text is escaped")
	assert.Contains(t, page, "&lt;script&gt;")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	for _, path := range []string{"/admin/reservations", "/admin/reservations?status=pre_reserved", "/admin/conversations", "/admin/calendar"} {
		resp, _ := b.do(http.MethodGet, path, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

func TestLoginFormNeedsItsCSRFToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	resp, _ := b.do(http.MethodPost, "/admin/login", url.Values{"username": {"admin"}, "password": {"correct horse"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	for range 5 {
		assert.Equal(t, http.StatusUnauthorized, b.login("nope").StatusCode)
	}
	resp := b.login("correct horse")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "even the right password waits")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
}

// TestLoginLimitHoldsUnderABurst: attempts are counted before the password is checked,
// so 60 simultaneous guesses from one address get 5 checks, not 60 (the right password
// got in among 59 wrong ones), and many addresses at one account get its 10.
func TestLoginLimitHoldsUnderABurst(t *testing.T) {
	t.Parallel()
	t.Run("one address", func(t *testing.T) {
		t.Parallel()
		// Enough hashing slots that only the attempt limit decides.
		e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.ConcurrentLogins = 64 })
		got := burst(t, 60, func(i int) (*browser, string, string) {
			pw := "wrong"
			if i == 30 {
				pw = "correct horse"
			}
			return &browser{t: t, app: e.app, cookies: map[string]string{}, ip: "203.0.113.7"}, "admin", pw
		})
		assert.Equal(t, 5, got[http.StatusUnauthorized]+got[http.StatusSeeOther], "checked: %v", got)
		assert.Equal(t, 55, got[http.StatusTooManyRequests], "%v", got)
	})
	t.Run("one account from many addresses", func(t *testing.T) {
		t.Parallel()
		e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.ConcurrentLogins = 64 })
		got := burst(t, 30, func(i int) (*browser, string, string) {
			return &browser{t: t, app: e.app, cookies: map[string]string{}, ip: "198.51.100." + strconv.Itoa(i+1)}, "Admin", "wrong"
		})
		assert.Equal(t, 10, got[http.StatusUnauthorized], "%v", got)
		assert.Equal(t, 20, got[http.StatusTooManyRequests], "%v", got)
	})
}

// TestLoginHashingIsBounded: a crowd of guesses from different addresses cannot occupy
// every CPU with bcrypt; beyond the few slots (and a short queue) they get 429.
func TestLoginHashingIsBounded(t *testing.T) {
	t.Parallel()
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.ConcurrentLogins = 1 })
	got := burst(t, 40, func(i int) (*browser, string, string) {
		return &browser{t: t, app: e.app, cookies: map[string]string{}, ip: "192.0.2." + strconv.Itoa(i+1)}, "user" + strconv.Itoa(i), "wrong"
	})
	assert.Equal(t, 40, got[http.StatusUnauthorized]+got[http.StatusTooManyRequests], "%v", got)
	assert.GreaterOrEqual(t, got[http.StatusTooManyRequests], 35-5, "one slot and a queue of four: %v", got)
	assert.Positive(t, got[http.StatusUnauthorized], "%v", got)
}

func TestConfirmPaymentNeedsCSRFAndConfirms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	_, page := b.do(http.MethodGet, "/admin/", nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	path := "/admin/reservations/" + itoa(e.hold.ID) + "/confirm-payment"

	resp, _ := b.do(http.MethodPost, path, url.Values{"csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, store.StatusPreReserved, status(t, e.db, e.hold.Code))

	resp, _ = b.do(http.MethodPost, path, url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, store.StatusConfirmed, status(t, e.db, e.hold.Code))

	resp, _ = b.do(http.MethodPost, path, url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "confirming twice is harmless")
}

func TestExtendHoldOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	_, page := b.do(http.MethodGet, "/admin/", nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	path := "/admin/pre-reservations/" + itoa(e.hold.ID) + "/extend"
	resp, _ := b.do(http.MethodPost, path, url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Location"), "extendida")
	resp, _ = b.do(http.MethodPost, path, url.Values{"csrf": {csrf}})
	assert.Contains(t, resp.Header.Get("Location"), "ya+fue+extendida")
}

func TestEscalateAndReleaseConversation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	var convID int64
	require.NoError(t, e.db.NewRaw(`INSERT INTO conversations (channel, contact, guest_name) VALUES ('webchat', 'w-1', 'Ana <b>') RETURNING id`).Scan(ctx, &convID))
	_, err := e.db.ExecContext(ctx, `INSERT INTO messages (conversation_id, direction, channel, text) VALUES (?, 'in', 'webchat', '<img src=x onerror=alert(1)>')`, convID)
	require.NoError(t, err)

	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	resp, page := b.do(http.MethodGet, "/admin/conversations/"+itoa(convID), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, page, "<img src=x")
	assert.NotContains(t, page, "Ana <b>")
	csrf := csrfField.FindStringSubmatch(page)[1]

	resp, _ = b.do(http.MethodPost, "/admin/conversations/"+itoa(convID)+"/escalate", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = b.do(http.MethodPost, "/admin/conversations/"+itoa(convID)+"/release", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []int64{convID}, e.convs.escalated)
	assert.Equal(t, []int64{convID}, e.convs.released)
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	saved := b.cookies["conserje_admin"]
	_, page := b.do(http.MethodGet, "/admin/", nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	resp, _ := b.do(http.MethodPost, "/admin/logout", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	b.cookies["conserje_admin"] = saved
	resp, _ = b.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "a stolen cookie is useless after logout")
}

func status(t *testing.T, db *store.DB, code string) string {
	var s string
	require.NoError(t, db.NewRaw(`SELECT status FROM reservations WHERE code = ?`, code).Scan(context.Background(), &s))
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type recordingCalendar struct{ confirmed []int64 }

func (r *recordingCalendar) ConfirmRemovals(_ context.Context, feedID int64, _ string) (int, error) {
	r.confirmed = append(r.confirmed, feedID)
	return 2, nil
}

func TestCalendarConflictsAndHeldRemovals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	var unitID, feedID, blockID, conflictID int64
	require.NoError(t, e.db.NewRaw(`SELECT id FROM accommodations ORDER BY id LIMIT 1`).Scan(ctx, &unitID))
	require.NoError(t, e.db.NewRaw(`INSERT INTO calendar_feeds (accommodation_id, platform, url) VALUES (?, 'airbnb', 'https://example.com/a.ics') RETURNING id`, unitID).Scan(ctx, &feedID))
	require.NoError(t, e.db.NewRaw(`INSERT INTO imported_blocks (feed_id, accommodation_id, uid, start_date, end_date, kind, status) VALUES (?, ?, 'u1', '2027-01-05', '2027-01-07', 'reservation', 'pending_removal') RETURNING id`, feedID, unitID).Scan(ctx, &blockID))
	require.NoError(t, e.db.NewRaw(`INSERT INTO calendar_conflicts (accommodation_id, imported_block_id, reservation_id, detail) VALUES (?, ?, ?, 'Airbnb bloquea noches de RES270105001') RETURNING id`, unitID, blockID, e.hold.ID).Scan(ctx, &conflictID))

	cal := &recordingCalendar{}
	h, err := admin.New(admin.Options{Log: slog.New(slog.DiscardHandler), DB: e.db, Bookings: booking.NewService(e.db, booking.Options{}), Conversations: e.convs, Calendar: cal})
	require.NoError(t, err)
	app := fiber.New()
	h.Mount(app)
	b := &browser{t: t, app: app, cookies: map[string]string{}}
	b.login("correct horse")

	_, page := b.do(http.MethodGet, "/admin/calendar", nil)
	assert.Contains(t, page, "Airbnb bloquea noches de RES270105001")
	assert.Contains(t, page, "dejó de listar 1 bloqueos")
	csrf := csrfField.FindStringSubmatch(page)[1]

	resp, _ := b.do(http.MethodPost, "/admin/conflicts/"+itoa(conflictID)+"/resolve", url.Values{"csrf": {csrf}, "back": {"/admin/calendar"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var open int
	require.NoError(t, e.db.NewRaw(`SELECT count(*) FROM calendar_conflicts WHERE resolved_at IS NULL`).Scan(ctx, &open))
	assert.Zero(t, open)
	var events int
	require.NoError(t, e.db.NewRaw(`SELECT count(*) FROM domain_events WHERE type = 'calendar_conflict_resolved'`).Scan(ctx, &events))
	assert.Equal(t, 1, events, "resolving records who did it")

	resp, _ = b.do(http.MethodPost, "/admin/feeds/"+itoa(feedID)+"/confirm-removals", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []int64{feedID}, cal.confirmed)
}

func TestPartialFeedImportIsShown(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	var unitID int64
	require.NoError(t, e.db.NewRaw(`SELECT id FROM accommodations ORDER BY id LIMIT 1`).Scan(ctx, &unitID))
	reason := "R10 b1001@x: more than 1000 recurring events in the feed (budget): only the first occurrence blocks"
	_, err := e.db.ExecContext(ctx, `INSERT INTO calendar_feeds (accommodation_id, platform, url, last_status, last_success_at, partial_reason)
		VALUES (?, 'google', 'https://example.com/g.ics', 'partial', ?, ?)`, unitID, time.Now().UTC(), reason)
	require.NoError(t, err)

	h, err := admin.New(admin.Options{Log: slog.New(slog.DiscardHandler), DB: e.db, Bookings: booking.NewService(e.db, booking.Options{}), Conversations: e.convs, Calendar: &recordingCalendar{}})
	require.NoError(t, err)
	app := fiber.New()
	h.Mount(app)
	b := &browser{t: t, app: app, cookies: map[string]string{}}
	b.login("correct horse")

	_, page := b.do(http.MethodGet, "/admin/calendar", nil)
	assert.Contains(t, page, "estado partial")
	assert.Contains(t, page, "Importación parcial")
	assert.Contains(t, page, "more than 1000 recurring events")
	_, page = b.do(http.MethodGet, "/admin", nil)
	assert.Contains(t, page, "Calendarios con problemas")
	assert.Contains(t, page, "importación parcial")
}

func TestFlaggedPaymentShowsUntilReviewed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	svc := booking.NewService(e.db, booking.Options{Now: func() time.Time { return time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC) }})
	out, err := svc.ApplyPayment(context.Background(), booking.PaymentNotice{Provider: "mp", PaymentID: "77",
		Reference: e.hold.Code, Status: booking.PaymentApproved, AmountCents: 1})
	require.NoError(t, err)
	require.Equal(t, booking.ReviewUnderpaid, out.NeedsStaff)

	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	_, page := b.do(http.MethodGet, "/admin/", nil)
	assert.Contains(t, page, "Pagos para revisar (1)")
	assert.Contains(t, page, "el pago no cubre la seña")
	m := regexp.MustCompile(`action="/admin/payments/(\d+)/reviewed"`).FindStringSubmatch(page)
	require.NotNil(t, m)
	csrf := csrfField.FindStringSubmatch(page)[1]

	resp, _ := b.do(http.MethodPost, "/admin/payments/"+m[1]+"/reviewed", url.Values{"csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = b.do(http.MethodPost, "/admin/payments/"+m[1]+"/reviewed", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = b.do(http.MethodGet, "/admin/", nil)
	assert.Contains(t, page, "Pagos para revisar (0)")
	assert.Equal(t, store.StatusPreReserved, status(t, e.db, e.hold.Code), "a cent confirms nothing")
}

type recordingRefunds struct{ got []payments.RefundRequest }

func (r *recordingRefunds) Refund(_ context.Context, req payments.RefundRequest) (payments.RefundResult, error) {
	r.got = append(r.got, req)
	return payments.RefundResult{Status: payments.RefundDone, RefundedCents: req.AmountCents}, nil
}

// TestRefundFromTheDashboard: a flagged payment can be refunded from its card (amount in
// pesos, reason), CSRF-checked; the form carries its own key, so a resubmission is the
// same refund.
func TestRefundFromTheDashboard(t *testing.T) {
	t.Parallel()
	refunds := &recordingRefunds{}
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.Refunds = refunds })
	svc := booking.NewService(e.db, booking.Options{Now: func() time.Time { return time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC) }})
	_, err := svc.ApplyPayment(context.Background(), booking.PaymentNotice{Provider: "mercadopago", PaymentID: "148205937461",
		Reference: e.hold.Code, Status: booking.PaymentApproved, AmountCents: 1})
	require.NoError(t, err)

	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	_, page := b.do(http.MethodGet, "/admin/", nil)
	require.Contains(t, page, `action="/admin/payments/refund"`)
	csrf := csrfField.FindStringSubmatch(page)[1]
	key := regexp.MustCompile(`name="key" value="([0-9a-f]{24})"`).FindStringSubmatch(page)
	require.NotNil(t, key)
	form := url.Values{"csrf": {csrf}, "provider": {"mercadopago"}, "payment_id": {"148205937461"}, "key": {key[1]},
		"amount": {"12.395,24"}, "reason": {"el huésped pagó de más"}}
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("csrf", "forged")
	resp, _ := b.do(http.MethodPost, "/admin/payments/refund", forged)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, refunds.got)
	resp, _ = b.do(http.MethodPost, "/admin/payments/refund", form)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, refunds.got, 1)
	assert.Equal(t, payments.RefundRequest{Provider: "mercadopago", PaymentID: "148205937461", AmountCents: 1239524,
		Reason: "el huésped pagó de más", Key: key[1], By: "staff:admin"}, refunds.got[0])
}

// TestFlashShowsOnlyOwnMessages: /admin/...?ok=TEXT in a link anyone can send must not put
// TEXT on the page; the messages the admin writes after an action still show.
func TestFlashShowsOnlyOwnMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	_, page := b.do(http.MethodGet, "/admin/login?ok=Llam%C3%A1+al+0800-ESTAFA", nil)
	assert.NotContains(t, page, "0800-ESTAFA")
	b.login("correct horse")
	_, page = b.do(http.MethodGet, "/admin/?ok=Llam%C3%A1+al+0800-ESTAFA&sig=00", nil)
	assert.NotContains(t, page, "0800-ESTAFA")
	csrf := csrfField.FindStringSubmatch(page)[1]
	resp, _ := b.do(http.MethodPost, "/admin/reservations/"+itoa(e.hold.ID)+"/confirm-payment", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = b.do(http.MethodGet, resp.Header.Get("Location"), nil)
	assert.Contains(t, page, "Reserva "+e.hold.Code+" confirmada")
}
