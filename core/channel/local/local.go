// Package local owns the in-process channel: a whole bot (dialog, NLU, booking, the
// conversation store) on one database with its own settable clock, talked to directly.
// `conserje chat` uses it in a terminal and story tests replay conversations through it;
// DemoTemplate gives each story a fresh copy of the demo database in milliseconds.
package local

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/store"
)

// Clock is a settable clock shared by the bot's parts.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	fixed bool
}

// NewClock returns a clock stopped at t, or following the wall clock when t is zero.
func NewClock(t time.Time) *Clock { return &Clock{now: t, fixed: !t.IsZero()} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed {
		return time.Now()
	}
	return c.now
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now, c.fixed = t, true
}

// Options configure a Bot.
type Options struct {
	// DB is a migrated database with a property (the demo).
	DB *store.DB
	// Sources are the dialog and its messages.
	Sources dialog.Sources
	// Booking are the booking engine's limits (receptionist.BookingOptions of the
	// configuration); the bot sets the clock and the logger.
	Booking booking.Options
	// MaxNights and FallbackThreshold are the configuration's booking.max_nights and
	// nlu.fallback_threshold, as the server passes them.
	MaxNights         int
	FallbackThreshold float64
	// Payments makes payment links (nil: the seña is paid by bank transfer).
	Payments builtin.PaymentLinks
	// Models shares trained NLU models between bots (stories, chat sessions).
	Models *receptionist.Models
	// Clock is the bot's time (the wall clock when nil).
	Clock *Clock
	// Channel and Contact name the conversation ("terminal", "local").
	Channel, Contact string
	// AddressKind says what Contact is ("phone", "email", "web"; "" by default), as a
	// channel plugin would.
	AddressKind string
	Logger      *slog.Logger
}

// Bot is a conversation with the whole bot in process.
type Bot struct {
	db       *store.DB
	clock    *Clock
	booking  *booking.Service
	reloader *dialog.Reloader
	conv     *conversation.Service
	channel  string
	contact  string
	address  string
}

// New builds a bot over opts.DB.
func New(ctx context.Context, opts Options) (*Bot, error) {
	if opts.DB == nil {
		return nil, fmt.Errorf("local bot: a database is required")
	}
	if opts.Clock == nil {
		opts.Clock = NewClock(time.Time{})
	}
	if opts.Channel == "" {
		opts.Channel = "terminal"
	}
	if opts.Contact == "" {
		opts.Contact = "local"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bopts := opts.Booking
	bopts.Now, bopts.Logger = opts.Clock.Now, log
	b := booking.NewService(opts.DB, bopts)
	// The same wiring as the server's (core/receptionist): holiday table, payment links,
	// max_nights, the NLU's threshold.
	r, err := receptionist.New(ctx, receptionist.Options{DB: opts.DB, Booking: b, Payments: opts.Payments,
		Sources: opts.Sources, MaxNights: opts.MaxNights, MaxAdvanceDays: bopts.MaxAdvanceDays, FallbackThreshold: opts.FallbackThreshold,
		Models: opts.Models, Logger: log})
	if err != nil {
		return nil, err
	}
	rl := r.Reloader
	conv := conversation.New(opts.DB, rl, conversation.Options{Now: opts.Clock.Now, Logger: log})
	return &Bot{db: opts.DB, clock: opts.Clock, booking: b, reloader: rl, conv: conv, channel: opts.Channel, contact: opts.Contact, address: opts.AddressKind}, nil
}

var _ story.Bot = (*Bot)(nil)

// WithContact is the same bot talking to another guest (a new conversation).
func (b *Bot) WithContact(contact string) *Bot {
	c := *b
	c.contact = contact
	return &c
}

// Reloader is the bot's dialog, for watching edits while chatting.
func (b *Bot) Reloader() *dialog.Reloader { return b.reloader }

// Say sends one guest line at the given time (now when zero).
func (b *Bot) Say(ctx context.Context, text string, at time.Time) (story.Turn, error) {
	b.setClock(at)
	rec, out, err := b.conv.Converse(ctx, conversation.Inbound{Channel: b.channel, Contact: b.contact, AddressKind: b.address, Text: text})
	if err != nil {
		return story.Turn{}, err
	}
	return b.turn(ctx, rec.ConversationID, rec.MessageID, out)
}

// Tap sends the guest's tap on a quick reply, as a channel does: the button's id with its
// title as the text.
func (b *Bot) Tap(ctx context.Context, id, title string, at time.Time) (story.Turn, error) {
	b.setClock(at)
	rec, out, err := b.conv.Converse(ctx, conversation.Inbound{Channel: b.channel, Contact: b.contact, AddressKind: b.address,
		Kind: conversation.KindOption, Text: title, Content: conversation.Content{OptionID: id}})
	if err != nil {
		return story.Turn{}, err
	}
	return b.turn(ctx, rec.ConversationID, rec.MessageID, out)
}

func (b *Bot) setClock(at time.Time) {
	if !at.IsZero() {
		b.clock.Set(at)
	}
}

// Confirm is staff confirming the payment of a reservation: the booking is confirmed and
// the guest gets the confirmation message.
func (b *Bot) Confirm(ctx context.Context, code string, at time.Time) (story.Turn, error) {
	b.setClock(at)
	if _, err := b.booking.Confirm(ctx, code, booking.ConfirmInput{By: "staff:story"}); err != nil {
		return story.Turn{}, err
	}
	if err := b.conv.NotifyConfirmed(ctx, code); err != nil {
		return story.Turn{}, err
	}
	return b.pending(ctx)
}

// Release is staff handing the conversation back to the bot.
func (b *Bot) Release(ctx context.Context, at time.Time) (story.Turn, error) {
	b.setClock(at)
	id, err := b.conversationID(ctx)
	if err != nil {
		return story.Turn{}, err
	}
	if err := b.conv.Release(ctx, id, "staff:story"); err != nil {
		return story.Turn{}, err
	}
	return b.pending(ctx)
}

// PaymentRejected is the payment provider rejecting the guest's payment.
func (b *Bot) PaymentRejected(ctx context.Context, at time.Time) (story.Turn, error) {
	b.setClock(at)
	id, err := b.conversationID(ctx)
	if err != nil {
		return story.Turn{}, err
	}
	if err := b.conv.PaymentRejected(ctx, id); err != nil {
		return story.Turn{}, err
	}
	return b.pending(ctx)
}

// Close releases nothing the caller did not open: the database is the caller's.
func (b *Bot) Close() error { return nil }

func (b *Bot) conversationID(ctx context.Context) (int64, error) {
	var id int64
	err := b.db.NewSelect().Model((*store.Conversation)(nil)).Column("id").
		Where("channel = ? AND contact = ?", b.channel, b.contact).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("local bot: no conversation yet: %w", err)
	}
	return id, nil
}

