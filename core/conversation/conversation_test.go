package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type fakeNLU map[string]dialog.Understanding

func (f fakeNLU) Understand(text string, _ time.Time) dialog.Understanding {
	if u, ok := f[text]; ok {
		return u
	}
	return dialog.Understanding{Intent: "fallback", Confidence: 0.1}
}

var nlu = fakeNLU{
	"hola":                      {Intent: "saludo", Confidence: 0.95},
	"Hola, para 4 del 5 al 8/1": {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-01-05", CheckOut: "2027-01-08", Guests: 4},
	"Cabaña":                    {Intent: "reservar", Confidence: 0.5, UnitType: "cabaña"},
	"somos 4":                   {Intent: "disponibilidad", Confidence: 0.8, Guests: 4},
	"quiero reservar":           {Intent: "reservar", Confidence: 0.9},
	"¿tienen wifi?":             {Intent: "servicios", Confidence: 0.9, Amenities: []string{"wifi"}},
	"quiero hablar con alguien": {Intent: "hablar_humano", Confidence: 0.9},
}

type engines struct{ e *dialog.Engine }

func (e engines) Engine() *dialog.Engine { return e.e }

type harness struct {
	engines engines
	db      *store.DB
	clock   *clock
	svc     *conversation.Service
	booking *booking.Service
}

// databases runs a test on SQLite and, when CONSERJE_TEST_POSTGRES_URL is set, PostgreSQL.
func databases(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarness(t, storetest.SQLite(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarness(t, storetest.Postgres(t))) })
}

func newHarness(t testing.TB, db *store.DB) *harness {
	t.Helper()
	_, err := demo.Seed(context.Background(), db, "demo-password")
	require.NoError(t, err)
	c := &clock{now: time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)} // 10:00 in Buenos Aires
	b := booking.NewService(db, booking.Options{Now: c.Now})
	acts, err := builtin.New(builtin.Deps{Booking: b, Policies: builtin.StorePolicies{DB: db}})
	require.NoError(t, err)
	reg := dialog.NewRegistry()
	require.NoError(t, acts.Register(reg))
	dir := t.TempDir()
	for src, dst := range map[string]string{"../../dialogs/receptionist.yaml": "receptionist.yaml", "../dialog/testdata/intents.yaml": "intents.yaml"} {
		body, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), body, 0o644))
	}
	e, problems := dialog.Build(dialog.Sources{Dialogs: dir, Locales: "../../locales"}, reg,
		func(map[string][]string) (dialog.Understander, error) { return nlu, nil }, dialog.Options{Ambient: acts})
	require.Empty(t, problems)
	svc := conversation.New(db, engines{e}, conversation.Options{Now: c.Now})
	return &harness{engines: engines{e}, db: db, clock: c, svc: svc, booking: b}
}

func (h *harness) converse(t *testing.T, contact, text string) []conversation.Outgoing {
	t.Helper()
	_, out, err := h.svc.Converse(context.Background(), conversation.Inbound{Channel: "webchat", Contact: contact, Text: text})
	require.NoError(t, err)
	return out
}

func joined(out []conversation.Outgoing) string {
	var parts []string
	for _, o := range out {
		parts = append(parts, o.Text)
	}
	return strings.Join(parts, "\n")
}

