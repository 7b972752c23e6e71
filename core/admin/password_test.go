package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// envNow is the fixed clock of setup().
var envNow = time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)

const choosePath = "/admin/password"

// onTemporary logs username in with a temporary password and returns the browser, which
// the login sends to "Elegí tu contraseña", and that page's CSRF token.
func onTemporary(t *testing.T, e *env, username, password string) (*browser, string) {
	t.Helper()
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	resp := b.loginAs(username, password)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, choosePath, resp.Header.Get("Location"), "a temporary password leads to choosing one's own")
	resp, page := b.do(http.MethodGet, choosePath, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	require.Contains(t, page, "Elegí tu contraseña")
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m)
	return b, m[1]
}

// choosePassword goes through the forced change and returns the browser, logged in with
// the chosen password's fresh session.
func choosePassword(t *testing.T, e *env, username, temporary, chosen string) *browser {
	t.Helper()
	b, csrf := onTemporary(t, e, username, temporary)
	resp, page := b.do(http.MethodPost, choosePath, withCSRF(csrf, "new", chosen, "again", chosen))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, page)
	require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/admin/?ok="), resp.Header.Get("Location"))
	return b
}

func staffUser(t *testing.T, db *store.DB, username string) store.StaffUser {
	t.Helper()
	var u store.StaffUser
	require.NoError(t, db.NewSelect().Model(&u).Where("username = ?", username).Scan(context.Background()))
	return u
}

// TestTemporaryPasswordOpensOnlyTheChoosePage: a staff member and an admin logged in with
// a temporary password are sent to "Elegí tu contraseña" from every page, refused every
// form and the live stream, and may only log out; nothing changes in their name.
func TestTemporaryPasswordOpensOnlyTheChoosePage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	for _, role := range []string{"staff", "admin"} {
		t.Run(role, func(t *testing.T) {
			username := "new-" + role
			require.NoError(t, admin.CreateUserTemporary(ctx, e.db, username, "", "temporary-"+role, role, envNow.Add(-time.Hour)))
			b, csrf := onTemporary(t, e, username, "temporary-"+role)
			for _, tc := range []struct {
				name, method, path string
				status             int
				location           string
			}{
				{"home page", http.MethodGet, "/admin/", http.StatusSeeOther, choosePath},
				{"reservations page", http.MethodGet, "/admin/reservations", http.StatusSeeOther, choosePath},
				{"conversation page", http.MethodGet, "/admin/conversations/1", http.StatusSeeOther, choosePath},
				{"calendar page", http.MethodGet, "/admin/calendar/timeline", http.StatusSeeOther, choosePath},
				{"settings page", http.MethodGet, "/admin/settings/users", http.StatusSeeOther, choosePath},
				{"own account page", http.MethodGet, "/admin/account", http.StatusSeeOther, choosePath},
				{"HEAD of a page", http.MethodHead, "/admin/reports", http.StatusSeeOther, choosePath},
				{"live stream", http.MethodGet, "/admin/live", http.StatusForbidden, ""},
				{"confirm payment form", http.MethodPost, "/admin/reservations/" + e.hold.Code + "/confirm-payment", http.StatusForbidden, ""},
				{"extend hold form", http.MethodPost, "/admin/pre-reservations/" + e.hold.Code + "/extend", http.StatusForbidden, ""},
				{"escalate form", http.MethodPost, "/admin/conversations/1/escalate", http.StatusForbidden, ""},
				{"invite form", http.MethodPost, "/admin/settings/users", http.StatusForbidden, ""},
				{"Mi cuenta password form", http.MethodPost, "/admin/account/password", http.StatusForbidden, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var form url.Values
					if tc.method == http.MethodPost {
						form = withCSRF(csrf, "username", "evil-"+role, "role", "admin", "current", "temporary-"+role, "new", "whatever-long", "again", "whatever-long")
					}
					resp, _ := b.do(tc.method, tc.path, form)
					assert.Equal(t, tc.status, resp.StatusCode)
					assert.Equal(t, tc.location, resp.Header.Get("Location"))
				})
			}
			n, err := e.db.NewSelect().Model((*store.StaffUser)(nil)).Where("username = ?", "evil-"+role).Count(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "no user was invited in their name")
			assert.Equal(t, "pre_reserved", status(t, e.db, e.hold.Code), "no payment was confirmed in their name")
			assert.True(t, staffUser(t, e.db, username).MustChangePassword)

			_, page := b.do(http.MethodGet, choosePath, nil)
			assert.NotContains(t, page, `href="/admin/reservations"`, "no menu to pages that would send them back here")
			assert.NotContains(t, page, "data-live-stream", "no live stream the server would refuse")
			assert.Contains(t, page, `action="/admin/logout"`)
			resp, _ := b.do(http.MethodPost, "/admin/logout", withCSRF(csrf))
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "logging out is allowed")
			resp, _ = b.do(http.MethodGet, choosePath, nil)
			assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "and ends the session")
		})
	}
}

