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
	"strings"
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
	// Voice, when set, transcribes voice notes and speaks replies (core/voice).
	Voice Voice
	// Templates gives the approved template a channel sends for a purpose (a catalog
	// key) outside its messaging window; nil or false: none.
	Templates func(channel, purpose string) (TemplateSpec, bool)
	// Metrics, when set, counts turns, their latency and handoffs.
	Metrics *Metrics
}

// Service stores conversations and every message, runs one turn at a time per
// conversation in arrival order, and commits the replies to the outbox in the same
// transaction as the turn, so a crash neither loses nor doubles a reply.
type Service struct {
	ingest  ingestQueue
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

// Message kinds (the messages.kind column of inbound messages).
const (
	KindText     = "text"
	KindAudio    = "audio" // a voice note or audio file: Media names it
	KindImage    = "image"
	KindVideo    = "video"
	KindDocument = "document"
	KindLocation = "location"
	// KindOption: the guest picked one of our options (a button, a list row); OptionID is
	// the option's id as the dialog sent it, Text its title.
	KindOption = "option"
	// KindReaction: an emoji on one of our messages; stored, never answered.
	KindReaction = "reaction"
	// KindUnsupported: content the channel could not normalize (a sticker, a new type).
	KindUnsupported = "unsupported"
)

// Address kinds of a conversation's contact (from the channel's capabilities).
const (
	AddressPhone = "phone"
	AddressEmail = "email"
	AddressWeb   = "web"
)

// Inbound is one message from a guest, as a channel normalized it.
type Inbound struct {
	Channel string
	// Contact identifies the guest on the channel: a phone, an email address, a web chat id.
	Contact string
	// AddressKind says what Contact is: AddressPhone, AddressEmail, AddressWeb or
	// "opaque"; the dialog keys on it, never on the channel's name.
	AddressKind string
	// To is the address of ours that received the message (a WhatsApp phone number id);
	// replies go out from it.
	To string
	// ExternalID is the provider's message id; a repeated id is a duplicate delivery.
	// Empty means the channel has none (one is generated).
	ExternalID string
	Text       string
	Kind       string // one of the Kind constants; "text" by default
	GuestName  string
	// SpeechConfidence is set for transcribed voice notes.
	SpeechConfidence *float64
	Content
}

// Content is what an inbound message carries besides its text, stored in
// messages.payload (DecodeContent reads it back).
type Content struct {
	// Media names an image, voice note or file to fetch from the channel (FetchMedia).
	Media *Media `json:"media,omitempty"`
	// OptionID is the id of the option the guest picked (KindOption).
	OptionID string `json:"option_id,omitempty"`
	// Location is a shared place (KindLocation).
	Location *Location `json:"location,omitempty"`
	// ReplyTo is the provider's id of our message the guest answered or tapped.
	ReplyTo string `json:"reply_to,omitempty"`
	// Reaction is set for KindReaction.
	Reaction *Reaction `json:"reaction,omitempty"`
	// RawType is the provider's own type name of unsupported content.
	RawType string `json:"raw_type,omitempty"`
	// ErrorCodes are provider error codes attached to the message.
	ErrorCodes []string `json:"error_codes,omitempty"`
	// SpeechConfidence is the transcription's confidence of a voice note.
	SpeechConfidence *float64 `json:"speech_confidence,omitempty"`
	// TraceID is the id of the request that brought the message, so the turn, the outbox
	// delivery and the plugin calls it causes log under the same trace_id (set by Receive).
	TraceID string `json:"trace_id,omitempty"`
	// Voice is what the voice step learned of a voice note (its transcript is the text).
	Voice *VoiceInfo `json:"voice,omitempty"`
	// Mail is an e-mail's threading headers and subject: the answer is threaded on them,
	// so a thread survives a restart of the channel plugin.
	Mail *MailThread `json:"mail,omitempty"`
	// Constraints are the relay rules the channel gave with the message (the answers
	// obey them; dialog.Constraint*).
	Constraints []string `json:"constraints,omitempty"`
	// Form is the stay a portal's inquiry form named: the turn starts with it.
	Form *Form `json:"form,omitempty"`
}

func encodeContent(c Content) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode message content: %w", err)
	}
	return b, nil
}

