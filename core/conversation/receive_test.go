package conversation_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestReceiveStoresEachMessageOnceUnderConcurrency delivers the messages of new guests
// from many goroutines at once, every one of them twice: each message is stored once,
// exactly one delivery of each is not a duplicate, each guest gets one conversation, and
// each conversation is counted as started once (its first message).
func TestReceiveStoresEachMessageOnceUnderConcurrency(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		m, err := conversation.NewMetrics(prometheus.NewRegistry())
		require.NoError(t, err)
		svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Metrics: m})
		const guests, perGuest = 6, 3
		var ins []conversation.Inbound
		for g := range guests {
			for i := range perGuest {
				ins = append(ins, conversation.Inbound{Channel: "whatsapp", Contact: fmt.Sprintf("+54935100000%d", g),
					ExternalID: fmt.Sprintf("wamid.%d.%d", g, i), Text: "hola", AddressKind: conversation.AddressPhone})
			}
		}
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			stored   = map[string]int64{}
			fresh    = map[string]int{}
			failures []error
		)
		for round := range 2 {
			for _, in := range ins {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec, err := svc.Receive(ctx, in)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						failures = append(failures, fmt.Errorf("round %d %s: %w", round, in.ExternalID, err))
						return
					}
					if id, ok := stored[in.ExternalID]; ok && id != rec.MessageID {
						failures = append(failures, fmt.Errorf("%s stored as %d and %d", in.ExternalID, id, rec.MessageID))
					}
					stored[in.ExternalID] = rec.MessageID
					if !rec.Duplicate {
						fresh[in.ExternalID]++
					}
				}()
			}
		}
		wg.Wait()
		require.Empty(t, failures)
		for _, in := range ins {
			assert.Equal(t, 1, fresh[in.ExternalID], "%s: one delivery stored it, the other was its duplicate", in.ExternalID)
		}
		n, err := h.db.NewSelect().Model((*store.Message)(nil)).Where("direction = 'in'").Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, guests*perGuest, n, "every message stored once")
		var perConv []int
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).ColumnExpr("count(*)").
			Where("direction = 'in'").Group("conversation_id").Scan(ctx, &perConv))
		assert.Len(t, perConv, guests, "one conversation per guest")
		for _, c := range perConv {
			assert.Equal(t, perGuest, c)
		}
		assert.Equal(t, float64(guests), testutil.ToFloat64(m.StartedCounter("whatsapp")), "each conversation started once")
	})
}

// TestReceiveUpdatesTheConversation: what a later message changes in its conversation.
func TestReceiveUpdatesTheConversation(t *testing.T) {
	cases := []struct {
		name               string
		first, later       conversation.Inbound
		wantName, wantKind string
		wantAddress        string
	}{
		{
			name:     "the first name stays",
			first:    conversation.Inbound{GuestName: "Agustina", AddressKind: conversation.AddressPhone, To: "111"},
			later:    conversation.Inbound{GuestName: "Agus"},
			wantName: "Agustina", wantKind: conversation.AddressPhone, wantAddress: "111",
		},
		{
			name:     "a name arrives later",
			first:    conversation.Inbound{},
			later:    conversation.Inbound{GuestName: "Agustina", AddressKind: conversation.AddressPhone, To: "222"},
			wantName: "Agustina", wantKind: conversation.AddressPhone, wantAddress: "222",
		},
		{
			name:     "our number and the address kind follow the latest message",
			first:    conversation.Inbound{AddressKind: "opaque", To: "111"},
			later:    conversation.Inbound{AddressKind: conversation.AddressPhone, To: "222"},
			wantKind: conversation.AddressPhone, wantAddress: "222",
		},
	}
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m, err := conversation.NewMetrics(prometheus.NewRegistry())
				require.NoError(t, err)
				svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Metrics: m})
				contact := fmt.Sprintf("+5493512%06d", i)
				first, later := tc.first, tc.later
				for j, in := range []*conversation.Inbound{&first, &later} {
					in.Channel, in.Contact, in.Text, in.ExternalID = "whatsapp", contact, "hola", fmt.Sprintf("wamid.upd.%d.%d", i, j)
				}
				a, err := svc.Receive(ctx, first)
				require.NoError(t, err)
				h.clock.Set(h.clock.Now().Add(2 * time.Second))
				b, err := svc.Receive(ctx, later)
				require.NoError(t, err)
				assert.Equal(t, a.ConversationID, b.ConversationID)
				assert.NotEqual(t, a.MessageID, b.MessageID)
				var conv store.Conversation
				require.NoError(t, h.db.NewSelect().Model(&conv).Where("id = ?", b.ConversationID).Scan(ctx))
				assert.Equal(t, tc.wantName, conv.GuestName)
				assert.Equal(t, tc.wantKind, conv.AddressKind)
				assert.Equal(t, tc.wantAddress, conv.ChannelAddress)
				require.NotNil(t, conv.LastInboundAt)
				assert.True(t, conv.LastInboundAt.Equal(h.clock.Now()), "last inbound is the later message's")
				assert.True(t, conv.CreatedAt.Before(*conv.LastInboundAt), "created with the first")
				assert.Equal(t, 1.0, testutil.ToFloat64(m.StartedCounter("whatsapp")), "started by the first message only")
			})
		}
	})
}

