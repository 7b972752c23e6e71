package channel_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	sdkchannel "github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// pullConversations is the fake conversation service plus what a Puller needs.
type pullConversations struct {
	*fakeConversations
	log       *[]string
	escalated map[int64]string
	failed    []conversation.Delivery
	failNext  error
}

func (f *pullConversations) Receive(ctx context.Context, in conversation.Inbound) (conversation.Received, error) {
	if err := f.failNext; err != nil {
		f.failNext = nil
		return conversation.Received{}, err
	}
	*f.log = append(*f.log, "store "+in.ExternalID)
	return f.fakeConversations.Receive(ctx, in)
}

func (f *pullConversations) Escalate(_ context.Context, id int64, reason string) error {
	f.escalated[id] = reason
	return nil
}

func (f *pullConversations) RecordDelivery(_ context.Context, d conversation.Delivery) (bool, error) {
	f.failed = append(f.failed, d)
	return true, nil
}

// pullSource streams a fixed list after the cursor it is given, like a mailbox.
type pullSource struct {
	mu     sync.Mutex
	items  []sdkchannel.InboundMessage
	log    *[]string
	cursor []string // cursors Receive was opened with
	open   chan struct{}
}

func (s *pullSource) Receive(ctx context.Context, req sdkchannel.ReceiveRequest, emit func(sdkchannel.InboundMessage) error) error {
	s.mu.Lock()
	s.cursor = append(s.cursor, req.Cursor)
	s.mu.Unlock()
	if s.open != nil {
		s.open <- struct{}{}
	}
	started := req.Cursor == ""
	for _, m := range s.items {
		if !started {
			started = m.Cursor == req.Cursor
			continue
		}
		if err := emit(m); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func (s *pullSource) Ack(_ context.Context, req sdkchannel.AckRequest) error {
	*s.log = append(*s.log, "ack "+req.Cursor)
	return nil
}

// cursorLog wraps the real store to record when cursors are saved.
type cursorLog struct {
	*channel.BunPullStore
	log *[]string
}

func (c cursorLog) SaveCursor(ctx context.Context, ch, cur string) error {
	*c.log = append(*c.log, "cursor "+cur)
	return c.BunPullStore.SaveCursor(ctx, ch, cur)
}

func pullItems() []sdkchannel.InboundMessage {
	at := time.Date(2026, 12, 5, 2, 18, 41, 0, time.UTC)
	return []sdkchannel.InboundMessage{
		{ExternalID: "<m1@x>", From: "agus@example.com", Text: "Hola, ¿del 6 al 12/2 para 4?", Cursor: "7:1", ReceivedAt: at, Type: sdkchannel.TypeText},
		{ExternalID: "<ooo@x>", Subject: "De vacaciones", Cursor: "7:2", ReceivedAt: at,
			Notice: &sdkchannel.Notice{Kind: sdkchannel.NoticeSkip, Reason: "automatic_mail: Auto-Submitted: auto-replied", Category: "auto_reply"}},
		{ExternalID: "<dsn@x>", Cursor: "7:3", ReceivedAt: at, Notice: &sdkchannel.Notice{Kind: sdkchannel.NoticeBounce,
			Reason: "bounce: empty Return-Path <>", Category: "bounce", FailedMessageID: "<conserje.1@ours>", FailedRecipient: "nico@example.com"}},
		{ExternalID: "<supp@x>", From: "ldominguez@example.com", Text: "¿Tienen lugar del 22 al 25/2?", Cursor: "7:4", ReceivedAt: at,
			Notice: &sdkchannel.Notice{Kind: sdkchannel.NoticeHandoff, Reason: "auto_response_suppressed: X-Auto-Response-Suppress: All", Category: "direct_inquiry"}},
		{ExternalID: "<airbnb@x>", Text: "¿Está disponible para 3?", Cursor: "7:5", ReceivedAt: at,
			Notice:   &sdkchannel.Notice{Kind: sdkchannel.NoticeHandoff, Reason: "no_reply_path: airbnb", Category: "portal_inquiry_no_reply_path"},
			Metadata: map[string]string{"listing_ref": "airbnb:thread/1911208837"}},
		{ExternalID: "<m2@x>", From: "paula@example.com", Text: "del 27/12 al 1/1", Cursor: "7:6", ReceivedAt: at, Type: sdkchannel.TypeText},
	}
}

type pullFixture struct {
	db     *store.DB
	log    []string
	conv   *pullConversations
	src    *pullSource
	store  *channel.BunPullStore
	puller *channel.Puller
}

func newPullFixture(t *testing.T, db *store.DB, locker lock.Locker) *pullFixture {
	f := &pullFixture{db: db}
	f.conv = &pullConversations{fakeConversations: newFake(), log: &f.log, escalated: map[int64]string{}}
	f.src = &pullSource{items: pullItems(), log: &f.log}
	f.store = channel.NewPullStore(db.DB)
	router := channel.NewRouter(f.conv, channel.RouterOptions{})
	f.puller = channel.NewPuller("email", func() (channel.PullSource, error) { return f.src, nil }, router, f.conv,
		cursorLog{f.store, &f.log}, locker, channel.PullerOptions{AddressKind: plugin.AddressEmail, Lease: time.Second})
	return f
}

// TestPullerStoresThenSavesThenAcks: every kind of item is stored as its notice says,
// and only then is the cursor saved and the plugin acknowledged.
func TestPullerStoresThenSavesThenAcks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPullFixture(t, db, lock.NewMemory(nil))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := f.puller.Stream(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)

		assert.Equal(t, []string{
			"store <m1@x>", "cursor 7:1", "ack 7:1",
			"cursor 7:2", "ack 7:2",
			"cursor 7:3", "ack 7:3",
			"store <supp@x>", "cursor 7:4", "ack 7:4",
			"cursor 7:5", "ack 7:5",
			"store <m2@x>", "cursor 7:6", "ack 7:6",
		}, f.log)
		// The suppressed inquiry is stored and escalated: staff answer, the bot does not.
		require.Len(t, f.conv.escalated, 1)
		for _, reason := range f.conv.escalated {
			assert.Contains(t, reason, "auto_response_suppressed")
		}
		require.Len(t, f.conv.failed, 1)
		assert.Equal(t, conversation.Delivery{Channel: "email", ExternalID: "<conserje.1@ours>", State: conversation.StatusFailed,
			Recipient: "nico@example.com", Error: "bounce: empty Return-Path <>", At: pullItems()[2].ReceivedAt}, f.conv.failed[0])

		cur, err := f.store.Cursor(context.Background(), "email")
		require.NoError(t, err)
		assert.Equal(t, "7:6", cur)
		notices, err := f.store.Notices(context.Background(), "", 10)
		require.NoError(t, err)
		bounces, err := f.store.Notices(context.Background(), "bounce", 10)
		require.NoError(t, err)
		require.Len(t, bounces, 1)
		assert.Equal(t, "<dsn@x>", bounces[0].ExternalID)
		assert.Equal(t, "nico@example.com", bounces[0].Metadata["failed_recipient"], "staff see who it bounced for")
		kinds := map[string]channel.Notice{}
		for _, n := range notices {
			kinds[n.ExternalID] = n
		}
		assert.Len(t, notices, 4)
		assert.Equal(t, "skip", kinds["<ooo@x>"].Kind)
		assert.Equal(t, "bounce", kinds["<dsn@x>"].Kind)
		assert.Equal(t, "handoff", kinds["<supp@x>"].Kind)
		assert.NotZero(t, kinds["<supp@x>"].ConversationID)
		assert.Equal(t, "handoff", kinds["<airbnb@x>"].Kind)
		assert.Equal(t, "airbnb:thread/1911208837", kinds["<airbnb@x>"].Metadata["listing_ref"])
		assert.Equal(t, "¿Está disponible para 3?", kinds["<airbnb@x>"].Text)

		// Reopened (a restart): from the stored cursor, nothing again.
		f.log = nil
		ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel2()
		_ = f.puller.Stream(ctx2)
		assert.Empty(t, f.log)
		assert.Equal(t, []string{"", "7:6"}, f.src.cursor)
	})
}