func TestConverseStoresEveryMessage(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		out := h.converse(t, "guest-1", "Hola, para 4 del 5 al 8/1")
		require.Len(t, out, 1)
		assert.Contains(t, out[0].Text, "Cabaña Robles: $45.000/noche, total $135.000")
		assert.Equal(t, []dialog.Button{{ID: "unidad:1", Title: "Cabaña Robles"}, {ID: "unidad:2", Title: "Cabaña Coihue"}}, out[0].Buttons)

		out = h.converse(t, "guest-1", "Cabaña")
		assert.Contains(t, joined(out), "la seña es de $40.500")
		assert.Contains(t, joined(out), "hasta las 10:30")

		var msgs []store.Message
		require.NoError(t, h.db.NewSelect().Model(&msgs).Order("id").Scan(context.Background()))
		require.Len(t, msgs, 4)
		assert.Equal(t, []string{"in", "out", "in", "out"}, []string{msgs[0].Direction, msgs[1].Direction, msgs[2].Direction, msgs[3].Direction})
		assert.Equal(t, conversation.StatusProcessed, msgs[0].Status)
		assert.Equal(t, conversation.StatusSent, msgs[1].Status)
		require.NotNil(t, msgs[0].LatencyMS)
		var u dialog.Understanding
		require.NoError(t, json.Unmarshal(msgs[0].NLU, &u))
		assert.Equal(t, "disponibilidad", u.Intent)
		assert.Equal(t, "webchat", msgs[1].Channel)

		var res store.Reservation
		require.NoError(t, h.db.NewSelect().Model(&res).Scan(context.Background()))
		assert.Equal(t, "RES270105001", res.Code)
		require.NotNil(t, res.ConversationID, "the hold knows its conversation")
		assert.Equal(t, msgs[0].ConversationID, *res.ConversationID)
	})
}

func TestDuplicateDeliveryIsStoredOnce(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		in := conversation.Inbound{Channel: "whatsapp", Contact: "+5493511111111", ExternalID: "wamid.1", Text: "hola"}
		first, err := h.svc.Receive(ctx, in)
		require.NoError(t, err)
		again, err := h.svc.Receive(ctx, in)
		require.NoError(t, err)
		assert.True(t, again.Duplicate)
		assert.Equal(t, first.MessageID, again.MessageID)
		n, err := h.db.NewSelect().Model((*store.Message)(nil)).Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}

func TestTurnsRunInArrivalOrderOneAtATime(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		texts := []string{"quiero reservar", "Hola, para 4 del 5 al 8/1", "Cabaña"}
		var conv int64
		for i, text := range texts {
			rec, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351222", ExternalID: "m" + string(rune('a'+i)), Text: text})
			require.NoError(t, err)
			conv = rec.ConversationID
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = h.svc.Process(ctx, conv)
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		var out []store.OutboxItem
		require.NoError(t, h.db.NewSelect().Model(&out).Order("id").Scan(ctx))
		require.Len(t, out, 3, "one reply per message, none doubled")
		var replyTo []int64
		for _, o := range out {
			var p conversation.Outgoing
			require.NoError(t, json.Unmarshal(o.Payload, &p))
			replyTo = append(replyTo, p.ReplyTo)
		}
		assert.IsIncreasing(t, replyTo)
		var last conversation.Outgoing
		require.NoError(t, json.Unmarshal(out[2].Payload, &last))
		assert.Contains(t, last.Text, "RES270105001", "the third message was answered after the first two")
	})
}

func TestRecoverAnswersWhatACrashLeftAndNeverTwice(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351333", ExternalID: "x1", Text: "hola"})
		require.NoError(t, err)
		// the process died here, before the turn; a new one starts
		require.NoError(t, h.svc.Recover(ctx))
		require.NoError(t, h.svc.Recover(ctx))
		n, err := h.db.NewSelect().Model((*store.OutboxItem)(nil)).Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}

type fakeChannel struct {
	mu    sync.Mutex
	fails int
	sent  []conversation.Outbound
}

func (f *fakeChannel) Send(_ context.Context, m conversation.Outbound) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return "", errors.New("provider timeout")
	}
	f.sent = append(f.sent, m)
	return fmt.Sprintf("wamid.%d", len(f.sent)), nil
}

type senders map[string]conversation.ChannelSender

func (s senders) Sender(ch string) (conversation.ChannelSender, bool) { c, ok := s[ch]; return c, ok }
func (s senders) PushChannels() []string {
	var out []string
	for k := range s {
		out = append(out, k)
	}
	return out
}