func (b *Bot) pending(ctx context.Context) (story.Turn, error) {
	id, err := b.conversationID(ctx)
	if err != nil {
		return story.Turn{}, err
	}
	out, err := b.conv.TakePending(ctx, id, b.channel)
	if err != nil {
		return story.Turn{}, err
	}
	return b.turn(ctx, id, 0, out)
}

// turn reads back what the turn understood and the conversation's state.
func (b *Bot) turn(ctx context.Context, convID, msgID int64, out []conversation.Outgoing) (story.Turn, error) {
	t := story.Turn{}
	for _, o := range out {
		r := story.Reply{Text: o.Text}
		for _, btn := range o.Buttons {
			r.Buttons = append(r.Buttons, btn.Title)
			r.ButtonIDs = append(r.ButtonIDs, btn.ID)
		}
		t.Replies = append(t.Replies, r)
	}
	var conv store.Conversation
	if err := b.db.NewSelect().Model(&conv).Where("id = ?", convID).Scan(ctx); err != nil {
		return t, fmt.Errorf("local bot: read conversation: %w", err)
	}
	t.Escalated = conv.State == conversation.StateEscalated
	st, err := dialog.DecodeState(conv.Session)
	if err != nil {
		return t, err
	}
	t.Slots, t.Language = st.Slots, st.Language
	if msgID != 0 {
		var msg store.Message
		if err := b.db.NewSelect().Model(&msg).Where("id = ?", msgID).Scan(ctx); err != nil {
			return t, fmt.Errorf("local bot: read message: %w", err)
		}
		var u dialog.Understanding
		if len(msg.NLU) > 0 {
			if err := json.Unmarshal(msg.NLU, &u); err == nil {
				t.Intent = u.Intent
			}
		}
	}
	return t, nil
}

// DemoTemplate is a migrated database holding the demo, copied for each story.
type DemoTemplate struct {
	path string
}

// NewDemoTemplate creates the template in dir: migrations, the demo property and the
// holiday calendar.
func NewDemoTemplate(ctx context.Context, dir string) (*DemoTemplate, error) {
	path := filepath.Join(dir, "demo-template.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	m, err := store.NewMigrator(db)
	if err != nil {
		return nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		return nil, err
	}
	if _, err := booking.NewService(db, booking.Options{}).SyncHolidays(ctx); err != nil {
		return nil, err
	}
	if _, err := demo.Seed(ctx, db, "story-admin-password"); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, fmt.Errorf("checkpoint demo template: %w", err)
	}
	return &DemoTemplate{path: path}, nil
}

// Fresh copies the template to path and opens the copy.
func (t *DemoTemplate) Fresh(ctx context.Context, path string) (*store.DB, error) {
	return t.FreshWith(ctx, path, store.Options{})
}

// FreshWith is Fresh with connection options (a load test caps the pool).
func (t *DemoTemplate) FreshWith(ctx context.Context, path string, opts store.Options) (*store.DB, error) {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	src, err := store.Open(ctx, t.path, store.Options{})
	if err != nil {
		return nil, err
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", path)
	src.Close()
	if err != nil {
		return nil, fmt.Errorf("copy demo template: %w", err)
	}
	return store.Open(ctx, path, opts)
}

// StoryBots starts each story on a fresh demo copy in dir, with the story's clock and
// base's settings (one NLU model shared by all).
func StoryBots(tmpl *DemoTemplate, dir string, base Options) story.NewBot {
	if base.Models == nil {
		base.Models = &receptionist.Models{}
	}
	var mu sync.Mutex
	n := 0
	return func(ctx context.Context, s *story.Story) (story.Bot, error) {
		mu.Lock()
		n++
		path := filepath.Join(dir, fmt.Sprintf("story-%03d.db", n))
		mu.Unlock()
		db, err := tmpl.Fresh(ctx, path)
		if err != nil {
			return nil, err
		}
		opts := base
		opts.DB, opts.Clock, opts.Channel, opts.Contact = db, NewClock(s.Now), "webchat", "story"
		bot, err := New(ctx, opts)
		if err != nil {
			db.Close()
			return nil, err
		}
		return &ownedBot{Bot: bot, db: db, path: path}, nil
	}
}

// ownedBot closes and deletes its database copy.
type ownedBot struct {
	*Bot
	db   *store.DB
	path string
}

func (o *ownedBot) Close() error {
	err := o.db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(o.path + suffix)
	}
	return err
}