// Media is a media item kept by the channel, fetched by id.
type Media struct {
	ID       string `json:"id"`
	MIME     string `json:"mime,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Filename string `json:"filename,omitempty"`
	// Voice marks a recorded voice note.
	Voice bool `json:"voice,omitempty"`
}

// Location is a shared place.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction is an emoji on one of our messages; Emoji is empty when taken back.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// DecodeContent reads what an inbound message carried from its stored payload.
func DecodeContent(payload []byte) (Content, error) {
	var c Content
	if len(payload) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return Content{}, fmt.Errorf("decode message content: %w", err)
	}
	return c, nil
}

// Received says where an inbound message was stored.
type Received struct {
	ConversationID int64
	MessageID      int64
	// Duplicate is true when the channel delivered this external id before.
	Duplicate bool
}

// ErrEmptyMessage means an inbound message had nothing in it: a text without text, a
// media message without media, an option without its id.
var ErrEmptyMessage = errors.New("conversation: empty message")

// empty reports whether in carries nothing to store.
func (in Inbound) empty() bool {
	switch in.Kind {
	case KindText:
		return in.Text == ""
	case KindAudio, KindImage, KindVideo, KindDocument:
		return in.Media == nil && in.Text == ""
	case KindOption:
		return in.OptionID == "" && in.Text == ""
	case KindLocation:
		return in.Location == nil
	case KindReaction:
		return in.Reaction == nil
	}
	return false
}

// Receive stores an inbound message durably (before the provider is answered), creating
// the conversation on first contact. A repeated (channel, external id) is not stored twice.
func (s *Service) Receive(ctx context.Context, in Inbound) (Received, error) {
	if in.Channel == "" || in.Contact == "" {
		return Received{}, errors.New("conversation: inbound message needs a channel and a contact")
	}
	if in.Kind == "" {
		in.Kind = KindText
	}
	if in.empty() {
		return Received{}, ErrEmptyMessage
	}
	if in.ExternalID == "" {
		in.ExternalID = "gen-" + randomID()
	}
	in.Channel, in.Contact, in.ExternalID = asStored(in.Channel), asStored(in.Contact), asStored(in.ExternalID)
	content := in.Content
	if in.SpeechConfidence != nil {
		content.SpeechConfidence = in.SpeechConfidence
	}
	content.TraceID = obs.RequestID(ctx)
	payload, err := json.Marshal(content)
	if err != nil {
		return Received{}, fmt.Errorf("encode inbound payload: %w", err)
	}
	status := StatusReceived
	if in.Kind == KindReaction {
		// A reaction is kept for staff; the bot does not answer an emoji.
		status = StatusProcessed
	}
	now := s.now()
	ext := in.ExternalID
	msg := store.Message{
		Direction: "in", Channel: in.Channel, ExternalID: &ext, Kind: in.Kind,
		Text: in.Text, Payload: payload, Status: status, CreatedAt: now,
	}
	// Ingest is the webhook's critical path: concurrent messages are stored together
	// (ingest.go), and "first message" comes from whether the conversation was created,
	// not from another query (only Receive creates conversations, always with their
	// first message).
	rec, created, err := s.storeInbound(&pendingInbound{ctx: ctx, in: in, msg: msg})
	if err != nil {
		return Received{}, err
	}
	if created && !rec.Duplicate {
		// The first message of a conversation starts it (for the funnel's first stage).
		s.opts.Metrics.conversationStarted(in.Channel)
	}
	return rec, nil
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

// Pending lists conversations with messages not answered yet (after a crash or restart,
// or a burst that overflowed the Router's queue), the longest waiting first.
func (s *Service) Pending(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.NewSelect().Model((*store.Message)(nil)).Column("conversation_id").
		Where("direction = 'in' AND status = ?", StatusReceived).Group("conversation_id").OrderExpr("min(id)").Scan(ctx, &ids)
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
	Text    string          `json:"text"`
	Buttons []dialog.Button `json:"buttons,omitempty"`
	// Template is the catalog key the text was rendered from.
	Template string `json:"template,omitempty"`
	ReplyTo  int64  `json:"reply_to,omitempty"`
	// What the reply answers, for the response-time metric and the logs: when the guest's
	// message arrived, what it was (text or audio), and the trace id of its request.
	ArrivedAt time.Time `json:"arrived_at,omitzero"`
	Modality  string    `json:"modality,omitempty"`
	TraceID   string    `json:"trace_id,omitempty"`
	// Approved is the provider-approved template to send instead when the channel's
	// messaging window is closed (proactive messages); nil for replies.
	Approved *ApprovedTemplate `json:"approved,omitempty"`
	// Audio is a voice note to send instead of Text (which stays its transcript).
	Audio *Audio `json:"audio,omitempty"`
	// From is the address of ours the guest wrote to (replies go out from it).
	From string `json:"from,omitempty"`
	// UseTemplate sends Approved instead of the text (the window was found closed).
	UseTemplate bool `json:"use_template,omitempty"`
	// Staff is the staff user who typed the message in the admin ("" for the bot's).
	Staff string `json:"staff,omitempty"`
	// Threaded channels (e-mail): the subject of the mail answered (or of a new thread),
	// its Message-ID (the answer's In-Reply-To) and the answer's References.
	Subject    string   `json:"subject,omitempty"`
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
}

// modalityOf is the modality label of an inbound message kind.
func modalityOf(kind string) string {
	switch kind {
	case "audio", "voice":
		return ModalityAudio
	}
	return ModalityText
}

// ApprovedTemplate is a provider-approved message template and its parameters.
type ApprovedTemplate struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"`
	// HeaderParams fill the header's text placeholders.
	HeaderParams []string `json:"header_params,omitempty"`
	// ButtonPayloads are the quick-reply payloads by button index.
	ButtonPayloads []string `json:"button_payloads,omitempty"`
}