func TestSenderRetriesInOrderUntilDelivered(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		for i, text := range []string{"hola", "quiero reservar"} {
			_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351444", ExternalID: "w" + string(rune('0'+i)), Text: text})
			require.NoError(t, err)
		}
		ids, err := h.svc.Pending(ctx)
		require.NoError(t, err)
		require.NoError(t, h.svc.Process(ctx, ids[0]))

		ch := &fakeChannel{fails: 2}
		s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now})
		n, err := s.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n)
		assert.Empty(t, ch.sent, "the first failed and the second waits behind it")

		_, err = s.Flush(ctx)
		require.NoError(t, err)
		assert.Empty(t, ch.sent, "backoff: not due yet")

		h.clock.Set(h.clock.Now().Add(3 * time.Second))
		_, err = s.Flush(ctx)
		require.NoError(t, err)
		assert.Empty(t, ch.sent, "second failure")

		h.clock.Set(h.clock.Now().Add(10 * time.Second))
		_, err = s.Flush(ctx)
		require.NoError(t, err)
		require.Len(t, ch.sent, 2)
		assert.Contains(t, ch.sent[0].Text, "¡Hola! 👋")
		assert.Contains(t, ch.sent[1].Text, "¿Para qué fechas")
		assert.Equal(t, "+549351444", ch.sent[0].Recipient)
		assert.NotEqual(t, ch.sent[0].IdempotencyKey, ch.sent[1].IdempotencyKey)

		_, err = s.Flush(ctx)
		require.NoError(t, err)
		assert.Len(t, ch.sent, 2, "nothing is sent twice")
		var statuses []string
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("status").Where("direction = 'out'").Order("id").Scan(ctx, &statuses))
		assert.Equal(t, []string{"sent", "sent"}, statuses)
	})
}

func TestDeliveryStatusesMoveForward(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351555", ExternalID: "in-1", Text: "hola"})
		require.NoError(t, err)
		ids, err := h.svc.Pending(ctx)
		require.NoError(t, err)
		require.NoError(t, h.svc.Process(ctx, ids[0]))
		s := conversation.NewSender(h.db, senders{"whatsapp": &fakeChannel{}}, conversation.SenderOptions{Now: h.clock.Now})
		_, err = s.Flush(ctx)
		require.NoError(t, err)

		status := func() string {
			var st string
			require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("status").
				Where("direction = 'out' AND external_id = 'wamid.1'").Scan(ctx, &st))
			return st
		}
		require.Equal(t, "sent", status(), "the provider's id is kept on the sent message")
		steps := []struct {
			state   string
			changed bool
			want    string
		}{
			{"read", true, "read"},       // read before delivered (arrival order is not guaranteed)
			{"delivered", false, "read"}, // a late, out-of-order status never goes back
			{"sent", false, "read"},
			{"read", false, "read"},       // a re-delivered status is a no-op
			{"teleported", false, "read"}, // unknown states are kept, nothing changes
			{"failed", false, "read"},     // failed never undoes a recorded read
			{"played", true, "played"},    // a voice note played
			{"read", false, "played"},
		}
		for _, st := range steps {
			changed, err := h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.1", State: st.state})
			require.NoError(t, err, st.state)
			assert.Equal(t, st.changed, changed, st.state)
			assert.Equal(t, st.want, status(), st.state)
		}
		var kept []string
		require.NoError(t, h.db.NewSelect().Model((*store.DeliveryStatus)(nil)).Column("status").
			Where("external_id = 'wamid.1'").Order("id").Scan(ctx, &kept))
		assert.Equal(t, []string{"read", "delivered", "sent", "teleported", "failed", "played"}, kept, "each (id, status) kept once, unknown ones too")

		changed, err := h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.unknown", State: "read"})
		require.NoError(t, err)
		assert.False(t, changed, "statuses of messages we never sent are ignored")
		_, err = h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.1"})
		require.Error(t, err, "a status without a state is refused")
	})
}

