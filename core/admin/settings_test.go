package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// loggedIn returns a browser logged in as username, with its session's CSRF token.
func loggedIn(t *testing.T, e *env, username, password string) (*browser, string) {
	t.Helper()
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	require.Equal(t, http.StatusSeeOther, b.loginAs(username, password).StatusCode)
	_, page := b.do(http.MethodGet, "/admin/", nil)
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m)
	return b, m[1]
}

func withCSRF(csrf string, kv ...string) url.Values {
	v := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var settingsPages = []string{"/admin/settings/", "/admin/settings/property", "/admin/settings/units", "/admin/settings/units/1",
	"/admin/settings/prices", "/admin/settings/prices?unit=1&check_in=2027-03-01&check_out=2027-03-04&guests=2",
	"/admin/settings/holidays", "/admin/settings/feeds", "/admin/settings/users", "/admin/settings/payments"}

var settingsForms = []string{"/admin/settings/property", "/admin/settings/units", "/admin/settings/units/1", "/admin/settings/prices",
	"/admin/settings/prices/1", "/admin/settings/prices/1/delete", "/admin/settings/holidays", "/admin/settings/holidays/clear",
	"/admin/settings/feeds", "/admin/settings/feeds/1/delete", "/admin/settings/feeds/1/test", "/admin/settings/feeds/1/pause", "/admin/settings/feeds/1/resume", "/admin/settings/users",
	"/admin/settings/users/1", "/admin/settings/users/1/reset", "/admin/settings/payments"}

var calendarForms = []string{"/admin/calendar/bookings", "/admin/calendar/bookings/X", "/admin/calendar/bookings/X/move", "/admin/calendar/blocks", "/admin/calendar/blocks/1/delete"}

// TestSettingsAreForAdminsOnly: staff get 403 on every settings page and form (the server
// decides, not the menu) and see no link to them; admins get the pages.
func TestSettingsAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.NoError(t, admin.CreateUser(context.Background(), e.db, "maria", "María", "staff password", "staff"))
	staff, csrf := loggedIn(t, e, "maria", "staff password")
	_, home := staff.do(http.MethodGet, "/admin/", nil)
	assert.NotContains(t, home, `href="/admin/settings/"`, "no settings link for staff")
	for _, path := range settingsPages {
		t.Run("staff GET "+path, func(t *testing.T) {
			resp, _ := staff.do(http.MethodGet, path, nil)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
	for _, path := range settingsForms {
		t.Run("staff POST "+path, func(t *testing.T) {
			resp, _ := staff.do(http.MethodPost, path, withCSRF(csrf, "role", "admin", "active", "on", "username", "evil"))
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
	var admins int
	require.NoError(t, e.db.NewSelect().Table("staff_users").ColumnExpr("count(*)").Where("role = 'admin'").Scan(context.Background(), &admins))
	assert.Equal(t, 1, admins, "staff could not make anyone admin")

	adm, _ := loggedIn(t, e, "admin", "correct horse")
	_, home = adm.do(http.MethodGet, "/admin/", nil)
	assert.Contains(t, home, `href="/admin/settings/"`)
	for _, path := range append(settingsPages, "/admin/calendar/timeline", "/admin/calendar/month", "/admin/calendar/month?unit=2&month=2027-01",
		"/admin/calendar/bookings/"+e.hold.Code) {
		t.Run("admin GET "+path, func(t *testing.T) {
			resp, page := adm.do(http.MethodGet, path, nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode, page)
		})
	}
}

// TestFormsNeedTheSessionCSRFToken: every settings and calendar form refuses a post
// without the session's token.
func TestFormsNeedTheSessionCSRFToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	adm, _ := loggedIn(t, e, "admin", "correct horse")
	for _, path := range append(settingsForms, calendarForms...) {
		t.Run(path, func(t *testing.T) {
			resp, _ := adm.do(http.MethodPost, path, url.Values{"name": {"x"}})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			resp, _ = adm.do(http.MethodPost, path, url.Values{"csrf": {"forged"}, "name": {"x"}})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
}

func unitForm(csrf, name, price string) url.Values {
	return withCSRF(csrf, "name", name, "type", "cabaña", "capacity", "4", "base_price", price, "amenities", "wifi, parrilla",
		"pets", "on", "active", "on", "description", "Con vista")
}

// TestUnitPriceEditQuotesAtOnce: a unit's new price is what the engine quotes right after
// the save (the catalog cache is invalidated), the change is audited, and bad input
// changes nothing.
func TestUnitPriceEditQuotesAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupOn(t, db)
		ctx := context.Background()
		adm, csrf := loggedIn(t, e, "admin", "correct horse")
		units, err := e.svc.Units(ctx)
		require.NoError(t, err)
		u := units[1]
		stay := booking.NewStay(mustDate(t, "2027-03-01"), mustDate(t, "2027-03-04")) // Mon-Thu
		before, err := e.svc.Quote(ctx, u.ID, stay, 2)
		require.NoError(t, err)
		assert.Equal(t, 3*u.BasePriceCents, before.NightsCents)

		resp, page := adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/units/%d", u.ID), unitForm(csrf, "", "abc"))
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, page, "aria-invalid")
		resp, _ = adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/units/%d", u.ID), unitForm(csrf, u.Name, "99.000"))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		after, err := e.svc.Quote(ctx, u.ID, stay, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(3*9_900_000), after.NightsCents, "the new price quotes at once")

		_, page = adm.do(http.MethodGet, "/admin/settings/", nil)
		assert.Contains(t, page, "staff:admin")
		assert.Contains(t, page, "base_price_cents")

		resp, _ = adm.do(http.MethodPost, "/admin/settings/units", unitForm(csrf, `<img src=x onerror=alert(1)>`, "50000"))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, page = adm.do(http.MethodGet, "/admin/settings/units", nil)
		assert.NotContains(t, page, `<img src=x`)
		assert.Contains(t, page, "&lt;img src=x")
		units, err = e.svc.Units(ctx)
		require.NoError(t, err)
		assert.Len(t, units, 4, "the new unit is on sale")
		assert.Contains(t, units[3].Amenities, "mascotas")
	})
}

func mustDate(t *testing.T, s string) store.Date {
	t.Helper()
	d, err := store.ParseDate(s)
	require.NoError(t, err)
	return d
}

// TestManualBookingGoesThroughTheEngine: staff book a phone guest; the nights are then
// refused to the bot and to another manual booking or block, with a clear message; the
// calendar shows the guest's name escaped; edits keep the amount received.
func TestManualBookingGoesThroughTheEngine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupOn(t, db)
		ctx := context.Background()
		adm, csrf := loggedIn(t, e, "admin", "correct horse")
		units, err := e.svc.Units(ctx)
		require.NoError(t, err)
		unit := fmt.Sprint(units[1].ID)
		book := func(in, out, name string) (*http.Response, string) {
			return adm.do(http.MethodPost, "/admin/calendar/bookings", withCSRF(csrf, "unit", unit, "check_in", in, "check_out", out,
				"guests", "2", "name", name, "phone", "+54 9 351 555-0101", "paid", "20.000", "notes", "pagó en efectivo"))
		}
		resp, _ := book("2027-02-10", "2027-02-13", `<b>Juan</b> Pérez`)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		var r store.Reservation
		require.NoError(t, db.NewSelect().Model(&r).Where("accommodation_id = ? AND source = 'staff'", units[1].ID).Scan(ctx))
		assert.Equal(t, store.StatusConfirmed, r.Status)
		assert.Equal(t, int64(2_000_000), r.PaidCents, "paid_cents recorded on confirmation")
		assert.Equal(t, "pagó en efectivo", r.Notes)

		_, err = e.svc.Hold(ctx, booking.HoldRequest{UnitID: units[1].ID, Stay: booking.NewStay(mustDate(t, "2027-02-11"), mustDate(t, "2027-02-14")),
			Guests: 2, Source: "bot"})
		var ue *booking.UnavailableError
		assert.ErrorAs(t, err, &ue, "the bot is refused those nights")

		resp, page := book("2027-02-12", "2027-02-15", "Otra")
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, page, "ya están ocupadas")
		resp, page = adm.do(http.MethodPost, "/admin/calendar/blocks", withCSRF(csrf, "unit", unit, "check_in", "2027-02-09", "check_out", "2027-02-11"))
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, page, "ya están ocupadas")
		resp, page = book("2027-02-20", "2027-02-19", "")
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, page, `<span class="error">`)

		resp, _ = adm.do(http.MethodPost, "/admin/calendar/blocks", withCSRF(csrf, "unit", unit, "check_in", "2027-02-20", "check_out", "2027-02-22", "note", "pintura"))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		free, err := e.svc.IsFree(ctx, units[1].ID, booking.NewStay(mustDate(t, "2027-02-21"), mustDate(t, "2027-02-23")))
		require.NoError(t, err)
		assert.False(t, free, "blocked nights are off sale")

		_, page = adm.do(http.MethodGet, "/admin/calendar/timeline?from=2027-02-08", nil)
		assert.Contains(t, page, r.Code)
		assert.Contains(t, page, "&lt;b&gt;Juan&lt;/b&gt;")
		assert.NotContains(t, page, "<b>Juan</b>")
		assert.Contains(t, page, "9 351 555-0101", "the guest's phone is on the booking")
		assert.Contains(t, page, "pintura")
		_, page = adm.do(http.MethodGet, fmt.Sprintf("/admin/calendar/month?unit=%s&month=2027-02", unit), nil)
		assert.Contains(t, page, `class="cal booking`)
		assert.Contains(t, page, `class="cal blocked`)
		_, page = adm.do(http.MethodGet, "/admin/calendar/timeline?from=2027-01-04", nil)
		assert.Contains(t, page, e.hold.Code, "holds show")
		assert.Contains(t, page, "vence en", "with their countdown")

		resp, _ = adm.do(http.MethodPost, "/admin/calendar/bookings/"+r.Code, withCSRF(csrf, "name", "Juan Pérez", "phone", "+5493515550101", "paid", "45.000", "notes", "saldo al llegar"))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		got, err := e.svc.Get(ctx, r.Code)
		require.NoError(t, err)
		assert.Equal(t, "Juan Pérez", got.Guest.Name)
		assert.Equal(t, int64(4_500_000), got.PaidCents)
		assert.Equal(t, "saldo al llegar", got.Notes)
	})
}

