// Package channel owns the way messages travel between channels and the dialog: the
// Router takes inbound messages from any channel (a plugin's webhook, a pull channel's
// stream), stores them durably, runs their turns in the background and hands replies to
// the channel's sender; the built-in web chat channel answers within its HTTP request.
package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/core/conversation"
)

// Conversations is what the Router needs of core/conversation.
type Conversations interface {
	Receive(ctx context.Context, in conversation.Inbound) (conversation.Received, error)
	Process(ctx context.Context, conversationID int64) error
	Pending(ctx context.Context) ([]int64, error)
}

var _ Conversations = (*conversation.Service)(nil)

// ErrDuplicateChannel means two senders were registered for one channel name.
var ErrDuplicateChannel = errors.New("channel: registered twice")

// RouterOptions tune a Router.
type RouterOptions struct {
	// Workers is how many conversations are answered at once (8).
	Workers int
	// Busy, when set, tells whether inbound messages are queueing up to be stored (a
	// burst); while it does, only BusyWorkers conversations are answered at once, so
	// storing and acknowledging what arrives keeps the machine first (a provider retries
	// what is not acknowledged in time, adding to the burst), and the answers follow.
	Busy func() bool
	// BusyWorkers is how many conversations are answered at once while Busy (1).
	BusyWorkers int
	// BusyRate is how many turns start per second at most while Busy (40: a turn sends
	// one to three messages, and WhatsApp's default throughput is 80 messages a second per
	// number); negative: no limit.
	BusyRate float64
	// Sweep is how often messages left unanswered (a crash, a failed turn) are retried (1 min).
	Sweep time.Duration
	// RetryAfter is the wait before a turn that asked to be retried later (a busy speech
	// plugin) runs again (3 s).
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// Router routes inbound messages to the dialog and knows each channel's sender. It
// implements conversation.Senders for the outbox Sender.
type Router struct {
	conv Conversations
	opts RouterOptions
	log  *slog.Logger

	mu      sync.RWMutex
	senders map[string]conversation.ChannelSender

	queue  chan int64
	qmu    sync.Mutex
	queued map[int64]bool
	// overflow is set when a conversation did not fit in the queue: it is swept again
	// as soon as the queue has room, not only at the next periodic sweep.
	overflow atomic.Bool
	running  sync.WaitGroup

	amu    sync.Mutex
	active int // turns running
	// busyStart is when the last turn started during a burst.
	busyStart time.Time
}

var _ conversation.Senders = (*Router)(nil)

// NewRouter returns a Router over conv.
func NewRouter(conv Conversations, opts RouterOptions) *Router {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Sweep <= 0 {
		opts.Sweep = time.Minute
	}
	if opts.BusyWorkers <= 0 {
		opts.BusyWorkers = 1
	}
	if opts.BusyRate == 0 {
		opts.BusyRate = 40
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 3 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{conv: conv, opts: opts, log: log, senders: map[string]conversation.ChannelSender{},
		queue: make(chan int64, 4096), queued: map[int64]bool{}}
}

// Register makes name a push channel delivered by s (a channel plugin's Send).
func (r *Router) Register(name string, s conversation.ChannelSender) error {
	if name == "" || s == nil {
		return errors.New("channel: register needs a name and a sender")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.senders[name]; dup {
		return fmt.Errorf("channel %s: %w", name, ErrDuplicateChannel)
	}
	r.senders[name] = s
	return nil
}

// Sender returns the sender of a channel.
func (r *Router) Sender(name string) (conversation.ChannelSender, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.senders[name]
	return s, ok
}

// PushChannels lists the channels with a sender, sorted.
func (r *Router) PushChannels() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.senders))
	for n := range r.senders {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Deliver stores inbound messages (so the caller may acknowledge the provider) and queues
// their conversations to be answered. Duplicates are stored once and not answered again.
func (r *Router) Deliver(ctx context.Context, msgs ...conversation.Inbound) error {
	var errs []error
	for _, m := range msgs {
		rec, err := r.conv.Receive(ctx, m)
		if err != nil {
			if errors.Is(err, conversation.ErrEmptyMessage) {
				r.log.Info("inbound message without text ignored", "channel", m.Channel)
				continue
			}
			errs = append(errs, fmt.Errorf("deliver %s message %s: %w", m.Channel, m.ExternalID, err))
			continue
		}
		if !rec.Duplicate {
			r.schedule(rec.ConversationID)
		}
	}
	return errors.Join(errs...)
}

func (r *Router) schedule(id int64) {
	r.qmu.Lock()
	if r.queued[id] {
		r.qmu.Unlock()
		return
	}
	r.queued[id] = true
	r.qmu.Unlock()
	select {
	case r.queue <- id:
	default:
		// The message is stored already: the sweep that follows once the queue has
		// room finds it.
		r.qmu.Lock()
		delete(r.queued, id)
		r.qmu.Unlock()
		r.overflow.Store(true)
	}
}

// Run answers queued conversations with Workers goroutines and sweeps for unanswered
// messages until ctx ends; it returns once in-flight turns finish.
func (r *Router) Run(ctx context.Context) {
	for i := 0; i < r.opts.Workers; i++ {
		r.running.Add(1)
		go r.work(ctx)
	}
	r.sweep(ctx)
	t := time.NewTicker(r.opts.Sweep)
	defer t.Stop()
	room := time.NewTicker(overflowCheck)
	defer room.Stop()
	for {
		select {
		case <-ctx.Done():
			r.running.Wait()
			return
		case <-t.C:
			r.overflow.Store(false)
			r.sweep(ctx)
		case <-room.C:
			if r.overflow.Load() && len(r.queue) <= cap(r.queue)/2 {
				r.overflow.Store(false)
				r.sweep(ctx)
			}
		}
	}
}

// overflowCheck is how often the Router looks whether a queue that overflowed has room.
const overflowCheck = 100 * time.Millisecond

func (r *Router) sweep(ctx context.Context) {
	ids, err := r.conv.Pending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("sweep for unanswered messages", "err", err)
		}
		return
	}
	for _, id := range ids {
		r.schedule(id)
	}
}