// A provider can report on a message before Send has returned its id to the outbox
// (WhatsApp's statuses race the send's response): the statuses kept meanwhile apply once
// the id is recorded, the furthest known one winning.
func TestDeliveryStatusBeforeTheSendIsRecorded(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351556", ExternalID: "in-early", Text: "hola"})
		require.NoError(t, err)
		ids, err := h.svc.Pending(ctx)
		require.NoError(t, err)
		require.NoError(t, h.svc.Process(ctx, ids[0]))
		for _, st := range []string{"sent", "read", "delivered", "teleported"} {
			changed, err := h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.1", State: st})
			require.NoError(t, err, st)
			assert.False(t, changed, "%s: no message carries the id yet", st)
		}
		s := conversation.NewSender(h.db, senders{"whatsapp": &fakeChannel{}}, conversation.SenderOptions{Now: h.clock.Now})
		_, err = s.Flush(ctx)
		require.NoError(t, err)
		var st string
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("status").
			Where("direction = 'out' AND external_id = 'wamid.1'").Scan(ctx, &st))
		assert.Equal(t, "read", st, "the furthest status reported before the id was recorded applies")
	})
}

func TestFailedStatusBeforeDelivery(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351555", ExternalID: "in-1", Text: "hola"})
		require.NoError(t, err)
		require.NoError(t, h.svc.Recover(ctx))
		s := conversation.NewSender(h.db, senders{"whatsapp": &fakeChannel{}}, conversation.SenderOptions{Now: h.clock.Now})
		_, err = s.Flush(ctx)
		require.NoError(t, err)
		changed, err := h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.1", State: "failed", ErrorCode: "131026"})
		require.NoError(t, err)
		assert.True(t, changed)
		var st string
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("status").Where("external_id = 'wamid.1'").Scan(ctx, &st))
		assert.Equal(t, "failed", st)
		changed, err = h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.1", State: "delivered"})
		require.NoError(t, err)
		assert.False(t, changed, "failed is terminal")
	})
}

func TestSenderGivesUpAfterMaxAttempts(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351555", ExternalID: "d1", Text: "hola"})
		require.NoError(t, err)
		require.NoError(t, h.svc.Recover(ctx))
		ch := &fakeChannel{fails: 100}
		s := conversation.NewSender(h.db, senders{"whatsapp": ch}, conversation.SenderOptions{Now: h.clock.Now, MaxAttempts: 3})
		for i := 0; i < 5; i++ {
			_, err := s.Flush(ctx)
			require.NoError(t, err)
			h.clock.Set(h.clock.Now().Add(10 * time.Minute))
		}
		var item store.OutboxItem
		require.NoError(t, h.db.NewSelect().Model(&item).Scan(ctx))
		assert.Equal(t, "dead", item.Status)
		assert.Equal(t, 3, item.Attempts)
		assert.Contains(t, item.LastError, "provider timeout")
	})
}

func TestEscalationPausesTheBotUntilReleased(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.converse(t, "guest-2", "jajaja")
		out := h.converse(t, "guest-2", "asdf")
		assert.Contains(t, joined(out), "Te derivo a un humano en minutos y seguimos por acá")
		var conv store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("contact = 'guest-2'").Scan(ctx))
		assert.Equal(t, conversation.StateEscalated, conv.State)
		assert.Equal(t, dialog.ReasonFallbacks, conv.EscalationReason)

		out = h.converse(t, "guest-2", "hola")
		assert.Empty(t, out, "the bot is paused")
		var last store.Message
		require.NoError(t, h.db.NewSelect().Model(&last).Order("id DESC").Limit(1).Scan(ctx))
		assert.Equal(t, conversation.StatusHeld, last.Status)

		require.NoError(t, h.svc.Release(ctx, conv.ID, "staff:admin"))
		out = h.converse(t, "guest-2", "hola")
		assert.Contains(t, joined(out), "¡Hola! 👋")
		require.NoError(t, h.svc.Escalate(ctx, conv.ID, "taken over"))
		require.NoError(t, h.svc.Escalate(ctx, conv.ID, "taken over"), "idempotent")
		assert.ErrorIs(t, h.svc.Release(ctx, 9999, "x"), conversation.ErrNotFound)
	})
}

