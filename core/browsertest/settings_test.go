package browsertest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/browsertest"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
)

// weekdayStay is a Monday at least twelve days ahead and the Wednesday after it, in one
// month (no weekend or long-weekend rule applies), and how a guest writes it.
func weekdayStay() (booking.Stay, string) {
	d := time.Now().In(time.FixedZone("ART", -3*3600)).AddDate(0, 0, 12)
	for d.Weekday() != time.Monday || d.AddDate(0, 0, 2).Month() != d.Month() {
		d = d.AddDate(0, 0, 1)
	}
	out := d.AddDate(0, 0, 2)
	return booking.NewStay(store.DateOf(d), store.DateOf(out)), fmt.Sprintf("del %d al %d/%d", d.Day(), out.Day(), int(out.Month()))
}

// manualBooking fills the calendar's manual booking form and waits for the saved notice.
func manualBooking(t *testing.T, tab *browsertest.Tab, s *browsertest.Server, unit int64, stay booking.Stay, name, phone, paid string) {
	tab.Do(
		chromedp.Navigate(s.URL+"/admin/calendar/timeline"),
		chromedp.WaitVisible(chromedp.CSS(`#mb-name`)),
		chromedp.SetValue(chromedp.CSS(`#mb-unit`), fmt.Sprint(unit)),
		chromedp.SetValue(chromedp.CSS(`#mb-in`), stay.CheckIn.String()),
		chromedp.SetValue(chromedp.CSS(`#mb-out`), stay.CheckOut.String()),
		chromedp.SetValue(chromedp.CSS(`#mb-guests`), "4"),
		chromedp.SendKeys(chromedp.CSS(`#mb-name`), name),
		chromedp.SendKeys(chromedp.CSS(`#mb-phone`), phone),
		chromedp.SendKeys(chromedp.CSS(`#mb-paid`), paid),
		chromedp.Submit(chromedp.CSS(`#mb-name`)),
	)
	tab.WaitTrue(`!!document.querySelector(".flash, .error")`)
	require.Empty(t, browsertest.Eval[string](tab, `Array.from(document.querySelectorAll(".error")).map(e => e.textContent).join("; ")`), "manual booking refused")
	tab.WaitText(`.flash`, "guardada")
}

// TestManualBookingIsRefusedToTheBot: staff book both units that sleep four by phone from
// the calendar; a web chat guest asking for four on those nights is offered neither.
func TestManualBookingIsRefusedToTheBot(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)
	stay, written := weekdayStay()

	before := b.NewTab(t)
	before.Do(chromedp.Navigate(s.URL + "/chat"))
	before.ChatSay("Hola, para 4 "+written, 2)
	offered := before.Text(`#log`)
	require.Contains(t, offered, "Cabaña Robles", "free nights are offered first")

	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	manualBooking(t, staff, s, 1, stay, "Juan <b>Pérez</b>", "+54 9 351 555-0101", "50.000")
	manualBooking(t, staff, s, 2, stay, "Rosa Díaz", "+54 9 351 555-0102", "")
	titles := browsertest.Eval[string](staff, `Array.from(document.querySelectorAll("td.cal.booking")).map(e => e.title).join("\n")`)
	assert.Contains(t, titles, "Juan <b>Pérez</b>", "the guest's name shows as typed, escaped")
	assert.Contains(t, titles, "+54 9 351 555-0101", "with the phone")
	assert.Equal(t, 0, browsertest.Eval[int](staff, `document.querySelectorAll("main b").length`))

	manualBookingAgain := func() string {
		staff.Do(
			chromedp.Navigate(s.URL+"/admin/calendar/timeline"),
			chromedp.WaitVisible(chromedp.CSS(`#mb-name`)),
			chromedp.SetValue(chromedp.CSS(`#mb-unit`), "1"),
			chromedp.SetValue(chromedp.CSS(`#mb-in`), stay.CheckIn.String()),
			chromedp.SetValue(chromedp.CSS(`#mb-out`), stay.CheckOut.String()),
			chromedp.SendKeys(chromedp.CSS(`#mb-name`), "Otro"),
			chromedp.Submit(chromedp.CSS(`#mb-name`)),
		)
		return staff.WaitText(`.error`, "ocupadas")
	}
	assert.Contains(t, manualBookingAgain(), "no se guardó nada", "an overlap is refused in plain words")

	guest := b.NewTab(t)
	guest.Do(chromedp.Navigate(s.URL + "/chat"))
	guest.ChatSay("Hola, para 4 "+written, 2)
	reply := guest.Text(`#log li.msg.bot:last-child`)
	assert.Contains(t, reply, "no me queda lugar para 4", "the bot refuses the booked nights")
	booked := fmt.Sprintf("%s al %s", stay.CheckIn.Time().Format("02/01"), stay.CheckOut.Time().Format("02/01"))
	assert.NotContains(t, reply, booked, "and offers only other dates")
	for d := stay.CheckIn; d.Before(stay.CheckOut); d = d.AddDays(1) {
		assert.NotContains(t, reply, d.Time().Format("02/01")+" al", "no alternative starts on a booked night")
	}
}

