package browsertest_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/browsertest"
)

// TestMoveBookingFreesNightsForTheBot: staff book both units that sleep four by phone,
// then move one booking a week later from its page (previewing the new quote beside the
// agreed total); the timeline shows it at its new nights, and a web chat guest asking for
// four on the original nights is offered the unit that was freed. The booking page is
// screenshotted with the preview (CONSERJE_SCREENSHOTS=1).
func TestMoveBookingFreesNightsForTheBot(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)
	stay, written := weekdayStay()
	to := stay.Shift(7)

	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	manualBooking(t, staff, s, 1, stay, "Juan Pérez", "+54 9 351 555-0101", "50.000")
	manualBooking(t, staff, s, 2, stay, "Rosa Díaz", "+54 9 351 555-0102", "")
	code := browsertest.Eval[string](staff, `((Array.from(document.querySelectorAll("td.cal.booking a")).find(a => a.getAttribute("aria-label").includes("Juan"))||{}).pathname||"").split("/").pop()`)
	require.NotEmpty(t, code)

	staff.Do(
		chromedp.Navigate(s.URL+"/admin/calendar/bookings/"+code),
		chromedp.WaitVisible(chromedp.CSS(`#mv-in`)),
		chromedp.SetValue(chromedp.CSS(`#mv-in`), to.CheckIn.String()),
		chromedp.SetValue(chromedp.CSS(`#mv-out`), to.CheckOut.String()),
		chromedp.Click(chromedp.CSS(`button[value=preview]`)),
	)
	preview := staff.WaitText(`form[action$="/move"] .flash`, "Nueva cotización")
	assert.Contains(t, preview, "total acordado")
	assert.Equal(t, to.CheckIn.String(), browsertest.Eval[string](staff, `document.querySelector("#mv-in").value`), "the form keeps the new dates")
	staff.Screenshot("calendar-booking-move")

	staff.Do(
		chromedp.Focus(chromedp.CSS(`input[name=price][value=quote]`)),
		chromedp.Click(chromedp.CSS(`input[name=price][value=quote]`)),
		chromedp.Click(chromedp.CSS(`button[value=move]`)),
	)
	assert.Contains(t, staff.WaitText(`.flash`, "Reserva movida"), to.CheckIn.String())

	staff.Do(chromedp.Navigate(s.URL + "/admin/calendar/timeline?from=" + stay.CheckIn.AddDays(-1).String()))
	staff.WaitTrue(`!!document.querySelector("table.timeline")`)
	titles := browsertest.Eval[[]string](staff, fmt.Sprintf(`Array.from(document.querySelectorAll("td.cal.booking a[href$='/%s']")).map(a => a.getAttribute("aria-label"))`, code))
	require.NotEmpty(t, titles, "the moved booking is on the timeline")
	for d := to.CheckIn; d.Before(to.CheckOut); d = d.AddDays(1) {
		found := false
		for _, title := range titles {
			found = found || len(title) >= 10 && title[:10] == d.String()
		}
		assert.True(t, found, "night %s of the new stay is shown as the booking", d)
	}
	for _, title := range titles {
		for d := stay.CheckIn; d.Before(stay.CheckOut); d = d.AddDays(1) {
			assert.NotEqual(t, d.String(), title[:10], "the old nights are free")
		}
	}

	guest := b.NewTab(t)
	guest.Do(chromedp.Navigate(s.URL + "/chat"))
	guest.ChatSay("Hola, para 4 "+written, 2)
	assert.Contains(t, guest.Text(`#log`), "Cabaña Robles", "the bot offers the freed nights")
}
