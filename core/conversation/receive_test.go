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
