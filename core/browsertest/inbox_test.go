package browsertest_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/browsertest"
)

// TestStaffReplyReachesTheWebChatGuest: a guest writes on the web chat; staff find them in
// the inbox under a readable name, reply from the conversation, and the guest's open page
// shows the reply; the bot stays silent after that until released.
func TestStaffReplyReachesTheWebChatGuest(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)

	guest := b.NewTab(t)
	guest.Do(chromedp.Navigate(s.URL + "/chat"))
	guest.ChatSay("Hola, para 4 del 5 al 8/1", 2)
	guest.ChatSay("la Robles", 3)

	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	staff.Do(chromedp.Navigate(s.URL + "/admin/conversations"))
	first := staff.Text(`#inbox .inbox-row .guest`)
	assert.Contains(t, first, "Visitante del chat web")
	assert.NotContains(t, first, "wc_")
	assert.Contains(t, staff.Text(`#inbox .inbox-row`), "Chat web")
	staff.Screenshot("inbox")

	staff.Do(chromedp.Click(chromedp.CSS(`#inbox .inbox-row`)), chromedp.WaitVisible(chromedp.CSS(`#reply-text`)))
	assert.Contains(t, staff.Text(`#reservations`), "pre-reserva", "the guest's hold is on their conversation")
	staff.Screenshot("conversation")
	conversationURL := browsertest.Eval[string](staff, `location.href`)
	staff.Do(chromedp.Click(chromedp.CSS(`#reservations a`)), chromedp.WaitVisible(chromedp.CSS(`#payments`)))
	assert.Contains(t, staff.Text(`main`), "Cabaña Robles")
	staff.Screenshot("reservation")
	staff.Do(chromedp.Navigate(s.URL+"/admin/reports"), chromedp.WaitVisible(chromedp.CSS(`#occupancy`)))
	assert.Contains(t, staff.Text(`#occupancy`), "Cabaña Robles")
	assert.Contains(t, staff.Text(`#bot-figures`), "Conversaciones")
	staff.Screenshot("reports")
	staff.Do(chromedp.Navigate(conversationURL), chromedp.WaitVisible(chromedp.CSS(`#reply-text`)))
	reply := "Hola, soy Marta del complejo: te guardo la Robles si querés <b>hoy</b>"
	staff.Do(
		chromedp.SendKeys(chromedp.CSS(`#reply-text`), reply),
		chromedp.Submit(chromedp.CSS(`#reply-text`)),
	)
	staff.WaitText(`.flash`, "Respuesta enviada")
	assert.Contains(t, staff.Text(`#messages`), reply)
	assert.Contains(t, staff.Text(`#conversation-head`), "con una persona")

	got := guest.WaitText(`#log`, reply)
	assert.Contains(t, got, "<b>hoy</b>", "the page shows staff's text as text")
	assert.Equal(t, 0, browsertest.Eval[int](guest, `document.querySelectorAll("#log b").length`))
	assert.Equal(t, 1, browsertest.Eval[int](guest, `document.querySelectorAll("#log li.staff").length`))
	guest.Screenshot("webchat-staff-reply")

	bots := browsertest.Eval[int](guest, `document.querySelectorAll("#log li.msg.bot").length`)
	guest.Do(
		chromedp.SendKeys(chromedp.CSS(`#text`), "¡Genial, gracias!"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	guest.WaitTrue(`!document.getElementById("send").disabled && document.querySelectorAll("#log li.msg.guest").length >= 2`)
	assert.Equal(t, bots, browsertest.Eval[int](guest, `document.querySelectorAll("#log li.msg.bot").length`), "the bot stays silent while staff have the conversation")
	staff.WaitText(`#messages`, "¡Genial, gracias!")
}

// TestEscalationArrivesLive: staff watching the home page see a guest who asks for a
// person appear without reloading, in plain Spanish with the guest's own words.
func TestEscalationArrivesLive(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)

	staff := b.NewTab(t)
	staff.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	staff.WaitTrue(`document.body.getAttribute("data-live-state") === "open"`)
	assert.Contains(t, staff.Text(`[data-live=home-1]`), "Nadie espera")

	guest := b.NewTab(t)
	guest.Do(chromedp.Navigate(s.URL + "/chat"))
	guest.ChatSay("quiero hablar con una persona <script>alert(1)</script>", 2)

	got := staff.WaitText(`[data-live=home-1]`, "pidió hablar con una persona")
	assert.Contains(t, got, "«quiero hablar con una persona <script>alert(1)</script>»")
	assert.Contains(t, got, "Visitante del chat web")
	assert.NotContains(t, got, "explicit")
	assert.Equal(t, 0, browsertest.Eval[int](staff, `document.querySelectorAll("[data-live=home-1] script").length`))
	assert.NotEmpty(t, browsertest.Eval[string](staff, `document.body.getAttribute("data-last-escalation")`))
	staff.Screenshot("home")
}