// TestUnitPriceEditShowsInTheWebChat: staff change a unit's nightly price in the settings
// and the next web chat quote for it uses the new price.
func TestUnitPriceEditShowsInTheWebChat(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)
	stay, written := weekdayStay()

	first := b.NewTab(t)
	first.Do(chromedp.Navigate(s.URL + "/chat"))
	first.ChatSay("Hola, para 2 "+written, 2)
	assert.Contains(t, first.Text(`#log`), "Depto Centro")

	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	staff.Do(
		chromedp.Navigate(s.URL+"/admin/settings/units/3"),
		chromedp.WaitVisible(chromedp.CSS(`#base_price`)),
		chromedp.SetValue(chromedp.CSS(`#base_price`), "33.333"),
		chromedp.Submit(chromedp.CSS(`#base_price`)),
	)
	staff.WaitText(`.flash`, "guardada")

	q, err := s.App.Booking.Quote(t.Context(), 3, stay, 2)
	require.NoError(t, err)
	require.Equal(t, int64(2*3_333_300), q.NightsCents)
	price := dialog.FormatMoney("es", q.TotalCents)
	assert.NotContains(t, first.Text(`#log`), price)

	guest := b.NewTab(t)
	guest.Do(chromedp.Navigate(s.URL + "/chat"))
	guest.ChatSay("Hola, para 2 "+written, 2)
	assert.Contains(t, guest.Text(`#log`), price, "the new price is quoted at once")
}

// TestSettingsAndCalendarPagesOnAPhone: every settings and calendar page fits a 390 px
// phone without sideways scrolling (the timeline scrolls inside its own region), every
// field has a label, and every page is screenshotted at 390 and 1280 px
// (CONSERJE_SCREENSHOTS=1 writes docs/screenshots).
func TestSettingsAndCalendarPagesOnAPhone(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)
	stay, _ := weekdayStay()
	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	manualBooking(t, staff, s, 1, stay, "Juan Pérez", "+54 9 351 555-0101", "50.000")
	code := browsertest.Eval[string](staff, `((document.querySelector("td.cal.booking a")||{}).pathname||"").split("/").pop()`)
	require.NotEmpty(t, code)

	for _, p := range []struct{ name, path string }{
		{"settings", "/admin/settings/"},
		{"settings-property", "/admin/settings/property"},
		{"settings-units", "/admin/settings/units"},
		{"settings-unit", "/admin/settings/units/1"},
		{"settings-prices", fmt.Sprintf("/admin/settings/prices?unit=1&check_in=%s&check_out=%s&guests=2", stay.CheckIn, stay.CheckOut)},
		{"settings-holidays", "/admin/settings/holidays"},
		{"settings-feeds", "/admin/settings/feeds"},
		{"settings-users", "/admin/settings/users"},
		{"settings-payments", "/admin/settings/payments"},
		{"calendar-timeline", "/admin/calendar/timeline?from=" + stay.CheckIn.AddDays(-3).String()},
		{"calendar-month", fmt.Sprintf("/admin/calendar/month?unit=1&month=%s", stay.CheckIn.Time().Format("2006-01"))},
		{"calendar-booking", "/admin/calendar/bookings/" + code},
		{"account", "/admin/account"},
	} {
		t.Run(p.name, func(t *testing.T) {
			staff.Do(chromedp.Navigate(s.URL+p.path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
			staff.Viewport(390, 844, true)
			assert.True(t, browsertest.Eval[bool](staff, `document.documentElement.scrollWidth <= window.innerWidth`),
				"%s scrolls sideways at 390 px (%d px wide)", p.path, browsertest.Eval[int](staff, `document.documentElement.scrollWidth`))
			unlabelled := browsertest.Eval[[]string](staff, `Array.from(document.querySelectorAll("main input:not([type=hidden]), main select, main textarea"))
				.filter(e => !e.labels.length && !e.getAttribute("aria-label")).map(e => e.name)`)
			assert.Empty(t, unlabelled, "fields without a label on %s", p.path)
			staff.Viewport(1280, 800, false)
			staff.Screenshot(p.name)
		})
	}
}
