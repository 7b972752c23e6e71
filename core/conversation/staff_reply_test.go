package conversation_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
)

// TestStaffReplyReachesTheWebChatPage: staff's reply is queued for the web chat, takes the
// conversation over (the bot stays silent), is handed to the guest's page once, and a
// resubmitted form sends it once.
func TestStaffReplyReachesTheWebChatPage(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const guest = "wc_00000000000000000000abcd"
		h.converse(t, guest, "hola")
		var conv store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("contact = ?", guest).Scan(ctx))

		tests := []struct {
			name  string
			reply conversation.StaffReply
			err   error
		}{
			{"empty", conversation.StaffReply{ConversationID: conv.ID, Text: "   ", By: "marta", Key: "k0"}, conversation.ErrEmptyReply},
			{"unknown conversation", conversation.StaffReply{ConversationID: 999999, Text: "hola", By: "marta", Key: "k9"}, conversation.ErrNotFound},
			{"reply", conversation.StaffReply{ConversationID: conv.ID, Text: "Hola, soy Marta", By: "marta", Key: "k1"}, nil},
			{"the same form again", conversation.StaffReply{ConversationID: conv.ID, Text: "Hola, soy Marta", By: "marta", Key: "k1"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := h.svc.SendStaffReply(ctx, tc.reply)
				if tc.err != nil {
					assert.ErrorIs(t, err, tc.err)
					return
				}
				assert.NoError(t, err)
			})
		}
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("id = ?", conv.ID).Scan(ctx))
		assert.Equal(t, conversation.StateEscalated, conv.State, "replying takes the conversation over")
		assert.Equal(t, "staff_reply:marta", conv.EscalationReason)

		out, err := h.svc.TakePendingFor(ctx, "webchat", guest)
		require.NoError(t, err)
		require.Len(t, out, 1, "one message for one form")
		assert.Equal(t, "Hola, soy Marta", out[0].Text)
		assert.Equal(t, "marta", out[0].Staff)
		out, err = h.svc.TakePendingFor(ctx, "webchat", guest)
		require.NoError(t, err)
		assert.Empty(t, out, "handed over once")
		out, err = h.svc.TakePendingFor(ctx, "webchat", "wc_ffffffffffffffffffffffff")
		require.NoError(t, err)
		assert.Empty(t, out, "an unknown page has nothing")

		assert.Empty(t, h.converse(t, guest, "¡gracias!"), "the bot stays silent while staff have it")
		require.NoError(t, h.svc.Release(ctx, conv.ID, "staff:marta"))
		assert.NotEmpty(t, h.converse(t, guest, "hola"), "released, the bot answers again")
	})
}

// TestStaffReplyOutsideTheWindowGoesAsTheTemplate: a WhatsApp guest who wrote more than
// 24 hours ago gets the template configured for staff replies, with staff's text.
func TestStaffReplyOutsideTheWindowGoesAsTheTemplate(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now,
			Templates: func(channel, purpose string) (conversation.TemplateSpec, bool) {
				return conversation.TemplateSpec{Name: "respuesta_equipo", Language: "es_AR", Params: []string{"guest.name", "staff.text"}},
					channel == "whatsapp" && purpose == conversation.StaffReplyPurpose
			}})
		conv := reply(t, h, "5491100000042", "s1")
		ch := &scriptedChannel{}
		s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now,
			Window: func(string) time.Duration { return 24 * time.Hour }})
		_, err := s.Flush(ctx)
		require.NoError(t, err)
		sentBefore := len(ch.sent)

		h.clock.Set(h.clock.Now().Add(25 * time.Hour))
		require.NoError(t, svc.SendStaffReply(ctx, conversation.StaffReply{ConversationID: conv, Text: "Te dejamos la llave en recepción", By: "marta", Name: "Marta", Key: "w1"}))
		_, err = s.Flush(ctx)
		require.NoError(t, err)
		require.Len(t, ch.sent, sentBefore+1)
		got := ch.sent[sentBefore]
		require.NotNil(t, got.Template, "outside the window the template goes")
		assert.Equal(t, "respuesta_equipo", got.Template.Name)
		assert.Equal(t, []string{"-", "Te dejamos la llave en recepción"}, got.Template.Params)
	})
}

// TestUncollectedWebChatMessagesExpire: a message no page collected within the window
// stops being pending; a recent one stays for the page.
func TestUncollectedWebChatMessagesExpire(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const guest = "wc_00000000000000000000beef"
		h.converse(t, guest, "hola")
		var conv store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("contact = ?", guest).Scan(ctx))
		require.NoError(t, h.svc.SendStaffReply(ctx, conversation.StaffReply{ConversationID: conv.ID, Text: "¿Seguís ahí?", By: "marta", Key: "e1"}))
		h.clock.Set(h.clock.Now().Add(2 * time.Hour))
		require.NoError(t, h.svc.SendStaffReply(ctx, conversation.StaffReply{ConversationID: conv.ID, Text: "Te escribo más tarde", By: "marta", Key: "e2"}))

		n, err := h.svc.ExpireUncollected(ctx, "webchat", time.Hour)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		var pending []string
		require.NoError(t, h.db.NewSelect().Model((*store.OutboxItem)(nil)).Column("idempotency_key").
			Where("channel = 'webchat' AND status = 'pending'").Scan(ctx, &pending))
		assert.Equal(t, []string{"staff-reply:e2"}, pending)
		out, err := h.svc.TakePendingFor(ctx, "webchat", guest)
		require.NoError(t, err)
		require.Len(t, out, 1)
		assert.Equal(t, "Te escribo más tarde", out[0].Text)
	})
}