// Audio is a voice note to send: Data with its MIME type, or media the channel already
// holds (MediaID).
type Audio struct {
	MIME    string `json:"mime,omitempty"`
	Data    []byte `json:"data,omitempty"`
	MediaID string `json:"media_id,omitempty"`
	Voice   bool   `json:"voice,omitempty"`
}

// turn answers one message and commits everything it changed together; conv is updated
// in memory to match what was committed.
func (s *Service) turn(ctx context.Context, conv *store.Conversation, msg *store.Message, h *handover) error {
	content, contentErr := DecodeContent(msg.Payload)
	ctx = obs.WithConversation(ctx, conv.ID)
	if content.TraceID != "" && obs.RequestID(ctx) == "" {
		ctx = obs.WithRequestID(ctx, content.TraceID)
	}
	modality := modalityOf(msg.Kind)
	var mail *Outgoing
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
	if contentErr != nil {
		s.log.WarnContext(ctx, "inbound message content unreadable; answering its text", "message", msg.ID, "err", contentErr)
	}
	kind := msg.Kind
	if kind == KindOption && content.OptionID == "" {
		kind = KindText
	}
	if msg.Kind == KindAudio && s.opts.Voice != nil && contentErr == nil && content.Media != nil && content.SpeechConfidence == nil {
		if kind, err = s.listen(ctx, msg, &content, st.Language); err != nil {
			s.opts.Metrics.turn(conv.Channel, modality, "", OutcomeFailed, -1)
			return err
		}
	}
	engine := s.engines.Engine()
	started := time.Now()
	in := dialog.Input{
		Text: msg.Text, Now: msg.CreatedAt.UTC(), SpeechConfidence: content.SpeechConfidence,
		Kind: kind, OptionID: content.OptionID, Guest: guestOf(conv), Constraints: content.Constraints,
	}
	if f := content.Form; f != nil {
		in.Form = &dialog.Form{CheckIn: f.CheckIn, CheckOut: f.CheckOut, Guests: f.Guests}
	}
	out, err := engine.Turn(ctx, st, in)
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
	texts := make([]string, 0, len(out.Replies))
	for _, r := range out.Replies {
		texts = append(texts, r.Text)
	}
	voice := s.speak(ctx, conv, msg, st.Language, texts)
	if isMail(conv) && len(out.Replies) > 0 {
		// One letter per answered mail: greeting, the replies, signature, threaded.
		letter, err := s.letter(ctx, conv, st, out.Replies, "", &content)
		if err != nil {
			s.opts.Metrics.turn(conv.Channel, modality, out.Understanding.Intent, OutcomeFailed, -1)
			return err
		}
		out.Replies = []dialog.Reply{{Text: letter.Text, Template: letter.Template}}
		mail = &letter
	}
	if err := s.commit(ctx, conv, st, out, msg, int(took.Milliseconds()), outcome, voice, mail, h); err != nil {
		s.opts.Metrics.turn(conv.Channel, modality, out.Understanding.Intent, OutcomeFailed, -1)
		return err
	}
	s.opts.Metrics.turn(conv.Channel, modality, out.Understanding.Intent, outcome, took.Seconds())
	if out.Handoff != nil {
		s.opts.Metrics.handoff(out.Handoff.Reason)
	}
	return nil
}