var issuedPassword = regexp.MustCompile(`<code class="big">([a-z0-9]+)</code>`)

// TestStaffUsersKeepAnAdmin: an invited user logs in with the password shown once; the
// last admin cannot be demoted; a deactivated user's session ends at once.
func TestStaffUsersKeepAnAdmin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	var adminID int64
	require.NoError(t, e.db.NewSelect().Table("staff_users").Column("id").Where("username = 'admin'").Scan(context.Background(), &adminID))

	resp, page := adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/users/%d", adminID), withCSRF(csrf, "role", "staff", "active", "on"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "al menos un administrador")

	resp, page = adm.do(http.MethodPost, "/admin/settings/users", withCSRF(csrf, "username", "maria", "display_name", "María", "role", "staff"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := issuedPassword.FindStringSubmatch(page)
	require.NotNil(t, m, "the temporary password is shown once")
	resp, _ = adm.do(http.MethodPost, "/admin/settings/users", withCSRF(csrf, "username", "maria", "role", "staff"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "usernames are unique")

	// The temporary password only opens "Elegí tu contraseña" (password_test.go covers
	// that page); with her own, María changes it again from "Mi cuenta".
	maria := choosePassword(t, e, "maria", m[1], "maria-first-password")
	_, page = maria.do(http.MethodGet, "/admin/", nil)
	mcsrf := csrfField.FindStringSubmatch(page)[1]
	resp, _ = maria.do(http.MethodGet, "/admin/settings/users", nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	for _, tc := range []struct{ name, current, next, again string }{
		{"wrong current password", "nope", "maria-new-password", "maria-new-password"},
		{"repeated differently", "maria-first-password", "maria-new-password", "maria-new-passw0rd"},
		{"too short", "maria-first-password", "short", "short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := maria.do(http.MethodPost, "/admin/account/password", withCSRF(mcsrf, "current", tc.current, "new", tc.next, "again", tc.again))
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		})
	}
	resp, _ = maria.do(http.MethodPost, "/admin/account/password", url.Values{"current": {"maria-first-password"}, "new": {"maria-new-password"}, "again": {"maria-new-password"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the form needs its CSRF token")
	resp, _ = maria.do(http.MethodPost, "/admin/account/password", withCSRF(mcsrf, "current", "maria-first-password", "new", "maria-new-password", "again", "maria-new-password"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?ok="))
	resp, _ = maria.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "the sessions end with the change")
	maria, _ = loggedIn(t, e, "maria", "maria-new-password")
	var mariaID int64
	require.NoError(t, e.db.NewSelect().Table("staff_users").Column("id").Where("username = 'maria'").Scan(context.Background(), &mariaID))
	resp, _ = adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/users/%d", mariaID), withCSRF(csrf, "role", "staff"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = maria.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "a deactivated user is out at once")

	resp, page = adm.do(http.MethodPost, fmt.Sprintf("/admin/settings/users/%d/reset", mariaID), withCSRF(csrf))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Regexp(t, issuedPassword, page)
	assert.Contains(t, page, "contraseña temporal sin cambiar: vence 01/12 10:00", "the list says until when the temporary password works")
}

// TestPricesHolidaysAndPropertyFromTheForms: a weekend surcharge and a host holiday
// change the preview quote at once; the property form validates.
func TestPricesHolidaysAndPropertyFromTheForms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	units, err := e.svc.Units(ctx)
	require.NoError(t, err)
	preview := fmt.Sprintf("/admin/settings/prices?unit=%d&check_in=2027-03-09&check_out=2027-03-11&guests=2", units[0].ID) // Tue-Thu
	_, page := adm.do(http.MethodGet, preview, nil)
	assert.Contains(t, page, `id="quote"`)
	basePage := page

	resp, page := adm.do(http.MethodPost, "/admin/settings/holidays", withCSRF(csrf, "date", "2027-03-10", "name", "Fiesta del pueblo", "day_off", "yes"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, page)
	cal, err := e.svc.Holidays(ctx)
	require.NoError(t, err)
	_, isHoliday := cal.Lookup(mustDate(t, "2027-03-10").Time())
	assert.True(t, isHoliday, "the host's holiday counts at once")
	_, page = adm.do(http.MethodGet, preview, nil)
	assert.NotEqual(t, basePage, page, "the quote changed with the holiday")
	_, page = adm.do(http.MethodGet, "/admin/settings/holidays?year=2027", nil)
	assert.Contains(t, page, "Fiesta del pueblo")
	resp, _ = adm.do(http.MethodPost, "/admin/settings/holidays/clear", withCSRF(csrf, "date", "2027-03-10"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = adm.do(http.MethodGet, preview, nil)
	assert.Equal(t, strings.Count(basePage, "$"), strings.Count(page, "$"))

	resp, page = adm.do(http.MethodPost, "/admin/settings/prices", withCSRF(csrf, "kind", "season", "name", "Alta", "start_date", "2027-03-01"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "aria-invalid")
	resp, _ = adm.do(http.MethodPost, "/admin/settings/prices", withCSRF(csrf, "kind", "season", "name", "Semana santa",
		"start_date", "2027-03-08", "end_date", "2027-03-15", "multiplier", "2", "priority", "5"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	q, err := e.svc.Quote(ctx, units[0].ID, booking.NewStay(mustDate(t, "2027-03-09"), mustDate(t, "2027-03-11")), 2)
	require.NoError(t, err)
	assert.Equal(t, 2*2*units[0].BasePriceCents, q.NightsCents, "the season doubles the price at once")

	resp, page = adm.do(http.MethodPost, "/admin/settings/property", withCSRF(csrf, "name", "", "check_in_time", "25:00", "check_out_time", "10:00",
		"deposit_percent", "30", "bank_cbu", "1234"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, `id="bank_cbu-err"`)
	resp, _ = adm.do(http.MethodPost, "/admin/settings/property", withCSRF(csrf, "name", "Complejo Nuevo", "check_in_time", "15:00",
		"check_out_time", "10:00", "deposit_percent", "40", "bank_alias", "nuevo.alias", "policy.pets.en", "Pets welcome"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var p store.Property
	require.NoError(t, e.db.NewSelect().Model(&p).Order("id").Limit(1).Scan(ctx))
	assert.Equal(t, "Complejo Nuevo", p.Name)
	assert.Equal(t, 40, p.DepositPercent)
	assert.JSONEq(t, `"Pets welcome"`, mustJSONField(t, p.Policies, "pets", "en"))
}

func mustJSONField(t *testing.T, raw []byte, topic, lang string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	texts, _ := m[topic].(map[string]any)
	b, err := json.Marshal(texts[lang])
	require.NoError(t, err)
	return string(b)
}

// TestConfirmRecordsAmountReceived: a one-tap confirmation records the seña as received;
// an amount typed on the booking's page is recorded as typed.
func TestConfirmRecordsAmountReceived(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	resp, _ := adm.do(http.MethodPost, fmt.Sprintf("/admin/reservations/%d/confirm-payment", e.hold.ID), withCSRF(csrf))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	got, err := e.svc.Get(ctx, e.hold.Code)
	require.NoError(t, err)
	assert.Equal(t, store.StatusConfirmed, got.Status)
	assert.Equal(t, e.hold.DepositCents, got.PaidCents)

	units, err := e.svc.Units(ctx)
	require.NoError(t, err)
	hold, err := e.svc.Hold(ctx, booking.HoldRequest{UnitID: units[2].ID, Stay: booking.NewStay(mustDate(t, "2027-04-05"), mustDate(t, "2027-04-08")),
		Guests: 2, Guest: booking.Guest{Name: "Lucía", Phone: "+5493510000001"}})
	require.NoError(t, err)
	_, page := adm.do(http.MethodGet, "/admin/calendar/bookings/"+hold.Code, nil)
	assert.Contains(t, page, "Pago recibido")
	resp, _ = adm.do(http.MethodPost, fmt.Sprintf("/admin/reservations/%d/confirm-payment", hold.ID), withCSRF(csrf, "paid", "12.345,50"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	got, err = e.svc.Get(ctx, hold.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(1_234_550), got.PaidCents)
}

// TestFlashAfterARedirectWithAQuery: the saved notice reaches a page whose address has a
// query already (the calendar's dates, the holidays' year).
func TestFlashAfterARedirectWithAQuery(t *testing.T) {
	t.Parallel()
	e := setup(t)
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	resp, _ := adm.do(http.MethodPost, "/admin/settings/holidays", withCSRF(csrf, "date", "2027-03-10", "name", "Fiesta", "day_off", "yes"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	assert.True(t, strings.HasPrefix(loc, "/admin/settings/holidays?year=2027&ok="), loc)
	_, page := adm.do(http.MethodGet, loc, nil)
	assert.Contains(t, page, `class="flash"`)
}

// TestFormErrorsInSpanish: the settings' messages (English, for the API) read in Spanish
// on the admin's forms.
func TestFormErrorsInSpanish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	for _, tc := range []struct {
		name, path string
		form       url.Values
		want       []string
	}{
		{"property", "/admin/settings/property", withCSRF(csrf, "name", "", "check_in_time", "2pm", "check_out_time", "10:00", "bank_cbu", "123"),
			[]string{"obligatorio", "con el formato HH:MM, p. ej. 14:00", "22 dígitos con dígitos verificadores válidos"}},
		{"unit", "/admin/settings/units", withCSRF(csrf, "name", "x", "type", "hotel", "capacity", "0", "base_price", "100"),
			[]string{"cabaña, departamento o casa", "entre 1 y 50 personas"}},
		{"season", "/admin/settings/prices", withCSRF(csrf, "kind", "season", "multiplier", "1,5"),
			[]string{"obligatoria en una temporada"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := adm.do(http.MethodPost, tc.path, tc.form)
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			for _, w := range tc.want {
				assert.Contains(t, page, w)
			}
			assert.NotContains(t, page, "required")
		})
	}
}