// TestChoosePassword: the chosen password follows the rule, is typed twice, differs from
// the temporary one and needs the session's CSRF token; once set, the flag is cleared,
// the change is audited without the password, the temporary one stops working and the
// user lands on the home page with a fresh session.
func TestChoosePassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) { choosePasswordFlow(t, setupOn(t, db)) })
}

func choosePasswordFlow(t *testing.T, e *env) {
	ctx := context.Background()
	const temporary = "temporary-pass-1"
	require.NoError(t, admin.CreateUserTemporary(ctx, e.db, "maria", "María", temporary, "staff", envNow.Add(-time.Hour)))
	b, csrf := onTemporary(t, e, "maria", temporary)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		says   string
	}{
		{"no CSRF token", url.Values{"new": {"maria-chose-this"}, "again": {"maria-chose-this"}}, http.StatusForbidden, ""},
		{"forged CSRF token", url.Values{"csrf": {"forged"}, "new": {"maria-chose-this"}, "again": {"maria-chose-this"}}, http.StatusForbidden, ""},
		{"too short", withCSRF(csrf, "new", "short", "again", "short"), http.StatusUnprocessableEntity, "al menos 10 caracteres"},
		{"repeated differently", withCSRF(csrf, "new", "maria-chose-this", "again", "maria-chose-that"), http.StatusUnprocessableEntity, "no coincide"},
		{"same as the temporary one", withCSRF(csrf, "new", temporary, "again", temporary), http.StatusUnprocessableEntity, "distinta de la temporal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.do(http.MethodPost, choosePath, tc.form)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, page, tc.says)
			assert.True(t, staffUser(t, e.db, "maria").MustChangePassword, "still to choose")
		})
	}

	resp, _ := b.do(http.MethodPost, choosePath, withCSRF(csrf, "new", "maria-chose-this", "again", "maria-chose-this"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/admin/?ok="))
	resp, page := b.do(http.MethodGet, resp.Header.Get("Location"), nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "lands on the home page")
	assert.Contains(t, page, "desde ahora entrás con tu contraseña")
	assert.Contains(t, page, `href="/admin/reservations"`, "with the menu")
	resp, _ = b.do(http.MethodGet, choosePath, nil)
	assert.Equal(t, "/admin/account", resp.Header.Get("Location"), "the page is only for a temporary password")

	u := staffUser(t, e.db, "maria")
	assert.False(t, u.MustChangePassword)
	assert.Nil(t, u.PasswordIssuedAt)
	var audit []settings.AuditEntry
	require.NoError(t, e.db.NewSelect().Model(&audit).Where("entity = 'staff_user' AND entity_id = 'maria'").Scan(ctx))
	require.Len(t, audit, 1)
	assert.Equal(t, "staff:maria", audit[0].Actor)
	assert.Equal(t, "change_password", audit[0].Action)
	assert.Equal(t, envNow, audit[0].CreatedAt.UTC())
	assert.NotContains(t, string(audit[0].Changes), "maria-chose-this", "never the password")
	assert.NotContains(t, string(audit[0].Changes), temporary)

	old := &browser{t: t, app: e.app, cookies: map[string]string{}}
	assert.Equal(t, http.StatusUnauthorized, old.loginAs("maria", temporary).StatusCode, "the temporary password is gone")
	loggedIn(t, e, "maria", "maria-chose-this")
}

// TestTemporaryPasswordExpires: a temporary password older than 72 hours no longer logs
// in (the user is told to ask an admin for a new one), and a session opened with it in
// time ends when it expires; a chosen password never expires.
func TestTemporaryPasswordExpires(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) {
		o.Now = func() time.Time { return envNow.Add(time.Duration(offset.Load())) }
		o.LoginsPerIP = 100 // many logins from one test address, on a clock that stands still
		// Sessions longer than the temporary password (admin.session_ttl may be set so).
		o.SessionTTL = 30 * 24 * time.Hour
	})
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		user   string
		age    time.Duration
		status int
		says   string
	}{
		{"issued an hour ago", "hour", time.Hour, http.StatusSeeOther, ""},
		{"issued just under 72 hours ago", "almost", admin.TemporaryPasswordTTL - time.Minute, http.StatusSeeOther, ""},
		{"issued 72 hours and a minute ago", "over", admin.TemporaryPasswordTTL + time.Minute, http.StatusUnauthorized, "Tu contraseña temporal venció"},
		{"issued a month ago", "month", 30 * 24 * time.Hour, http.StatusUnauthorized, "Pedile a un administrador que te dé una nueva"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			username := tc.user
			require.NoError(t, admin.CreateUserTemporary(ctx, e.db, username, "", "temporary-pass", "staff", envNow.Add(-tc.age)))
			b := &browser{t: t, app: e.app, cookies: map[string]string{}}
			_, page := b.do(http.MethodGet, "/admin/login", nil)
			m := csrfField.FindStringSubmatch(page)
			resp, page := b.do(http.MethodPost, "/admin/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {"temporary-pass"}})
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, page, tc.says)
			if tc.status == http.StatusUnauthorized {
				_, ok := b.cookies["conserje_admin"]
				assert.False(t, ok, "no session")
				wrong := &browser{t: t, app: e.app, cookies: map[string]string{}}
				_, page = wrong.do(http.MethodGet, "/admin/login", nil)
				m = csrfField.FindStringSubmatch(page)
				_, page = wrong.do(http.MethodPost, "/admin/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {"not-the-password"}})
				assert.NotContains(t, page, "venció", "a wrong password learns nothing about the account")
			}
		})
	}

	t.Run("a session opened in time ends when the password expires", func(t *testing.T) {
		require.NoError(t, admin.CreateUserTemporary(ctx, e.db, "late", "", "temporary-pass", "staff", envNow))
		require.NoError(t, admin.CreateUser(ctx, e.db, "chosen", "", "chosen-password", "staff"))
		late, _ := onTemporary(t, e, "late", "temporary-pass")
		chosen, _ := loggedIn(t, e, "chosen", "chosen-password")
		offset.Store(int64(admin.TemporaryPasswordTTL + time.Minute))
		resp, page := late.do(http.MethodGet, choosePath, nil)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, page)
		assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?ok="), resp.Header.Get("Location"))
		n, err := e.db.NewSelect().Model((*store.StaffSession)(nil)).Where("user_id = ?", staffUser(t, e.db, "late").ID).Count(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "the session is deleted")
		resp, _ = chosen.do(http.MethodGet, "/admin/", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a chosen password does not expire")
	})
}