// commit saves the turn; mail, when set, is the turn's replies written as one e-mail
// (out.Replies then holds that one letter).
func (s *Service) commit(ctx context.Context, conv *store.Conversation, st *dialog.State, out *dialog.Output, msg *store.Message, latency int, outcome string, voice *Audio, mail *Outgoing, h *handover) error {
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
	// What the turn writes besides the conversation and the message: its replies (a voice
	// note first, then the same replies as text, so prices, codes and links stay
	// readable) and its events.
	var outs []keyedOutgoing
	if voice != nil {
		texts := make([]string, 0, len(out.Replies))
		for _, r := range out.Replies {
			texts = append(texts, r.Text)
		}
		outs = append(outs, keyedOutgoing{key: fmt.Sprintf("reply:%d:voice", msg.ID), o: Outgoing{Text: strings.Join(texts, "\n"),
			Audio: voice, ReplyTo: msg.ID, ArrivedAt: msg.CreatedAt.UTC(), Modality: modalityOf(msg.Kind), TraceID: obs.RequestID(ctx)}})
	}
	for i, r := range out.Replies {
		// No key check: the message is marked answered in this same transaction, so
		// this turn can never be committed twice.
		o := Outgoing{Text: r.Text, Buttons: r.Buttons, Template: r.Template}
		if mail != nil {
			o = *mail
		}
		o.ReplyTo, o.ArrivedAt, o.Modality, o.TraceID = msg.ID, msg.CreatedAt.UTC(), modalityOf(msg.Kind), obs.RequestID(ctx)
		outs = append(outs, keyedOutgoing{key: fmt.Sprintf("reply:%d:%d", msg.ID, i), o: o})
	}
	var events []*store.DomainEvent
	addEvent := func(typ string, payload map[string]any) error {
		ev, err := newEvent(conv.ID, typ, now, payload)
		events = append(events, ev)
		return err
	}
	if out.Handoff != nil {
		if err := addEvent(EventEscalated, map[string]any{"reason": out.Handoff.Reason, "by": "bot"}); err != nil {
			return err
		}
	}
	if outcome == OutcomeFallback {
		// Kept in the database too, so `conserje stats` can tell the fallback rate.
		if err := addEvent(EventFallback, map[string]any{"message": msg.ID}); err != nil {
			return err
		}
	}
	if slices.Contains(out.Events, dialog.EventOffer) {
		// The funnel's second stage, committed with the turn that showed the offer.
		if err := addEvent(EventOfferMade, map[string]any{"message": msg.ID}); err != nil {
			return err
		}
	}
	saveConv := func(q *bun.UpdateQuery) *bun.UpdateQuery {
		q = q.Model((*store.Conversation)(nil)).
			Set("session = ?", string(session)).Set("language = ?", st.Language).
			Set("fallback_streak = ?", st.Fallbacks).Set("last_message_at = ?", now).Set("updated_at = ?", now)
		if out.Handoff != nil {
			q = q.Set("state = ?", StateEscalated).Set("escalation_reason = ?", out.Handoff.Reason).Set("escalated_at = ?", now)
		}
		return q.Where("id = ?", conv.ID)
	}
	answered := func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Model((*store.Message)(nil)).
			Set("status = ?", StatusProcessed).Set("nlu = ?", string(nlu)).Set("latency_ms = ?", latency).
			Where("id = ?", msg.ID)
	}
	var delivered []Outgoing
	if !deliver && s.db.Dialect() == store.Postgres {
		err = s.commitPostgres(ctx, conv, saveConv(s.db.NewUpdate()), answered(s.db.NewUpdate()), outs, events, now)
	} else {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			delivered = nil
			if deliver {
				earlier, err := takePending(ctx, tx, conv.ID, conv.Channel, now)
				if err != nil {
					return err
				}
				delivered = earlier
			}
			if _, err := saveConv(tx.NewUpdate()).Exec(ctx); err != nil {
				return fmt.Errorf("save conversation %d: %w", conv.ID, err)
			}
			if _, err := answered(tx.NewUpdate()).Exec(ctx); err != nil {
				return fmt.Errorf("mark message %d answered: %w", msg.ID, err)
			}
			for _, ko := range outs {
				if err := insertOutgoing(ctx, tx, conv, ko.o, ko.key, now, now, deliver); err != nil {
					return err
				}
				if deliver {
					delivered = append(delivered, ko.o)
				}
			}
			for _, ev := range events {
				if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
					return fmt.Errorf("record %s event: %w", ev.Type, err)
				}
			}
			return nil
		})
	}
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

