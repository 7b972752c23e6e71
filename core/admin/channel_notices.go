package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/channel"
)

// noticeKinds are the kinds of channel notices, as staff read them.
var noticeKinds = []struct{ Kind, Label string }{
	{"handoff", "Para una persona"},
	{"bounce", "Rebotes"},
	{"skip", "Omitidos"},
}

type noticeList struct {
	Kind    string
	Kinds   []struct{ Kind, Label string }
	Notices []channel.Notice
}

// channelNotices lists what pull channels (the e-mail channel) decided about mail that
// was not a turn for the bot — skipped, handed to a person, bounced — with the reason:
// nothing vanishes. Read-only.
func (h *Handler) channelNotices(c *fiber.Ctx) error {
	kind := c.Query("kind")
	known := false
	for _, k := range noticeKinds {
		known = known || k.Kind == kind
	}
	if !known {
		kind = ""
	}
	notices, err := channel.NewPullStore(h.db.DB).Notices(c.UserContext(), kind, 200)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	return h.render(c, fiber.StatusOK, "channel_notices", page{Title: "Avisos de los canales",
		Data: noticeList{Kind: kind, Kinds: noticeKinds, Notices: notices}})
}

// noticeLabel is a notice's kind as staff read it.
func noticeLabel(kind string) string {
	for _, k := range noticeKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return kind
}