func TestFollowUpsWaitForTheEndOfQuietHours(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.converse(t, "guest-3", "hola")
		var conv store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("contact = 'guest-3'").Scan(ctx))
		night := time.Date(2026, 11, 29, 2, 30, 0, 0, time.UTC) // 23:30 in Buenos Aires
		h.clock.Set(night)
		require.NoError(t, h.svc.Notify(ctx, conv.ID, "pedir_fechas", nil, conversation.FollowUp, "followup:1"))
		require.NoError(t, h.svc.Notify(ctx, conv.ID, "pedir_personas", nil, conversation.Transactional, "now:1"))
		require.NoError(t, h.svc.Notify(ctx, conv.ID, "pedir_personas", nil, conversation.Transactional, "now:1"), "same key: once")
		var items []store.OutboxItem
		require.NoError(t, h.db.NewSelect().Model(&items).Where("idempotency_key IN ('followup:1', 'now:1')").Order("id").Scan(ctx))
		require.Len(t, items, 2)
		assert.Equal(t, time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), items[0].NotBefore.UTC(), "08:00 in Buenos Aires")
		assert.Equal(t, night, items[1].NotBefore.UTC())

		out, err := h.svc.TakePending(ctx, conv.ID, "webchat")
		require.NoError(t, err)
		require.Len(t, out, 1, "the follow-up is not due yet")
		assert.Equal(t, "¿Para cuántas personas sería?", out[0].Text)
	})
}

func TestConfirmationIsSentOnceWhenStaffConfirm(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		w := conversation.NewConfirmationWatcher(h.svc, 0)
		_, err := w.Step(ctx)
		require.NoError(t, err)
		h.converse(t, "guest-4", "Hola, para 4 del 5 al 8/1")
		h.converse(t, "guest-4", "Cabaña")
		_, err = h.booking.Confirm(ctx, "RES270105001", booking.ConfirmInput{PaidCents: 4_050_000, By: "staff:admin"})
		require.NoError(t, err)
		n, err := w.Step(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		n, err = w.Step(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n)
		require.NoError(t, h.svc.NotifyConfirmed(ctx, "RES270105001"), "a replay")
		out := h.converse(t, "guest-4", "hola")
		require.Len(t, out, 2)
		assert.Contains(t, out[0].Text, "🎉 ¡Reserva confirmada! Código RES270105001.")
		assert.Contains(t, out[0].Text, "del martes 5/1 al viernes 8/1")
		assert.Contains(t, out[0].Text, "Check-in desde las 14:00, check-out hasta las 10:00")
		assert.Contains(t, out[0].Text, "https://maps.google.com/?q=-31.9786,-64.5592")
	})
}

func TestPaymentRejectedTwiceHandsOff(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.converse(t, "guest-5", "hola")
		var conv store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&conv).Where("contact = 'guest-5'").Scan(ctx))
		require.NoError(t, h.svc.PaymentRejected(ctx, conv.ID))
		require.NoError(t, h.svc.PaymentRejected(ctx, conv.ID))
		require.NoError(t, h.db.NewSelect().Model(&conv).WherePK().Scan(ctx))
		assert.Equal(t, conversation.StateEscalated, conv.State)
		assert.Equal(t, dialog.ReasonPaymentRejected, conv.EscalationReason)
		out, err := h.svc.TakePending(ctx, conv.ID, "webchat")
		require.NoError(t, err)
		assert.Contains(t, joined(out), "Te derivo a un humano")
	})
}