// keyedOutgoing is an outgoing message and its outbox idempotency key.
type keyedOutgoing struct {
	key string
	o   Outgoing
}

// insertOutgoing writes the message and its outbox row; sent records it as delivered
// already (the caller hands it over within this request).
func insertOutgoing(ctx context.Context, tx bun.Tx, conv *store.Conversation, o Outgoing, key string, now, notBefore time.Time, sent bool) error {
	m, item, err := outgoingRows(conv, o, key, now, notBefore, sent)
	if err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store outgoing message: %w", err)
	}
	item.MessageID = &m.ID
	if _, err := tx.NewInsert().Model(item).Exec(ctx); err != nil {
		return fmt.Errorf("queue outgoing message: %w", err)
	}
	return nil
}

// outgoingRows are the message and outbox rows of an outgoing message (the outbox row's
// MessageID is set once the message is stored).
func outgoingRows(conv *store.Conversation, o Outgoing, key string, now, notBefore time.Time, sent bool) (*store.Message, *store.OutboxItem, error) {
	if o.From == "" {
		o.From = conv.ChannelAddress
	}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, nil, fmt.Errorf("encode outgoing message: %w", err)
	}
	msgStatus, itemStatus, attempts := StatusQueued, "pending", 0
	var sentAt *time.Time
	if sent {
		msgStatus, itemStatus, attempts, sentAt = StatusSent, "sent", 1, &now
	}
	kind := KindText
	if o.Audio != nil {
		kind = KindAudio
	}
	m := &store.Message{
		ConversationID: conv.ID, Direction: "out", Channel: conv.Channel, Kind: kind, Text: o.Text,
		Payload: body, Status: msgStatus, CreatedAt: now,
	}
	convID := conv.ID
	item := &store.OutboxItem{
		ConversationID: &convID, Channel: conv.Channel, Recipient: conv.Contact, Kind: kind,
		Payload: body, IdempotencyKey: key, Status: itemStatus, Attempts: attempts, NotBefore: notBefore, CreatedAt: now, SentAt: sentAt,
	}
	return m, item, nil
}

// commitPostgres saves a turn in one statement (one round trip instead of six or more):
// the conversation's and the message's updates, each reply's message and outbox row, and
// the events, as data-modifying CTEs, atomic like the transaction it replaces.
func (s *Service) commitPostgres(ctx context.Context, conv *store.Conversation, saveConv, answered *bun.UpdateQuery, outs []keyedOutgoing, events []*store.DomainEvent, now time.Time) error {
	q := s.db.NewSelect().With("conv", saveConv).With("answered", answered)
	if len(outs) > 0 {
		// The replies' ids are drawn first, in order: the order of data-modifying CTEs
		// is not defined, and the ids are the order the guest reads them in.
		q = q.With("ids", s.db.NewRaw("SELECT g, nextval(pg_get_serial_sequence('messages', 'id')) AS id FROM generate_series(0, ?) AS g", len(outs)-1))
	}
	for i, ko := range outs {
		m, item, err := outgoingRows(conv, ko.o, ko.key, now, now, false)
		if err != nil {
			return err
		}
		q = q.With(fmt.Sprintf("out%d", i), s.db.NewInsert().Model(m).Value("id", "(SELECT id FROM ids WHERE g = ?)", i)).
			With(fmt.Sprintf("box%d", i), s.db.NewInsert().Model(item).Value("message_id", "(SELECT id FROM ids WHERE g = ?)", i))
	}
	if len(events) > 0 {
		q = q.With("events", s.db.NewInsert().Model(&events))
	}
	var one int
	if err := q.ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("save the turn of conversation %d: %w", conv.ID, err)
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
	ev, err := newEvent(convID, typ, at, payload)
	if err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("record %s event: %w", typ, err)
	}
	return nil
}

// newEvent is a conversation event row.
func newEvent(convID int64, typ string, at time.Time, payload map[string]any) (*store.DomainEvent, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", typ, err)
	}
	return &store.DomainEvent{AggregateType: AggregateConversation, AggregateID: strconv.FormatInt(convID, 10),
		Type: typ, Payload: body, OccurredAt: at}, nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
