package conversation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Conversation states (the conversations.state column).
const (
	StateBot       = "bot"
	StateEscalated = "escalated"
	StateClosed    = "closed"
)

// Message statuses (the messages.status column).
const (
	StatusReceived  = "received"  // stored, not yet answered
	StatusProcessed = "processed" // answered by the bot
	StatusHeld      = "held"      // arrived while staff had the conversation: no bot reply
	StatusQueued    = "queued"    // an outgoing message waiting in the outbox
	StatusSent      = "sent"
)

// Engines gives the engine for the next turn (*dialog.Reloader).
type Engines interface {
	Engine() *dialog.Engine
}

// Options configure a Service.
type Options struct {
	// Locker serializes the turns of one conversation across replicas (in-process by default).
	Locker lock.Locker
	// Now is the clock (time.Now by default); `conserje chat --now` and stories fix it.
	Now func() time.Time
	// LockTTL bounds how long a crashed replica keeps a conversation locked (30 s).
	LockTTL time.Duration
	Logger  *slog.Logger
	// Kick, when set, is called after a turn committed outbox rows (wakes the Sender).
	Kick func()
	// Metrics, when set, counts turns, their latency and handoffs.
	Metrics *Metrics
}

// Service stores conversations and every message, runs one turn at a time per
// conversation in arrival order, and commits the replies to the outbox in the same
// transaction as the turn, so a crash neither loses nor doubles a reply.
type Service struct {
	db      *store.DB
	engines Engines
	opts    Options
	log     *slog.Logger
}

// New returns a Service over db running the engines' dialog.
func New(db *store.DB, engines Engines, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Locker == nil {
		opts.Locker = lock.NewMemory(opts.Now)
	}
	if opts.LockTTL <= 0 {
		opts.LockTTL = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, engines: engines, opts: opts, log: log}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// Inbound is one message from a guest, as a channel normalized it.
type Inbound struct {
	Channel string
	// Contact identifies the guest on the channel: a phone, an email address, a web chat id.
	Contact string
	// ExternalID is the provider's message id; a repeated id is a duplicate delivery.
	// Empty means the channel has none (one is generated).
	ExternalID string
	Text       string
	Kind       string // "text" (default) or "audio"
	GuestName  string
	// SpeechConfidence is set for transcribed voice notes.
	SpeechConfidence *float64
}

// Received says where an inbound message was stored.
type Received struct {
	ConversationID int64
	MessageID      int64
	// Duplicate is true when the channel delivered this external id before.
	Duplicate bool
}

// ErrEmptyMessage means an inbound message had no text.
var ErrEmptyMessage = errors.New("conversation: empty message")

type inboundPayload struct {
	SpeechConfidence *float64 `json:"speech_confidence,omitempty"`
	// TraceID is the id of the request that brought the message, so the turn, the outbox
	// delivery and the plugin calls it causes log under the same trace_id.
	TraceID string `json:"trace_id,omitempty"`
}

// Receive stores an inbound message durably (before the provider is answered), creating
// the conversation on first contact. A repeated (channel, external id) is not stored twice.
func (s *Service) Receive(ctx context.Context, in Inbound) (Received, error) {
	if in.Channel == "" || in.Contact == "" {
		return Received{}, errors.New("conversation: inbound message needs a channel and a contact")
	}
	if in.Text == "" {
		return Received{}, ErrEmptyMessage
	}
	if in.ExternalID == "" {
		in.ExternalID = "gen-" + randomID()
	}
	if in.Kind == "" {
		in.Kind = "text"
	}
	payload, err := json.Marshal(inboundPayload{SpeechConfidence: in.SpeechConfidence, TraceID: obs.RequestID(ctx)})
	if err != nil {
		return Received{}, fmt.Errorf("encode inbound payload: %w", err)
	}
	now := s.now()
	var rec Received
	started := false
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		conv, err := s.upsertConversation(ctx, tx, in, now)
		if err != nil {
			return err
		}
		rec.ConversationID = conv.ID
		ext := in.ExternalID
		msg := &store.Message{
			ConversationID: conv.ID, Direction: "in", Channel: in.Channel, ExternalID: &ext, Kind: in.Kind,
			Text: in.Text, Payload: payload, Status: StatusReceived, CreatedAt: now,
		}
		res, err := tx.NewInsert().Model(msg).On("CONFLICT (channel, external_id) DO NOTHING").Returning("id").Exec(ctx)
		if err != nil {
			return fmt.Errorf("store inbound message: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || msg.ID == 0 {
			var existing store.Message
			if err := tx.NewSelect().Model(&existing).Column("id", "conversation_id").
				Where("channel = ? AND external_id = ?", in.Channel, in.ExternalID).Scan(ctx); err != nil {
				return fmt.Errorf("find duplicate inbound message: %w", err)
			}
			rec.MessageID, rec.ConversationID, rec.Duplicate = existing.ID, existing.ConversationID, true
			return nil
		}
		rec.MessageID = msg.ID
		// The first message of a conversation starts it (for the funnel's first stage).
		earlier, err := tx.NewSelect().Model((*store.Message)(nil)).
			Where("conversation_id = ? AND id < ?", conv.ID, msg.ID).Limit(1).Exists(ctx)
		if err != nil {
			return fmt.Errorf("look for earlier messages: %w", err)
		}
		started = !earlier
		return nil
	})
	if err != nil {
		return Received{}, err
	}
	if started {
		s.opts.Metrics.conversationStarted(in.Channel)
	}
	return rec, nil
}