// admitPoll is how often a turn held back by a burst looks again.
const admitPoll = 5 * time.Millisecond

// admit waits until a turn may start: at once, unless a burst is being stored, and then
// BusyWorkers at a time, BusyRate a second. False when ctx ended.
func (r *Router) admit(ctx context.Context) bool {
	for {
		r.amu.Lock()
		if r.opts.Busy == nil || !r.opts.Busy() {
			r.active++
			r.amu.Unlock()
			return true
		}
		if r.active < r.opts.BusyWorkers && (r.opts.BusyRate < 0 || time.Since(r.busyStart) >= time.Duration(float64(time.Second)/r.opts.BusyRate)) {
			r.active++
			r.busyStart = time.Now()
			r.amu.Unlock()
			return true
		}
		r.amu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-time.After(admitPoll):
		}
	}
}

func (r *Router) work(ctx context.Context) {
	defer r.running.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-r.queue:
			r.qmu.Lock()
			delete(r.queued, id)
			r.qmu.Unlock()
			if !r.admit(ctx) {
				return
			}
			err := r.conv.Process(ctx, id)
			r.amu.Lock()
			r.active--
			r.amu.Unlock()
			switch {
			case err == nil || ctx.Err() != nil:
			case errors.Is(err, conversation.ErrRetryLater):
				// A busy or restarting speech plugin: try again shortly, not at the sweep.
				r.log.Info("conversation waits for a busy plugin; retrying", "conversation", id, "err", err, "after", r.opts.RetryAfter)
				time.AfterFunc(r.opts.RetryAfter, func() {
					if ctx.Err() == nil {
						r.schedule(id)
					}
				})
			default:
				// The message stays unanswered in the database; the sweep retries it.
				r.log.Error("answer conversation", "conversation", id, "err", err)
			}
		}
	}
}