// Two replicas share the database and a Redis Locker: turns of one conversation still run
// one at a time, in arrival order, each answered once.
func TestTwoReplicasWithRedisAnswerEachMessageOnce(t *testing.T) {
	url := storetest.RedisURL(t)
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	h := newHarness(t, storetest.SQLite(t))
	locker := lock.NewRedis(client, "conserje-test-"+t.Name()+":")
	replicaA := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Locker: locker})
	replicaB := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Locker: locker})
	ctx := context.Background()
	var conv int64
	for i, text := range []string{"quiero reservar", "Hola, para 4 del 5 al 8/1", "Cabaña"} {
		rec, err := replicaA.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+549351999", ExternalID: fmt.Sprintf("r%d", i), Text: text})
		require.NoError(t, err)
		conv = rec.ConversationID
	}
	var wg sync.WaitGroup
	for _, r := range []*conversation.Service{replicaA, replicaB, replicaA, replicaB} {
		wg.Add(1)
		go func(r *conversation.Service) {
			defer wg.Done()
			assert.NoError(t, r.Process(ctx, conv))
		}(r)
	}
	wg.Wait()
	var n int
	n, err = h.db.NewSelect().Model((*store.OutboxItem)(nil)).Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}

func TestMetricsCountTurnsHandoffsAndSends(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := conversation.NewMetrics(reg)
	require.NoError(t, err)
	_, err = conversation.NewMetrics(reg)
	require.Error(t, err, "registering twice is refused")

	h := newHarness(t, storetest.SQLite(t))
	svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Metrics: m})
	ctx := context.Background()
	for _, text := range []string{"hola", "jajaja", "asdf qwerty", "hola"} {
		_, _, err := svc.Converse(ctx, conversation.Inbound{Channel: "webchat", Contact: "m1", Text: text})
		require.NoError(t, err)
	}
	turns := func(outcome string) float64 {
		return sumSeries(t, reg, "conserje_conversation_turns_total", map[string]string{"channel": "webchat", "modality": "text", "outcome": outcome})
	}
	assert.Equal(t, 1.0, turns(conversation.OutcomeAnswered), "the greeting")
	assert.Equal(t, 1.0, turns(conversation.OutcomeFallback), "gibberish is a fallback, not an answer")
	assert.Equal(t, 1.0, turns(conversation.OutcomeHandoff), "the second fallback in a row hands over")
	assert.Equal(t, 1.0, turns(conversation.OutcomeHeld), "staff have it now")
	assert.Equal(t, 1.0, testutil.ToFloat64(m.HandoffsCounter(dialog.ReasonFallbacks)))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.StartedCounter("webchat")), "one conversation, however many messages")
	assert.Equal(t, 3.0, sumSeries(t, reg, "conserje_response_seconds_count", map[string]string{"channel": "webchat", "modality": "text"}),
		"every answered web-chat turn is a response handed over in the request")

	_, err = svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: "+1", ExternalID: "x", Text: "hola"})
	require.NoError(t, err)
	require.NoError(t, svc.Recover(ctx))
	s := conversation.NewSender(h.db, senders{"whatsapp": &fakeChannel{fails: 1}}, conversation.SenderOptions{Now: h.clock.Now, Metrics: m})
	_, err = s.Flush(ctx)
	require.NoError(t, err)
	h.clock.Set(h.clock.Now().Add(time.Minute))
	_, err = s.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1.0, sumSeries(t, reg, "conserje_outbox_sends_total", map[string]string{"channel": "whatsapp", "result": "retry"}))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.SendsCounter("whatsapp", "sent", "none")))
	assert.Equal(t, 1.0, sumSeries(t, reg, "conserje_outbox_delivery_seconds_count", map[string]string{"channel": "whatsapp"}))
	// The reply reached WhatsApp a minute after the guest wrote (the first try failed).
	assert.Equal(t, 60.0, sumSeries(t, reg, "conserje_response_seconds_sum", map[string]string{"channel": "whatsapp"}))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.StartedCounter("whatsapp")))
}

// sumSeries adds the values of every series of a metric family (counter, or a histogram's
// _count/_sum) whose labels include want.
func sumSeries(t *testing.T, g prometheus.Gatherer, name string, want map[string]string) float64 {
	t.Helper()
	families, err := g.Gather()
	require.NoError(t, err)
	family, part := name, ""
	for _, suffix := range []string{"_count", "_sum"} {
		if strings.HasSuffix(name, suffix) && !strings.HasSuffix(name, "_total") {
			family, part = strings.TrimSuffix(name, suffix), suffix
		}
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
	series:
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			switch {
			case mt.GetCounter() != nil:
				total += mt.GetCounter().GetValue()
			case part == "_count":
				total += float64(mt.GetHistogram().GetSampleCount())
			case part == "_sum":
				total += mt.GetHistogram().GetSampleSum()
			}
		}
	}
	return total
}

