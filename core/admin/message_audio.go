package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/sdk/channel"
)

// Media downloads an inbound message's media from its channel (the webhook dispatcher).
type Media interface {
	FetchMedia(ctx context.Context, channelName string, media conversation.Media, maxBytes int64) (channel.FetchMediaResponse, error)
}

// maxAudioBytes bounds a voice note played in the admin (WhatsApp's audio limit).
const maxAudioBytes = 16 << 20

// messageAudio plays a guest's voice note: staff hear what the bot could not understand.
// The audio is fetched from the channel on each play (nothing is kept in the database).
func (h *Handler) messageAudio(c *fiber.Ctx) error {
	convID, err := paramID(c)
	if err != nil {
		return err
	}
	msgID, err := strconv.ParseInt(c.Params("mid"), 10, 64)
	if err != nil || msgID <= 0 {
		return fiber.NewError(fiber.StatusNotFound, "not found")
	}
	if h.opts.Media == nil {
		return fiber.NewError(fiber.StatusNotFound, "no channel can play media")
	}
	ctx := c.UserContext()
	var msg store.Message
	err = h.db.NewSelect().Model(&msg).Where("id = ? AND conversation_id = ? AND direction = 'in'", msgID, convID).Scan(ctx)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such message")
	}
	content, err := conversation.DecodeContent(msg.Payload)
	if err != nil || content.Media == nil || msg.Kind != conversation.KindAudio {
		return fiber.NewError(fiber.StatusNotFound, "the message has no audio")
	}
	got, err := h.opts.Media.FetchMedia(ctx, msg.Channel, *content.Media, maxAudioBytes)
	if err != nil {
		h.log.WarnContext(ctx, "admin: voice note not fetched", "message", msgID, "err", err)
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fiber.NewError(fiber.StatusBadGateway, fmt.Sprintf("the channel did not give the audio: %v", err))
	}
	mime := got.MIME
	if mime == "" {
		mime = content.Media.MIME
	}
	c.Set(fiber.HeaderContentType, mime)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(got.Data)
}