// TestInviteAndResetIssueTemporaryPasswords: an admin's invite and reset flag the user
// (audited, without the password); the CLI's typed passwords (CreateUser, SetPassword)
// do not, and setting one clears the flag.
func TestInviteAndResetIssueTemporaryPasswords(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	adm, csrf := loggedIn(t, e, "admin", "correct horse")
	resp, page := adm.do(http.MethodPost, "/admin/settings/users", withCSRF(csrf, "username", "rosa", "role", "admin"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	pw := issuedPassword.FindStringSubmatch(page)[1]
	assert.Contains(t, page, "va a tener que elegir la suya, y vence a las 72 horas")
	u := staffUser(t, e.db, "rosa")
	assert.True(t, u.MustChangePassword)
	require.NotNil(t, u.PasswordIssuedAt)
	assert.Equal(t, envNow, u.PasswordIssuedAt.UTC())

	rosa := choosePassword(t, e, "rosa", pw, "rosa-own-password")
	resp, _ = rosa.do(http.MethodGet, "/admin/settings/users", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "an admin reaches the settings once she chose")

	resp, page = adm.do(http.MethodPost, "/admin/settings/users/"+itoa(u.ID)+"/reset", withCSRF(csrf))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	reset := issuedPassword.FindStringSubmatch(page)[1]
	assert.True(t, staffUser(t, e.db, "rosa").MustChangePassword, "a reset flags again")
	resp, _ = rosa.do(http.MethodGet, "/admin/", nil)
	assert.Equal(t, "/admin/login", resp.Header.Get("Location"), "and ends her sessions")
	onTemporary(t, e, "rosa", reset)

	var audit []settings.AuditEntry
	require.NoError(t, e.db.NewSelect().Model(&audit).Where("entity = 'staff_user' AND entity_id = 'rosa'").Order("id").Scan(ctx))
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Actor+" "+a.Action)
		assert.NotContains(t, string(a.Changes), pw)
		assert.NotContains(t, string(a.Changes), reset)
		assert.NotContains(t, string(a.Changes), "rosa-own-password")
	}
	assert.Equal(t, []string{"staff:admin create", "staff:rosa change_password", "staff:admin reset_password"}, actions)

	require.NoError(t, admin.SetPassword(ctx, e.db, "rosa", "typed-by-operator"))
	assert.False(t, staffUser(t, e.db, "rosa").MustChangePassword, "a typed password clears the flag")
	loggedIn(t, e, "rosa", "typed-by-operator")
}