func (s *Service) upsertConversation(ctx context.Context, tx bun.Tx, in Inbound, now time.Time) (*store.Conversation, error) {
	// One statement creates the conversation on first contact or touches it afterwards,
	// and returns the row either way.
	conv := &store.Conversation{
		Channel: in.Channel, Contact: in.Contact, GuestName: in.GuestName, State: StateBot,
		Session: json.RawMessage("{}"), LastInboundAt: &now, LastMessageAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	_, err := tx.NewInsert().Model(conv).
		On("CONFLICT (channel, contact) DO UPDATE").
		Set("last_inbound_at = EXCLUDED.last_inbound_at").
		Set("last_message_at = EXCLUDED.last_message_at").
		Set("updated_at = EXCLUDED.updated_at").
		Set("guest_name = CASE WHEN conversation.guest_name = '' THEN EXCLUDED.guest_name ELSE conversation.guest_name END").
		Returning("*").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("create conversation %s/%s: %w", in.Channel, in.Contact, err)
	}
	return conv, nil
}

func lockKey(id int64) string { return "conversation:" + strconv.FormatInt(id, 10) }

// withLock runs fn holding the conversation's lock, waiting for another turn to finish.
func (s *Service) withLock(ctx context.Context, id int64, fn func() error) error {
	lease, err := lock.Wait(ctx, s.opts.Locker, lockKey(id), s.opts.LockTTL)
	if err != nil {
		return fmt.Errorf("lock conversation %d: %w", id, err)
	}
	defer func() {
		// Release with its own deadline: ctx may be done, and a lease left behind only
		// delays the next turn by its TTL.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := s.opts.Locker.Release(rctx, lease); err != nil && !errors.Is(err, lock.ErrNotHeld) {
			s.log.Warn("release conversation lock", "conversation", id, "err", err)
		}
	}()
	return fn()
}

// Process answers every waiting message of a conversation, oldest first, one turn at a
// time; concurrent callers wait for each other.
func (s *Service) Process(ctx context.Context, conversationID int64) error {
	return s.withLock(ctx, conversationID, func() error { return s.drain(ctx, conversationID, false, nil) })
}

// handover collects the replies a pull channel's caller delivers itself (the web chat's
// HTTP response): they are committed as sent with their turn, together with anything
// still pending for the conversation, saving a transaction per turn.
type handover struct {
	channel string
	out     []Outgoing
	turns   int
}

// drain answers the conversation's waiting messages in arrival order. Unless once, it looks
// again for messages that arrived meanwhile.
func (s *Service) drain(ctx context.Context, conversationID int64, once bool, h *handover) error {
	var conv *store.Conversation
	for {
		var msgs []store.Message
		err := s.db.NewSelect().Model(&msgs).
			Where("conversation_id = ? AND direction = 'in' AND status = ?", conversationID, StatusReceived).
			Order("id").Scan(ctx)
		if err != nil {
			return fmt.Errorf("waiting messages of conversation %d: %w", conversationID, err)
		}
		if len(msgs) == 0 {
			return nil
		}
		if conv == nil {
			conv = &store.Conversation{}
			if err := s.db.NewSelect().Model(conv).Where("id = ?", conversationID).Scan(ctx); err != nil {
				return fmt.Errorf("load conversation %d: %w", conversationID, err)
			}
		}
		for i := range msgs {
			if err := s.turn(ctx, conv, &msgs[i], h); err != nil {
				return err
			}
		}
		if once {
			return nil
		}
	}
}

// Pending lists conversations with messages not answered yet (after a crash or restart).
func (s *Service) Pending(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.NewSelect().Model((*store.Message)(nil)).ColumnExpr("DISTINCT conversation_id").
		Where("direction = 'in' AND status = ?", StatusReceived).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("find unanswered messages: %w", err)
	}
	return ids, nil
}

