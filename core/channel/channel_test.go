package channel_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeConversations struct {
	mu        sync.Mutex
	seen      map[string]bool
	ids       map[string]int64
	processed []int64
	pending   []int64
	done      chan int64
}

func newFake() *fakeConversations {
	return &fakeConversations{seen: map[string]bool{}, ids: map[string]int64{}, done: make(chan int64, 16)}
}

func (f *fakeConversations) Receive(_ context.Context, in conversation.Inbound) (conversation.Received, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.Text == "" {
		return conversation.Received{}, conversation.ErrEmptyMessage
	}
	if _, ok := f.ids[in.Contact]; !ok {
		f.ids[in.Contact] = int64(len(f.ids) + 1)
	}
	dup := f.seen[in.ExternalID]
	f.seen[in.ExternalID] = true
	return conversation.Received{ConversationID: f.ids[in.Contact], Duplicate: dup}, nil
}

func (f *fakeConversations) Process(_ context.Context, id int64) error {
	f.mu.Lock()
	f.processed = append(f.processed, id)
	f.mu.Unlock()
	f.done <- id
	return nil
}

func (f *fakeConversations) Pending(context.Context) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.pending...), nil
}

func TestRouterStoresThenAnswersInTheBackground(t *testing.T) {
	conv := newFake()
	conv.pending = []int64{42} // left by a crash
	r := channel.NewRouter(conv, channel.RouterOptions{Workers: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)

	got := map[int64]bool{}
	wait := func() {
		select {
		case id := <-conv.done:
			got[id] = true
		case <-time.After(5 * time.Second):
			t.Fatal("no turn ran")
		}
	}
	wait()
	assert.True(t, got[42], "the start-up sweep answers what a crash left")

	err := r.Deliver(ctx,
		conversation.Inbound{Channel: "whatsapp", Contact: "+1", ExternalID: "a", Text: "hola"},
		conversation.Inbound{Channel: "whatsapp", Contact: "+1", ExternalID: "a", Text: "hola"},
		conversation.Inbound{Channel: "whatsapp", Contact: "+2", ExternalID: "b", Text: ""},
	)
	require.NoError(t, err)
	wait()
	assert.True(t, got[1])
	select {
	case id := <-conv.done:
		t.Fatalf("conversation %d answered again: duplicates and empty messages are not scheduled", id)
	case <-time.After(100 * time.Millisecond):
	}
}

type nopSender struct{}

func (nopSender) Send(context.Context, conversation.Outbound) (string, error) { return "", nil }

func TestRouterChannels(t *testing.T) {
	r := channel.NewRouter(newFake(), channel.RouterOptions{})
	require.NoError(t, r.Register("whatsapp", nopSender{}))
	require.NoError(t, r.Register("email", nopSender{}))
	assert.ErrorIs(t, r.Register("whatsapp", nopSender{}), channel.ErrDuplicateChannel)
	assert.Equal(t, []string{"email", "whatsapp"}, r.PushChannels())
	_, ok := r.Sender(channel.Webchat)
	assert.False(t, ok, "the web chat answers in its HTTP response")
}

type fakeConverse struct {
	got conversation.Inbound
	err error
}

func (f *fakeConverse) Converse(_ context.Context, in conversation.Inbound) (conversation.Received, []conversation.Outgoing, error) {
	f.got = in
	return conversation.Received{}, []conversation.Outgoing{{Text: "hola", Buttons: []dialog.Button{{ID: "1", Title: "Uno"}}}}, f.err
}

func TestWebchatValidatesAndMaps(t *testing.T) {
	conv := &fakeConverse{}
	w := channel.NewWebchat(conv)
	ctx := context.Background()
	res, err := w.Chat(ctx, "", "", "  hola  ")
	require.NoError(t, err)
	assert.True(t, channel.ValidConversationID(res.ConversationID))
	assert.Equal(t, conversation.Inbound{Channel: "webchat", Contact: res.ConversationID, AddressKind: "web", Text: "hola"}, conv.got)
	assert.Equal(t, []channel.ChatReply{{Text: "hola", Buttons: []channel.ChatButton{{ID: "1", Title: "Uno"}}}}, res.Replies)

	res, err = w.Chat(ctx, res.ConversationID, "m-0001_a", "otra")
	require.NoError(t, err)
	assert.Equal(t, res.ConversationID+":m-0001_a", conv.got.ExternalID, "the page's message id, scoped by its conversation")

	cases := []struct {
		name, id, msgID, text, field string
	}{
		{"bad id", "../etc", "", "hola", "conversation_id"},
		{"bad message id", "", "a b", "hola", "message_id"},
		{"overlong message id", "", strings.Repeat("a", 65), "hola", "message_id"},
		{"empty", "", "", "   ", "text"},
		{"too long", "", "", strings.Repeat("a", 2001), "text"},
		{"not utf-8", "", "", "\xff\xfe", "text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Chat(ctx, tc.id, tc.msgID, tc.text)
			ie, ok := channel.IsInputError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, ie.Field)
		})
	}
	conv.err = errors.New("db down")
	_, err = w.Chat(ctx, "", "", "hola")
	_, isInput := channel.IsInputError(err)
	assert.False(t, isInput)
}