// receiveQueued starts Receive calls one after another behind a held write, each queued
// before the next starts (so their order is the arrival order), and returns their results
// once the batch they form is written.
func receiveQueued(t *testing.T, svc *conversation.Service, ctxs []context.Context, ins []conversation.Inbound) ([]conversation.Received, []error) {
	t.Helper()
	release := svc.HoldIngest(t)
	recs, errs := make([]conversation.Received, len(ins)), make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		ctx := context.Background()
		if ctxs != nil {
			ctx = ctxs[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i], errs[i] = svc.Receive(ctx, in)
		}()
		svc.WaitQueued(t, i+1)
	}
	release()
	wg.Wait()
	return recs, errs
}

// TestReceiveWritesABurstTogether: messages that arrive while a write is in flight are
// stored together, with the same results as one by one: arrival order kept within a
// conversation, a message repeated in the burst or delivered before stored once, a
// conversation created once and counted as started once, its first name kept.
func TestReceiveWritesABurstTogether(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		m, err := conversation.NewMetrics(prometheus.NewRegistry())
		require.NoError(t, err)
		svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Metrics: m})
		in := func(contact, id, name string) conversation.Inbound {
			return conversation.Inbound{Channel: "whatsapp", Contact: contact, ExternalID: id, Text: "hola " + id, GuestName: name,
				AddressKind: conversation.AddressPhone, To: "613058842097135"}
		}
		const ana, bruno, carla = "+5493510000001", "+5493510000002", "+5493510000003"
		earlier, err := svc.Receive(ctx, in(carla, "wamid.c1", "Carla"))
		require.NoError(t, err)
		burst := []conversation.Inbound{
			in(ana, "wamid.a1", ""),
			in(bruno, "wamid.b1", "Bruno"),
			in(ana, "wamid.a2", "Agustina"),
			in(ana, "wamid.a1", ""), // the provider delivered it twice
			in(carla, "wamid.c1", "Carla"),
			in(carla, "wamid.c2", "Carla"),
			in(ana, "wamid.a3", "Agus"),
		}
		recs, errs := receiveQueued(t, svc, nil, burst)
		for i, err := range errs {
			require.NoError(t, err, burst[i].ExternalID)
		}
		a1, b1, a2, a1again, c1again, c2, a3 := recs[0], recs[1], recs[2], recs[3], recs[4], recs[5], recs[6]
		for _, r := range []conversation.Received{a1, b1, a2, c2, a3} {
			assert.False(t, r.Duplicate)
		}
		assert.Equal(t, conversation.Received{ConversationID: a1.ConversationID, MessageID: a1.MessageID, Duplicate: true}, a1again)
		assert.Equal(t, conversation.Received{ConversationID: earlier.ConversationID, MessageID: earlier.MessageID, Duplicate: true}, c1again)
		assert.Equal(t, earlier.ConversationID, c2.ConversationID, "a returning guest keeps her conversation")
		assert.Equal(t, []int64{a1.ConversationID, a1.ConversationID}, []int64{a2.ConversationID, a3.ConversationID})
		assert.NotEqual(t, a1.ConversationID, b1.ConversationID)
		assert.Less(t, a1.MessageID, a2.MessageID, "arrival order kept")
		assert.Less(t, a2.MessageID, a3.MessageID, "arrival order kept")

		var convs []store.Conversation
		require.NoError(t, h.db.NewSelect().Model(&convs).Where("channel = 'whatsapp'").Order("contact").Scan(ctx))
		require.Len(t, convs, 3)
		assert.Equal(t, []string{"Agustina", "Bruno", "Carla"}, []string{convs[0].GuestName, convs[1].GuestName, convs[2].GuestName})
		for _, c := range convs {
			assert.Equal(t, "613058842097135", c.ChannelAddress)
			assert.Equal(t, conversation.AddressPhone, c.AddressKind)
		}
		var texts []string
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("text").
			Where("conversation_id = ? AND direction = 'in'", a1.ConversationID).Order("id").Scan(ctx, &texts))
		assert.Equal(t, []string{"hola wamid.a1", "hola wamid.a2", "hola wamid.a3"}, texts)
		n, err := h.db.NewSelect().Model((*store.Message)(nil)).Where("direction = 'in'").Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 6, n, "c1, a1, b1, a2, c2, a3: each once")
		assert.Equal(t, 3.0, testutil.ToFloat64(m.StartedCounter("whatsapp")), "Carla's before, Ana's and Bruno's in the burst")
	})
}