func TestMessageKinds(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		say := func(in conversation.Inbound) []conversation.Outgoing {
			t.Helper()
			in.Channel, in.Contact, in.AddressKind = "wa-robles", "5491147305519", conversation.AddressPhone
			_, out, err := h.svc.Converse(ctx, in)
			require.NoError(t, err)
			return out
		}
		t.Run("a voice note is kept with its media id and asked to be written", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "v1", Kind: conversation.KindAudio,
				Content: conversation.Content{Media: &conversation.Media{ID: "2278450193366810", MIME: "audio/ogg; codecs=opus", Voice: true}}})
			assert.Contains(t, joined(out), "¿me lo escribís?")
			var m store.Message
			require.NoError(t, h.db.NewSelect().Model(&m).Where("external_id = 'v1'").Scan(ctx))
			assert.Equal(t, "audio", m.Kind)
			c, err := conversation.DecodeContent(m.Payload)
			require.NoError(t, err)
			assert.Equal(t, "2278450193366810", c.Media.ID)
			assert.True(t, c.Media.Voice)
		})
		t.Run("an image is thanked", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "i1", Kind: conversation.KindImage, Text: "Ahí va la captura",
				Content: conversation.Content{Media: &conversation.Media{ID: "m2", MIME: "image/jpeg"}}})
			assert.Contains(t, joined(out), "Gracias por la imagen")
		})
		t.Run("a location gets ours", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "l1", Kind: conversation.KindLocation,
				Content: conversation.Content{Location: &conversation.Location{Latitude: -31.97, Longitude: -64.55}}})
			assert.Contains(t, joined(out), "Gracias por la ubicación")
			assert.Contains(t, joined(out), "Cómo llegar")
		})
		t.Run("a reaction is kept and not answered", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "r1", Kind: conversation.KindReaction,
				Content: conversation.Content{Reaction: &conversation.Reaction{MessageID: "wamid.x", Emoji: "😍"}}})
			assert.Empty(t, out)
		})
		t.Run("content from the future is answered with a fallback", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "u1", Kind: conversation.KindUnsupported, Content: conversation.Content{RawType: "mixed_reality"}})
			assert.Contains(t, joined(out), "¿Me lo escribís?")
		})
		t.Run("a tap picks exactly its option, and the phone goes on the hold", func(t *testing.T) {
			out := say(conversation.Inbound{ExternalID: "t1", Text: "Hola, para 4 del 5 al 8/1"})
			require.NotEmpty(t, out)
			require.Len(t, out[0].Buttons, 2)
			require.Equal(t, "Cabaña Coihue", out[0].Buttons[1].Title)
			// The title says Robles; the id (what the guest tapped) says Coihue: the id wins.
			out = say(conversation.Inbound{ExternalID: "t2", Kind: conversation.KindOption, Text: "Cabaña Robles",
				Content: conversation.Content{OptionID: out[0].Buttons[1].ID, ReplyTo: "wamid.offer"}})
			assert.Contains(t, joined(out), "Coihue")
			var res store.Reservation
			require.NoError(t, h.db.NewSelect().Model(&res).Order("id DESC").Limit(1).Scan(ctx))
			assert.Equal(t, "5491147305519", res.GuestPhone, "the address kind, not the channel's name, says it is a phone")
		})
		t.Run("empty content is refused", func(t *testing.T) {
			_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "wa-robles", Contact: "549", Kind: conversation.KindAudio})
			require.ErrorIs(t, err, conversation.ErrEmptyMessage)
		})
	})
}