// Recover answers every message left unanswered by a crash; the app calls it at start.
func (s *Service) Recover(ctx context.Context) error {
	ids, err := s.Pending(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Process(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Outgoing is what a turn sends: one row in messages and one in the outbox.
type Outgoing struct {
	Text     string          `json:"text"`
	Buttons  []dialog.Button `json:"buttons,omitempty"`
	Template string          `json:"template,omitempty"`
	ReplyTo  int64           `json:"reply_to,omitempty"`
	// What the reply answers, for the response-time metric and the logs: when the guest's
	// message arrived, what it was (text or audio), and the trace id of its request.
	ArrivedAt time.Time `json:"arrived_at,omitzero"`
	Modality  string    `json:"modality,omitempty"`
	TraceID   string    `json:"trace_id,omitempty"`
}

// modalityOf is the modality label of an inbound message kind.
func modalityOf(kind string) string {
	switch kind {
	case "audio", "voice":
		return ModalityAudio
	}
	return ModalityText
}

// turn answers one message and commits everything it changed together; conv is updated
// in memory to match what was committed.
func (s *Service) turn(ctx context.Context, conv *store.Conversation, msg *store.Message, h *handover) error {
	var payload inboundPayload
	_ = json.Unmarshal(msg.Payload, &payload)
	ctx = obs.WithConversation(ctx, conv.ID)
	if payload.TraceID != "" && obs.RequestID(ctx) == "" {
		ctx = obs.WithRequestID(ctx, payload.TraceID)
	}
	modality := modalityOf(msg.Kind)
	if conv.State != StateBot {
		// Staff have the conversation: keep the message for them, say nothing.
		_, err := s.db.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", StatusHeld).Where("id = ?", msg.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("hold message %d: %w", msg.ID, err)
		}
		s.opts.Metrics.turn(conv.Channel, modality, "", OutcomeHeld, -1)
		return nil
	}
	st, err := dialog.DecodeState(conv.Session)
	if err != nil {
		s.log.ErrorContext(ctx, "conversation state unreadable; starting a new session", "err", err)
		st = &dialog.State{}
	}
	fallbacksBefore := st.Fallbacks
	engine := s.engines.Engine()
	started := time.Now()
	out, err := engine.Turn(ctx, st, dialog.Input{
		Text: msg.Text, Now: msg.CreatedAt.UTC(), SpeechConfidence: payload.SpeechConfidence,
		Guest: dialog.Guest{ConversationID: conv.ID, Channel: conv.Channel, Contact: conv.Contact, Name: conv.GuestName},
	})
	if err != nil {
		s.opts.Metrics.turn(conv.Channel, modality, "", OutcomeFailed, -1)
		return fmt.Errorf("turn of message %d: %w", msg.ID, err)
	}
	took := time.Since(started)
	outcome := OutcomeAnswered
	switch {
	case out.Handoff != nil:
		outcome = OutcomeHandoff
	case st.Fallbacks > fallbacksBefore:
		outcome = OutcomeFallback
	}
	if err := s.commit(ctx, conv, st, out, msg, int(took.Milliseconds()), outcome, h); err != nil {
		s.opts.Metrics.turn(conv.Channel, modality, out.Understanding.Intent, OutcomeFailed, -1)
		return err
	}
	s.opts.Metrics.turn(conv.Channel, modality, out.Understanding.Intent, outcome, took.Seconds())
	if out.Handoff != nil {
		s.opts.Metrics.handoff(out.Handoff.Reason)
	}
	return nil
}

func (s *Service) commit(ctx context.Context, conv *store.Conversation, st *dialog.State, out *dialog.Output, msg *store.Message, latency int, outcome string, h *handover) error {
	session, err := st.Encode()
	if err != nil {
		return err
	}
	nlu, err := json.Marshal(out.Understanding)
	if err != nil {
		return fmt.Errorf("encode understanding: %w", err)
	}
	now := s.now()
	deliver := h != nil && h.channel == conv.Channel
	var delivered []Outgoing
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		delivered = nil
		if deliver {
			earlier, err := takePending(ctx, tx, conv.ID, conv.Channel, now)
			if err != nil {
				return err
			}
			delivered = earlier
		}
		q := tx.NewUpdate().Model((*store.Conversation)(nil)).
			Set("session = ?", string(session)).Set("language = ?", st.Language).
			Set("fallback_streak = ?", st.Fallbacks).Set("last_message_at = ?", now).Set("updated_at = ?", now)
		if out.Handoff != nil {
			q = q.Set("state = ?", StateEscalated).Set("escalation_reason = ?", out.Handoff.Reason).Set("escalated_at = ?", now)
		}
		if _, err := q.Where("id = ?", conv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("save conversation %d: %w", conv.ID, err)
		}
		if _, err := tx.NewUpdate().Model((*store.Message)(nil)).
			Set("status = ?", StatusProcessed).Set("nlu = ?", string(nlu)).Set("latency_ms = ?", latency).
			Where("id = ?", msg.ID).Exec(ctx); err != nil {
			return fmt.Errorf("mark message %d answered: %w", msg.ID, err)
		}
		for i, r := range out.Replies {
			key := fmt.Sprintf("reply:%d:%d", msg.ID, i)
			// No key check: the message is marked answered in this same transaction, so
			// this turn can never be committed twice.
			o := Outgoing{Text: r.Text, Buttons: r.Buttons, Template: r.Template, ReplyTo: msg.ID,
				ArrivedAt: msg.CreatedAt.UTC(), Modality: modalityOf(msg.Kind), TraceID: obs.RequestID(ctx)}
			if err := insertOutgoing(ctx, tx, conv, o, key, now, now, deliver); err != nil {
				return err
			}
			if deliver {
				delivered = append(delivered, o)
			}
		}
		if out.Handoff != nil {
			if err := event(ctx, tx, conv.ID, EventEscalated, now, map[string]any{"reason": out.Handoff.Reason, "by": "bot"}); err != nil {
				return err
			}
		}
		if outcome == OutcomeFallback {
			// Kept in the database too, so `conserje stats` can tell the fallback rate.
			if err := event(ctx, tx, conv.ID, EventFallback, now, map[string]any{"message": msg.ID}); err != nil {
				return err
			}
		}
		if slices.Contains(out.Events, dialog.EventOffer) {
			// The funnel's second stage, committed with the turn that showed the offer.
			if err := event(ctx, tx, conv.ID, EventOfferMade, now, map[string]any{"message": msg.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if deliver {
		h.out = append(h.out, delivered...)
		h.turns++
		// The caller hands these over in its response, within moments of this commit.
		for _, o := range delivered {
			s.opts.Metrics.responded(conv.Channel, o.Modality, o.ArrivedAt, now)
		}
	}
	conv.Session, conv.Language, conv.FallbackStreak = session, st.Language, st.Fallbacks
	if out.Handoff != nil {
		conv.State, conv.EscalationReason = StateEscalated, out.Handoff.Reason
	}
	if len(out.Replies) > 0 && s.opts.Kick != nil {
		s.opts.Kick()
	}
	return nil
}

// enqueue writes one outgoing message and its outbox row; notBefore defers proactive
// messages past quiet hours. The idempotency key makes a replayed turn a no-op.
func enqueue(ctx context.Context, tx bun.Tx, conv *store.Conversation, o Outgoing, key string, now, notBefore time.Time) error {
	var exists int
	if err := tx.NewSelect().Model((*store.OutboxItem)(nil)).ColumnExpr("count(*)").Where("idempotency_key = ?", key).Scan(ctx, &exists); err != nil {
		return fmt.Errorf("check outbox key %s: %w", key, err)
	}
	if exists > 0 {
		return nil
	}
	return insertOutgoing(ctx, tx, conv, o, key, now, notBefore, false)
}

// insertOutgoing writes the message and its outbox row; sent records it as delivered
// already (the caller hands it over within this request).
func insertOutgoing(ctx context.Context, tx bun.Tx, conv *store.Conversation, o Outgoing, key string, now, notBefore time.Time, sent bool) error {
	body, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode outgoing message: %w", err)
	}
	msgStatus, itemStatus, attempts := StatusQueued, "pending", 0
	var sentAt *time.Time
	if sent {
		msgStatus, itemStatus, attempts, sentAt = StatusSent, "sent", 1, &now
	}
	m := &store.Message{
		ConversationID: conv.ID, Direction: "out", Channel: conv.Channel, Kind: "text", Text: o.Text,
		Payload: body, Status: msgStatus, CreatedAt: now,
	}
	if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store outgoing message: %w", err)
	}
	convID, msgID := conv.ID, m.ID
	item := &store.OutboxItem{
		ConversationID: &convID, MessageID: &msgID, Channel: conv.Channel, Recipient: conv.Contact, Kind: "text",
		Payload: body, IdempotencyKey: key, Status: itemStatus, Attempts: attempts, NotBefore: notBefore, CreatedAt: now, SentAt: sentAt,
	}
	if _, err := tx.NewInsert().Model(item).Exec(ctx); err != nil {
		return fmt.Errorf("queue outgoing message: %w", err)
	}
	return nil
}

// Conversation events (domain_events with aggregate_type "conversation").
const (
	AggregateConversation = "conversation"
	EventEscalated        = "conversation_escalated"
	EventOfferMade        = "conversation_offer_made"
	EventFallback         = "conversation_fallback"
	EventReleased         = "conversation_released"
)

func event(ctx context.Context, tx bun.Tx, convID int64, typ string, at time.Time, payload map[string]any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	ev := &store.DomainEvent{AggregateType: AggregateConversation, AggregateID: strconv.FormatInt(convID, 10),
		Type: typ, Payload: body, OccurredAt: at}
	if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("record %s event: %w", typ, err)
	}
	return nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