// blockingConversations holds every turn until released and counts how many run at once.
type blockingConversations struct {
	*fakeConversations
	mu            sync.Mutex
	running, most int
	started       chan int64
	release       chan struct{}
}

func (b *blockingConversations) Process(ctx context.Context, id int64) error {
	b.mu.Lock()
	b.running++
	b.most = max(b.most, b.running)
	b.mu.Unlock()
	b.started <- id
	<-b.release
	b.mu.Lock()
	b.running--
	b.mu.Unlock()
	return nil
}

// TestRouterAnswersFewerAtOnceDuringABurst: while inbound messages queue up to be
// stored, one conversation is answered at a time (BusyWorkers); once the burst is over,
// the waiting turns start, up to Workers at once.
func TestRouterAnswersFewerAtOnceDuringABurst(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)
	conv := &blockingConversations{fakeConversations: newFake(), started: make(chan int64, 16), release: make(chan struct{})}
	r := channel.NewRouter(conv, channel.RouterOptions{Workers: 4, Busy: busy.Load})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	for i := range 4 {
		require.NoError(t, r.Deliver(ctx, conversation.Inbound{Channel: "whatsapp", Contact: fmt.Sprint("+", i), ExternalID: fmt.Sprint(i), Text: "hola"}))
	}
	<-conv.started
	select {
	case id := <-conv.started:
		t.Fatalf("conversation %d answered beside another during the burst", id)
	case <-time.After(100 * time.Millisecond):
	}
	busy.Store(false)
	for range 3 {
		select {
		case <-conv.started:
		case <-time.After(5 * time.Second):
			t.Fatal("the waiting turns did not start once the burst was over")
		}
	}
	conv.mu.Lock()
	assert.Equal(t, 4, conv.most, "all four at once after the burst")
	conv.mu.Unlock()
	close(conv.release)
}

// unansweredConversations answers instantly and lists what it has not answered yet.
type unansweredConversations struct {
	*fakeConversations
	answered map[int64]bool
}

func (u *unansweredConversations) Process(_ context.Context, id int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.answered[id] = true
	return nil
}

func (u *unansweredConversations) Pending(context.Context) ([]int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var ids []int64
	for _, id := range u.ids {
		if !u.answered[id] {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// TestRouterOverflowIsSweptAtOnce: a burst of more conversations than the queue holds is
// answered in full once the queue has room, not at the next periodic sweep (an hour here).
func TestRouterOverflowIsSweptAtOnce(t *testing.T) {
	conv := &unansweredConversations{fakeConversations: newFake(), answered: map[int64]bool{}}
	r := channel.NewRouter(conv, channel.RouterOptions{Workers: 2, Sweep: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const guests = 6000
	for i := range guests {
		require.NoError(t, r.Deliver(ctx, conversation.Inbound{Channel: "whatsapp", Contact: fmt.Sprint("+", i), ExternalID: fmt.Sprint(i), Text: "hola"}))
	}
	go r.Run(ctx)
	require.Eventually(t, func() bool {
		conv.mu.Lock()
		defer conv.mu.Unlock()
		return len(conv.answered) == guests
	}, 10*time.Second, 10*time.Millisecond, "every guest answered")
}

// TestRouterPacesTurnsDuringABurst: while a burst is being stored, turns start at most
// BusyRate a second (the first at once).
func TestRouterPacesTurnsDuringABurst(t *testing.T) {
	conv := newFake()
	r := channel.NewRouter(conv, channel.RouterOptions{Workers: 4, Busy: func() bool { return true }, BusyRate: 50})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	start := time.Now()
	for i := range 6 {
		require.NoError(t, r.Deliver(ctx, conversation.Inbound{Channel: "whatsapp", Contact: fmt.Sprint("+", i), ExternalID: fmt.Sprint(i), Text: "hola"}))
	}
	for range 6 {
		select {
		case <-conv.done:
		case <-time.After(10 * time.Second):
			t.Fatal("a turn did not run")
		}
	}
	assert.GreaterOrEqual(t, time.Since(start), 5*20*time.Millisecond, "six turns: the first at once, then one every 20 ms")
}
