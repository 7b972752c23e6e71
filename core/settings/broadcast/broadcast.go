package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/conserje/conserje/core/settings"
)

// Channel is the Redis pub/sub channel of settings hints. Pub/sub channels are shared by
// every database number of a Redis server: a hint from another installation only costs a
// version read.
const Channel = "conserje:settings"

// Defaults of Options.
const (
	// DefaultCheck is how often the settings version is read when no hint arrives.
	DefaultCheck = time.Second
	// publishTimeout bounds how long a change waits for Redis: the other replicas read the
	// version within Check anyway.
	publishTimeout = time.Second
	// retryDelay is the pause between attempts to subscribe while Redis is unreachable.
	retryDelay = time.Second
	// idlePing is how long the subscription may stay silent before it is pinged, so a
	// connection dropped without a reset is noticed.
	idlePing = 30 * time.Second
)

// Versions reads the settings version (settings.Service).
type Versions interface {
	Version(ctx context.Context) (string, error)
}

// VersionFunc adapts a function to Versions (settings.StoredVersion on a database).
type VersionFunc func(ctx context.Context) (string, error)

// Version calls f.
func (f VersionFunc) Version(ctx context.Context) (string, error) { return f(ctx) }

var (
	_ Versions          = (*settings.Service)(nil)
	_ Versions          = VersionFunc(nil)
	_ settings.Notifier = (*Bus)(nil)
)

// Options configure a Bus.
type Options struct {
	// Redis carries the hints between replicas (nil: one replica, the version check only).
	Redis *redis.Client
	// Channel is the pub/sub channel (Channel by default).
	Channel string
	// Check is how often the version is read in case a hint was missed (DefaultCheck).
	Check  time.Duration
	Logger *slog.Logger
}

// Bus runs the listeners of this replica whenever the settings change, here or on
// another replica.
type Bus struct {
	ver    Versions
	opts   Options
	log    *slog.Logger
	origin string // this replica's id in hints, so it ignores its own

	mu        sync.Mutex // serializes applying a version: listeners never run twice at once
	seen      string     // the version the listeners last ran for
	listeners []func(context.Context)
}

// New returns a bus reading versions from ver.
func New(ver Versions, opts Options) (*Bus, error) {
	if opts.Channel == "" {
		opts.Channel = Channel
	}
	if opts.Check <= 0 {
		opts.Check = DefaultCheck
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("settings broadcast id: %w", err)
	}
	return &Bus{ver: ver, opts: opts, log: log, origin: hex.EncodeToString(b)}, nil
}

// OnChange registers fn, run (in order of registration, one change at a time) after
// every settings change; it must drop what its component caches of the settings.
func (b *Bus) OnChange(fn func(context.Context)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listeners = append(b.listeners, fn)
}

// Seen is the settings version this replica's caches reflect ("" until one is read).
func (b *Bus) Seen() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen
}

// SettingsChanged is called by the settings editor after committing version: the hint
// goes to the other replicas, then this replica's listeners run before the change is
// answered, so the next message here sees it.
func (b *Bus) SettingsChanged(ctx context.Context, version string) {
	ctx = context.WithoutCancel(ctx) // the caches must go even if the client left
	b.Publish(ctx)
	b.apply(ctx, version)
}

// Publish sends a hint to the other replicas (nothing without Redis). A hint that cannot
// be sent is logged: the others see the change at their next version check.
func (b *Bus) Publish(ctx context.Context) {
	if b.opts.Redis == nil {
		return
	}
	if err := Publish(ctx, b.opts.Redis, b.opts.Channel, b.origin); err != nil {
		b.log.WarnContext(ctx, "settings change not announced on Redis; other replicas see it at their next version check",
			"check", b.opts.Check.String(), "err", err)
	}
}

type hint struct {
	Origin string `json:"origin"`
}

// Publish sends a settings hint on channel; origin names the sender (any string for a
// process that does not listen, such as the CLI).
func Publish(ctx context.Context, rdb *redis.Client, channel, origin string) error {
	if channel == "" {
		channel = Channel
	}
	msg, err := json.Marshal(hint{Origin: origin})
	if err != nil {
		return fmt.Errorf("settings hint: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	if err := rdb.Publish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("publish settings hint: %w", err)
	}
	return nil
}

// apply runs the listeners for version unless they already ran for it (a replica that
// started before any change has seen "").
func (b *Bus) apply(ctx context.Context, version string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if version == b.seen {
		return
	}
	b.seen = version
	for _, fn := range b.listeners {
		fn(ctx)
	}
}

// Check reads the settings version and runs the listeners when it is not the one seen.
func (b *Bus) Check(ctx context.Context) error {
	v, err := b.ver.Version(ctx)
	if err != nil {
		return fmt.Errorf("read settings version: %w", err)
	}
	b.apply(ctx, v)
	return nil
}

// Run takes the current version as seen, then listens for hints and checks the version
// every Options.Check until ctx ends.
func (b *Bus) Run(ctx context.Context) {
	if v, err := b.ver.Version(ctx); err == nil {
		b.mu.Lock()
		if b.seen == "" {
			b.seen = v
		}
		b.mu.Unlock()
	}
	var wg sync.WaitGroup
	if b.opts.Redis != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.listen(ctx)
		}()
	}
	b.poll(ctx)
	wg.Wait()
}

// poll checks the version every Options.Check; a failing read is logged once until a read
// works again.
func (b *Bus) poll(ctx context.Context) {
	t := time.NewTicker(b.opts.Check)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := b.Check(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil && !failing:
			failing = true
			b.log.WarnContext(ctx, "settings version unreadable; caches keep their own expiry until it is back", "err", err)
		case err == nil && failing:
			failing = false
			b.log.InfoContext(ctx, "settings version readable again")
		}
	}
}

// listen receives hints until ctx ends. go-redis re-subscribes after a dropped connection
// and confirms the subscription again; hints sent meanwhile are lost, so the version is
// checked at every (re)subscription.
func (b *Bus) listen(ctx context.Context) {
	ps := b.opts.Redis.Subscribe(ctx, b.opts.Channel)
	// A blocked receive does not watch ctx: closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	defer ps.Close()
	down := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, idlePing)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				_ = ps.Ping(ctx) // a dead connection fails here and is replaced
				continue
			}
			if !down {
				down = true
				b.log.WarnContext(ctx, "settings hints unavailable; reading the settings version instead", "check", b.opts.Check.String(), "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryDelay):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if down {
				down = false
				b.log.InfoContext(ctx, "settings hints back")
			}
			b.checkLogged(ctx)
		case *redis.Message:
			var h hint
			if json.Unmarshal([]byte(m.Payload), &h) == nil && h.Origin == b.origin {
				continue // this replica's own change, already applied
			}
			b.checkLogged(ctx)
		}
	}
}

func (b *Bus) checkLogged(ctx context.Context) {
	if err := b.Check(ctx); err != nil && ctx.Err() == nil {
		b.log.WarnContext(ctx, "settings hint received but the version is unreadable", "err", err)
	}
}