// TestPullerStoreFailure: an item the core cannot store ends the stream before its
// cursor is saved or acknowledged; the next stream starts from it again.
func TestPullerStoreFailure(t *testing.T) {
	f := newPullFixture(t, storetest.SQLite(t), lock.NewMemory(nil))
	f.src.items = f.src.items[:1]
	f.conv.failNext = errors.New("database is gone")
	err := f.puller.Stream(context.Background())
	require.ErrorContains(t, err, "database is gone")
	assert.Empty(t, f.log)
	cur, err := f.store.Cursor(context.Background(), "email")
	require.NoError(t, err)
	assert.Empty(t, cur)
}

// TestPullerLease: two replicas, one mailbox: only the lease holder streams.
func TestPullerLease(t *testing.T) {
	db := storetest.SQLite(t)
	locker := lock.NewMemory(nil)
	a, b := newPullFixture(t, db, locker), newPullFixture(t, db, locker)
	opened := make(chan struct{}, 4)
	a.src.open, b.src.open = opened, opened
	a.src.items, b.src.items = nil, nil
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, f := range []*pullFixture{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); f.puller.Run(ctx) }()
	}
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("no replica opened the stream")
	}
	select {
	case <-opened:
		t.Fatal("two replicas stream the same mailbox")
	case <-time.After(1500 * time.Millisecond): // longer than the lease: renewal works
	}
	cancel()
	wg.Wait()
}
