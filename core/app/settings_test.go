package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

var sessionCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// settingsClient is a browser-like client of the admin: cookies and the session's CSRF token.
type settingsClient struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func (s *settingsClient) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.base + path)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := sessionCSRF.FindStringSubmatch(string(body)); m != nil {
		s.csrf = m[1]
	}
	return resp.StatusCode, string(body)
}

func (s *settingsClient) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	form.Set("csrf", s.csrf)
	resp, err := s.c.PostForm(s.base+path, form)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// nextWeekdays is a Monday at least ten days ahead and the Wednesday after it, in one month.
func nextWeekdays(now time.Time) (time.Time, time.Time) {
	d := now.AddDate(0, 0, 10)
	for d.Weekday() != time.Monday || d.AddDate(0, 0, 2).Month() != d.Month() {
		d = d.AddDate(0, 0, 1)
	}
	return d, d.AddDate(0, 0, 2)
}

// TestFreshInstallIsSetUpFromTheAdmin: migrate up and one admin user, no demo; the
// property, a unit and a weekend surcharge are created from the settings pages, and the
// web chat quotes the unit at once with its price.
func TestFreshInstallIsSetUpFromTheAdmin(t *testing.T) {
	cfg := testConfig(t, storetest.SQLitePath(t))
	ctx := context.Background()
	db, err := app.OpenDB(ctx, cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, admin.CreateUser(ctx, db, "ana", "Ana", "ana-password-1", "admin"))
	require.NoError(t, db.Close())
	a, base := start(t, cfg)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	staff := &settingsClient{t: t, base: base, c: &http.Client{Jar: jar}}
	staff.get("/admin/login")
	status, _ := staff.post("/admin/login", url.Values{"username": {"ana"}, "password": {"ana-password-1"}})
	require.Equal(t, http.StatusOK, status, "logged in and sent home")
	status, page := staff.get("/admin/settings/property")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Instalación nueva")

	status, page = staff.post("/admin/settings/property", url.Values{"name": {"Cabañas del Lago"}, "address": {"Ruta 40 km 3"},
		"check_in_time": {"14:00"}, "check_out_time": {"10:00"}, "deposit_percent": {"30"}, "timezone": {"America/Argentina/Buenos_Aires"},
		"bank_alias": {"lago.cabanas"}, "bank_holder": {"Ana Gómez"}, "policy.pets.es-AR": {"Mascotas chicas, con aviso."}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "Datos del complejo guardados")
	status, page = staff.post("/admin/settings/units", url.Values{"name": {"Cabaña Lago"}, "type": {"cabaña"}, "capacity": {"4"},
		"base_price": {"80.000"}, "amenities": {"wifi, parrilla"}, "active": {"on"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "el bot ya la ofrece")
	status, page = staff.post("/admin/settings/prices", url.Values{"kind": {"weekend_multiplier"}, "multiplier": {"1,5"}})
	require.Equal(t, http.StatusOK, status, page)

	in, out := nextWeekdays(time.Now().In(time.FixedZone("ART", -3*3600)))
	units, err := a.Booking.Units(ctx)
	require.NoError(t, err)
	require.Len(t, units, 1)
	q, err := a.Booking.Quote(ctx, units[0].ID, booking.NewStay(store.DateOf(in), store.DateOf(out)), 2)
	require.NoError(t, err)
	assert.Equal(t, int64(2*8_000_000), q.TotalCents, "two weekday nights at the base price")

	body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("Hola, para 2 del %d al %d/%d", in.Day(), out.Day(), int(out.Month()))})
	resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	var reply struct {
		Replies []struct {
			Text string `json:"text"`
		} `json:"replies"`
	}
	require.NoError(t, json.Unmarshal(raw, &reply))
	all := ""
	for _, r := range reply.Replies {
		all += r.Text + "\n"
	}
	assert.Contains(t, all, "Cabaña Lago", "the unit made in the admin is offered")
	assert.Contains(t, all, dialog.FormatMoney("es", q.TotalCents), "with the price set in the admin")
}
