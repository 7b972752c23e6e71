package browsertest

import (
	"fmt"

	"github.com/chromedp/chromedp"
)

// ChatSay types text into the web chat page (GET /chat) of the tab and sends it, then
// waits until the page shows n bot messages in all (the greeting counts as one).
func (tab *Tab) ChatSay(text string, botMessages int) {
	tab.t.Helper()
	tab.Do(
		chromedp.WaitVisible(chromedp.CSS(`#text`)),
		chromedp.SendKeys(chromedp.CSS(`#text`), text),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	tab.WaitCount(`#log li.msg.bot`, botMessages)
}

// WaitCount waits until at least n elements match the CSS selector.
func (tab *Tab) WaitCount(sel string, n int) {
	tab.t.Helper()
	tab.WaitTrue(fmt.Sprintf(`document.querySelectorAll(%q).length >= %d`, sel, n))
}
