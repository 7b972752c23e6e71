package admin

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/store"
)

// maxNote caps an internal note, in characters.
const maxNote = 2000

// conversationNote keeps an internal note on a conversation (the guest never sees it).
func (h *Handler) conversationNote(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/admin/conversations/" + strconv.FormatInt(id, 10)
	text := strings.TrimSpace(c.FormValue("text"))
	if text == "" || utf8.RuneCountInString(text) > maxNote || !utf8.ValidString(text) {
		return redirectWith(c, back, "Escribí la nota (hasta 2000 caracteres)")
	}
	ctx := c.UserContext()
	n, err := h.db.NewSelect().Model((*store.Conversation)(nil)).Where("id = ?", id).Count(ctx)
	if err != nil {
		return fmt.Errorf("admin: note on conversation %d: %w", id, err)
	}
	if n == 0 {
		return fiber.NewError(fiber.StatusNotFound, "no such conversation")
	}
	note := &store.ConversationNote{ConversationID: id, Author: currentStaff(c).Username, Text: text, CreatedAt: h.opts.Now().UTC()}
	if _, err := h.db.NewInsert().Model(note).Exec(ctx); err != nil {
		return fmt.Errorf("admin: note on conversation %d: %w", id, err)
	}
	return redirectWith(c, back, "Nota guardada")
}