// TestReceiveBurstWithACancelledRequest: a request that gave up while queued is not
// stored (its provider retries it); the others in its batch are.
func TestReceiveBurstWithACancelledRequest(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		gone, cancel := context.WithCancel(ctx)
		ctxs := []context.Context{ctx, gone, ctx}
		ins := []conversation.Inbound{
			{Channel: "whatsapp", Contact: "+5493510000011", ExternalID: "wamid.x1", Text: "hola"},
			{Channel: "whatsapp", Contact: "+5493510000012", ExternalID: "wamid.x2", Text: "hola"},
			{Channel: "whatsapp", Contact: "+5493510000013", ExternalID: "wamid.x3", Text: "hola"},
		}
		cancel()
		_, errs := receiveQueued(t, h.svc, ctxs, ins)
		require.NoError(t, errs[0])
		require.ErrorIs(t, errs[1], context.Canceled)
		require.NoError(t, errs[2])
		var ids []string
		require.NoError(t, h.db.NewSelect().Model((*store.Message)(nil)).Column("external_id").
			Where("direction = 'in'").Order("external_id").Scan(ctx, &ids))
		assert.Equal(t, []string{"wamid.x1", "wamid.x3"}, ids)
	})
}

// TestIngestBusy: busy while messages queue up behind a write (four or more), not when
// one or a few meet a write, as ordinary traffic does.
func TestIngestBusy(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	assert.False(t, h.svc.IngestBusy(), "nothing received yet")
	_, err := h.svc.Receive(context.Background(), conversation.Inbound{Channel: "whatsapp", Contact: "+5493510000021", ExternalID: "wamid.y1", Text: "hola"})
	require.NoError(t, err)
	assert.False(t, h.svc.IngestBusy(), "a lone message waits for nobody")
	release := h.svc.HoldIngest(t)
	done := make(chan error, 4)
	receive := func(i int) {
		_, err := h.svc.Receive(context.Background(), conversation.Inbound{Channel: "whatsapp", Contact: fmt.Sprintf("+54935100001%02d", i), ExternalID: fmt.Sprintf("wamid.z%d", i), Text: "hola"})
		done <- err
	}
	for i := range 3 {
		go receive(i)
	}
	h.svc.WaitQueued(t, 3)
	assert.False(t, h.svc.IngestBusy(), "three messages behind a write are ordinary traffic")
	go receive(3)
	h.svc.WaitQueued(t, 4)
	assert.True(t, h.svc.IngestBusy(), "four wait behind a write: a burst")
	release()
	for range 4 {
		require.NoError(t, <-done)
	}
}

// TestReceiveBurstWithARefusedMessage: a message the database refuses fails alone; the
// others of its batch are stored (each is written on its own after the batch failed).
// Keys with a NUL byte or invalid UTF-8 are stored as the driver writes them, and found.
func TestReceiveBurstWithARefusedMessage(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		refuse := []string{`CREATE TRIGGER refuse_message BEFORE INSERT ON messages
			FOR EACH ROW WHEN (NEW.text = 'refused') BEGIN SELECT RAISE(ABORT, 'message refused'); END`}
		if h.db.Dialect() == store.Postgres {
			refuse = []string{`CREATE FUNCTION refuse_message() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'message refused'; END $$`,
				`CREATE TRIGGER refuse_message BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.text = 'refused') EXECUTE FUNCTION refuse_message()`}
		}
		for _, q := range refuse {
			_, err := h.db.ExecContext(ctx, q)
			require.NoError(t, err)
		}
		ins := []conversation.Inbound{
			{Channel: "whatsapp", Contact: "+5493510000031", ExternalID: "wamid.r1", Text: "hola"},
			{Channel: "whatsapp", Contact: "+5493510000032", ExternalID: "wamid.r2", Text: "refused"},
			{Channel: "whatsapp", Contact: "+54935100000\x0033", ExternalID: "wamid.r3\xff", Text: "hola"},
		}
		recs, errs := receiveQueued(t, h.svc, nil, ins)
		require.NoError(t, errs[0])
		require.ErrorContains(t, errs[1], "message refused")
		require.NoError(t, errs[2])
		var stored []store.Message
		require.NoError(t, h.db.NewSelect().Model(&stored).Where("direction = 'in'").Order("id").Scan(ctx))
		require.Len(t, stored, 2)
		assert.Equal(t, []int64{recs[0].MessageID, recs[2].MessageID}, []int64{stored[0].ID, stored[1].ID})
		assert.Equal(t, "wamid.r3\uFFFD", *stored[1].ExternalID)
		var contact string
		require.NoError(t, h.db.NewSelect().Model((*store.Conversation)(nil)).Column("contact").Where("id = ?", recs[2].ConversationID).Scan(ctx, &contact))
		assert.Equal(t, "+5493510000033", contact)

		again, err := h.svc.Receive(ctx, ins[2])
		require.NoError(t, err)
		assert.Equal(t, conversation.Received{ConversationID: recs[2].ConversationID, MessageID: recs[2].MessageID, Duplicate: true}, again)
	})
}
