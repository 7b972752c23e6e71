package browsertest_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/browsertest"
)

// TestFirstLoginChoosesAPassword: an admin invites a staff member; logging in with the
// temporary password shown leads to "Elegí tu contraseña" (the home page too), a
// password equal to the temporary one is refused, and the chosen one lands on the home
// page; the page fits a 390 px phone and is screenshotted (CONSERJE_SCREENSHOTS=1).
func TestFirstLoginChoosesAPassword(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)

	adm := b.NewTab(t)
	adm.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	adm.Do(
		chromedp.Navigate(s.URL+"/admin/settings/users"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "lucia"),
		chromedp.SendKeys(chromedp.CSS(`#display_name`), "Lucía"),
		chromedp.Submit(chromedp.CSS(`#username`)),
	)
	temporary := adm.WaitText(`code.big`, "")
	require.Len(t, temporary, 20, "the temporary password is shown once")

	staff := b.NewTab(t)
	staff.Do(
		chromedp.Navigate(s.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "lucia"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), temporary),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
	)
	staff.WaitText(`main h1`, "Elegí tu contraseña")
	assert.Equal(t, "/admin/password", browsertest.Eval[string](staff, `location.pathname`))
	assert.Zero(t, browsertest.Eval[int](staff, `document.querySelectorAll("nav[aria-label=Principal]").length`), "no menu yet")

	staff.Do(chromedp.Navigate(s.URL + "/admin/"))
	staff.WaitText(`main h1`, "Elegí tu contraseña")
	assert.Equal(t, "/admin/password", browsertest.Eval[string](staff, `location.pathname`), "the home page sends back here")

	staff.Viewport(390, 844, true)
	assert.True(t, browsertest.Eval[bool](staff, `document.documentElement.scrollWidth <= window.innerWidth`), "fits a 390 px phone")
	unlabelled := browsertest.Eval[[]string](staff, `Array.from(document.querySelectorAll("main input:not([type=hidden])")).filter(e => !e.labels.length).map(e => e.name)`)
	assert.Empty(t, unlabelled)
	staff.Viewport(1280, 800, false)
	staff.Screenshot("password-choose")

	staff.Do(
		chromedp.SendKeys(chromedp.CSS(`#new`), temporary),
		chromedp.SendKeys(chromedp.CSS(`#again`), temporary),
		chromedp.Submit(chromedp.CSS(`#new`)),
	)
	staff.WaitText(`p.error[role=alert]`, "No se cambió la contraseña.")
	assert.Contains(t, staff.Text(`#new ~ span.error`), "tiene que ser distinta de la temporal")

	// The refused form comes back empty (a password is never sent back to the page).
	assert.Empty(t, browsertest.Eval[string](staff, `document.querySelector("#new").value + document.querySelector("#again").value`))
	staff.Do(
		chromedp.SendKeys(chromedp.CSS(`#new`), "lucia-eligio-esta"),
		chromedp.SendKeys(chromedp.CSS(`#again`), "lucia-eligio-esta"),
		chromedp.Submit(chromedp.CSS(`#new`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label=Principal]`)),
	)
	assert.Equal(t, "/admin/", browsertest.Eval[string](staff, `location.pathname`), "lands on the home page")
	assert.Contains(t, staff.Text(`.flash`), "desde ahora entrás con tu contraseña")

	again := b.NewTab(t)
	again.Login(s, "lucia", "lucia-eligio-esta")
	assert.Equal(t, "/admin/", browsertest.Eval[string](again, `location.pathname`), "the chosen password logs straight in")
}
