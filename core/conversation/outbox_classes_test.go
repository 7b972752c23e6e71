package conversation_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
	sdkchannel "github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// scriptedChannel fails sends as its script says (one error per send, nil = accept).
type scriptedChannel struct {
	mu     sync.Mutex
	script []error
	sent   []conversation.Outbound
}

func (c *scriptedChannel) Send(_ context.Context, m conversation.Outbound) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.script) > 0 {
		err := c.script[0]
		c.script = c.script[1:]
		if err != nil {
			return "", err
		}
	}
	c.sent = append(c.sent, m)
	return fmt.Sprintf("wamid.s%d", scriptedIDs.Add(1)), nil
}

var scriptedIDs atomic.Int64

func outbox(t *testing.T, h *harness) []store.OutboxItem {
	t.Helper()
	var items []store.OutboxItem
	require.NoError(t, h.db.NewSelect().Model(&items).Order("id").Scan(context.Background()))
	return items
}

// reply makes one guest message answered, leaving its reply in the outbox.
func reply(t *testing.T, h *harness, contact, ext string) int64 {
	t.Helper()
	rec, err := h.svc.Receive(context.Background(), conversation.Inbound{Channel: "whatsapp", Contact: contact, AddressKind: "phone", To: "613058842097135", ExternalID: ext, Text: "hola"})
	require.NoError(t, err)
	require.NoError(t, h.svc.Process(context.Background(), rec.ConversationID))
	return rec.ConversationID
}