// A web chat message with the page's message id is answered once (issue 10, item 9): a
// retry after a reply that failed (the message stored, no turn yet) runs its turn once, and
// a retry of an answered message gets the same replies again without a second turn.
func TestConverseIsIdempotentPerClientMessageID(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		in := conversation.Inbound{Channel: "webchat", Contact: "wc_0123456789abcdef01234567", ExternalID: "wc_0123456789abcdef01234567:m1", Text: "Hola, para 4 del 5 al 8/1"}
		counts := func() (inbound, outbound, turns int) {
			var err error
			inbound, err = h.db.NewSelect().Model((*store.Message)(nil)).Where("direction = 'in'").Count(ctx)
			require.NoError(t, err)
			outbound, err = h.db.NewSelect().Model((*store.Message)(nil)).Where("direction = 'out'").Count(ctx)
			require.NoError(t, err)
			turns, err = h.db.NewSelect().Model((*store.Message)(nil)).Where("direction = 'in' AND status = ?", conversation.StatusProcessed).Count(ctx)
			require.NoError(t, err)
			return
		}

		// The first request stored the message and failed before its reply.
		_, err := h.svc.Receive(ctx, in)
		require.NoError(t, err)
		// The retry answers it.
		rec, first, err := h.svc.Converse(ctx, in)
		require.NoError(t, err)
		assert.True(t, rec.Duplicate)
		require.Len(t, first, 1)
		assert.Contains(t, first[0].Text, "Cabaña Robles: $45.000/noche")
		i, o, n := counts()
		assert.Equal(t, []int{1, 1, 1}, []int{i, o, n})

		// Retries of the answered message: the same replies, no second turn.
		for range 2 {
			_, again, err := h.svc.Converse(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, joined(first), joined(again))
			assert.Equal(t, first[0].Buttons, again[0].Buttons)
		}
		i, o, n = counts()
		assert.Equal(t, []int{1, 1, 1}, []int{i, o, n}, "one message, one reply, one turn")

		// The next message (another id) is a new turn that reads the first.
		next := in
		next.ExternalID, next.Text = "wc_0123456789abcdef01234567:m2", "Cabaña"
		_, out, err := h.svc.Converse(ctx, next)
		require.NoError(t, err)
		assert.Contains(t, joined(out), "la seña es de $40.500")
		_, again, err := h.svc.Converse(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, joined(first), joined(again), "an older message's retry still gets its own replies")
	})
}

// sameIDChannel answers every send with one provider id, as a provider that reuses ids.
type sameIDChannel struct{}

func (sameIDChannel) Send(context.Context, conversation.Outbound) (string, error) {
	return "wamid.same", nil
}

// TestSendWithAReusedProviderID: the provider's id stays on the first message that got it;
// a later message given the same id is recorded sent without it (statuses for the id
// cannot be told apart), and statuses kept for the id do not move it.
func TestSendWithAReusedProviderID(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := conversation.NewSender(h.db, senders{"whatsapp": sameIDChannel{}}, conversation.SenderOptions{Now: h.clock.Now})
		for i, contact := range []string{"+549351561", "+549351562"} {
			_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", Contact: contact, ExternalID: fmt.Sprint("in-reused-", i), Text: "hola"})
			require.NoError(t, err)
			require.NoError(t, h.svc.Recover(ctx))
			if i == 1 {
				_, err := h.svc.RecordDelivery(ctx, conversation.Delivery{Channel: "whatsapp", ExternalID: "wamid.same", State: "read"})
				require.NoError(t, err)
			}
			_, err = s.Flush(ctx)
			require.NoError(t, err)
		}
		var out []store.Message
		require.NoError(t, h.db.NewSelect().Model(&out).Where("direction = 'out'").Order("id").Scan(ctx))
		require.Len(t, out, 2)
		require.NotNil(t, out[0].ExternalID)
		assert.Equal(t, "wamid.same", *out[0].ExternalID)
		assert.Equal(t, "read", out[0].Status, "the status applies to the message that has the id")
		assert.Nil(t, out[1].ExternalID, "the id stays with the first message")
		assert.Equal(t, "sent", out[1].Status)
	})
}
