package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// conversationEscalate lets staff take a conversation over: the bot stops answering it.
func (h *Handler) conversationEscalate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	who := currentStaff(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		reason = "taken over by staff:" + who.Username
	}
	if err := h.opts.Conversations.Escalate(c.UserContext(), id, reason); err != nil {
		return fmt.Errorf("admin: escalate conversation %d: %w", id, err)
	}
	return redirectWith(c, "/admin/conversations/"+strconv.FormatInt(id, 10), "Tomaste la conversación: el bot no va a responder hasta que la liberes")
}