func TestOutboxHonoursErrorClasses(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		t.Run("permanent fails at once and tells staff", func(t *testing.T) {
			conv := reply(t, h, "5491100000001", "p1")
			ch := &scriptedChannel{script: []error{fmt.Errorf("(#131026) undeliverable: %w", sdkchannel.ErrRecipientInvalid)}}
			var failed []string
			s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now,
				OnFailed: func(_ context.Context, id int64, class string) error {
					assert.Equal(t, conv, id)
					failed = append(failed, class)
					return nil
				}})
			_, err := s.Flush(ctx)
			require.NoError(t, err)
			items := outbox(t, h)
			last := items[len(items)-1]
			assert.Equal(t, "failed", last.Status)
			assert.Equal(t, "recipient_invalid", last.ErrorClass)
			assert.Equal(t, 1, last.Attempts, "no retry")
			assert.Equal(t, []string{"recipient_invalid"}, failed)
			assert.Equal(t, "613058842097135", ch.sent0From(t), "nothing was sent")
		})
		t.Run("a sender-wide rate limit pauses the channel without spending attempts", func(t *testing.T) {
			_, err := h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			reply(t, h, "5491100000002", "r1")
			reply(t, h, "5491100000003", "r2")
			limited := plugin.WithDetail(fmt.Errorf("(#130429) throughput: %w", plugin.ErrRateLimited),
				plugin.Detail{RetryAfter: 3 * time.Second, Scope: plugin.ScopeSender, ProviderCode: "130429"})
			ch := &scriptedChannel{script: []error{limited}}
			s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now})
			n, err := s.Flush(ctx)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "the other guest's reply waits too: the whole number is slowed")
			for _, it := range outbox(t, h) {
				assert.Equal(t, "pending", it.Status)
				assert.Equal(t, 0, it.Attempts, "rate limits are flow control, not failures")
				assert.True(t, it.NotBefore.After(h.clock.Now()), "held back")
			}
			h.clock.Set(h.clock.Now().Add(time.Minute))
			n, err = s.Flush(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
		})
		t.Run("a recipient rate limit holds only that guest, then merges their replies", func(t *testing.T) {
			_, err := h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			conv := reply(t, h, "5491100000004", "q1")
			reply(t, h, "5491100000005", "q2")
			require.NoError(t, h.svc.Notify(ctx, conv, "fallback", nil, conversation.Transactional, "extra-1"))
			limited := plugin.WithDetail(fmt.Errorf("(#131056) pair: %w", plugin.ErrRateLimited),
				plugin.Detail{RetryAfter: 6 * time.Second, Scope: plugin.ScopeRecipient, ProviderCode: "131056"})
			ch := &scriptedChannel{script: []error{limited}}
			s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now})
			n, err := s.Flush(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "the other guest is served")
			require.Len(t, ch.sent, 1)
			assert.Equal(t, "5491100000005", ch.sent[0].Recipient)
			h.clock.Set(h.clock.Now().Add(10 * time.Minute))
			n, err = s.Flush(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "one send")
			require.Len(t, ch.sent, 2)
			assert.Equal(t, "5491100000004", ch.sent[1].Recipient)
			assert.Contains(t, ch.sent[1].Text, "\n\n", "the waiting replies went as one message")
			for _, it := range outbox(t, h) {
				assert.Equal(t, "sent", it.Status)
			}
		})
		t.Run("window closed sends the approved template", func(t *testing.T) {
			_, err := h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now,
				Templates: func(channel, purpose string) (conversation.TemplateSpec, bool) {
					return conversation.TemplateSpec{Name: "aviso_general", Language: "es_AR", Params: []string{"guest.name", "nada.de.nada"}}, channel == "whatsapp" && purpose == "fallback"
				}})
			conv := reply(t, h, "5491100000006", "w1")
			_, err = h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			require.NoError(t, svc.Notify(ctx, conv, "fallback", nil, conversation.Transactional, "w-1"))
			ch := &scriptedChannel{script: []error{fmt.Errorf("(#131047): %w", sdkchannel.ErrWindowClosed)}}
			s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now})
			_, err = s.Flush(ctx)
			require.NoError(t, err)
			assert.Empty(t, ch.sent, "refused")
			_, err = s.Flush(ctx)
			require.NoError(t, err)
			require.Len(t, ch.sent, 1)
			require.NotNil(t, ch.sent[0].Template, "the template went instead")
			assert.Equal(t, "aviso_general", ch.sent[0].Template.Name)
			assert.Equal(t, []string{"-", "-"}, ch.sent[0].Template.Params, "missing data is sent as a dash")

			h.clock.Set(h.clock.Now().Add(25 * time.Hour))
			require.NoError(t, svc.Notify(ctx, conv, "fallback", nil, conversation.Transactional, "w-2"))
			s = conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now,
				Window: func(string) time.Duration { return 24 * time.Hour }})
			_, err = s.Flush(ctx)
			require.NoError(t, err)
			require.Len(t, ch.sent, 2)
			require.NotNil(t, ch.sent[1].Template, "past the window the template goes first, without a refused try")
		})
		t.Run("a failed status for the closed window requeues the template", func(t *testing.T) {
			_, err := h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now,
				Templates: func(string, string) (conversation.TemplateSpec, bool) {
					return conversation.TemplateSpec{Name: "aviso_general", Language: "es_AR"}, true
				}})
			conv := reply(t, h, "5491100000007", "f1")
			_, err = h.db.NewDelete().Model((*store.OutboxItem)(nil)).Where("1 = 1").Exec(ctx)
			require.NoError(t, err)
			require.NoError(t, svc.Notify(ctx, conv, "fallback", nil, conversation.Transactional, "f-1"))
			ch := &scriptedChannel{}
			s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now})
			_, err = s.Flush(ctx)
			require.NoError(t, err)
			require.Len(t, ch.sent, 1)
			require.Nil(t, ch.sent[0].Template)
			var ext string
			require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("external_id").Where("direction = 'out'").Order("id DESC").Limit(1).Scan(ctx, &ext))
			_, err = svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: ext, State: "failed", ErrorCode: "131047", Failure: "window_closed"})
			require.NoError(t, err)
			_, err = s.Flush(ctx)
			require.NoError(t, err)
			require.Len(t, ch.sent, 2)
			require.NotNil(t, ch.sent[1].Template)
		})
	})
}

func (c *scriptedChannel) sent0From(t *testing.T) string {
	t.Helper()
	if len(c.sent) == 0 {
		return "613058842097135"
	}
	return c.sent[0].From
}
