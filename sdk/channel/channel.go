package channel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// Channel is what the core calls on a channel. Implementations must be safe for
// concurrent use.
type Channel interface {
	// HandleWebhook verifies and normalizes one provider HTTP request. A request that
	// fails verification is answered through the reply (e.g. Status 401), not an error;
	// an error means the plugin could not process it and the core answers 500 so the
	// provider retries.
	HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
	// Send delivers one outbound message. It must be idempotent on IdempotencyKey where
	// the provider allows it.
	Send(ctx context.Context, req SendRequest) (SendResponse, error)
	// FetchMedia downloads a media item named by an inbound message's Media.ID.
	FetchMedia(ctx context.Context, req FetchMediaRequest) (FetchMediaResponse, error)
}

// Plugin is what a channel plugin implements and what the host's client offers.
type Plugin interface {
	plugin.Lifecycle
	Channel
}

// Puller is implemented by pull channels (IMAP): Receive streams inbound messages until
// ctx ends or the source fails, calling emit once per message in order. A plugin that
// implements it should list the "pull" capability. The core persists each message's
// Cursor after storing it and passes the last one back in the next Receive, so delivery
// is at-least-once; the core dedupes on ExternalID.
type Puller interface {
	Receive(ctx context.Context, req ReceiveRequest, emit func(InboundMessage) error) error
}

// Acker is implemented by pull channels that mark messages done at the source (an IMAP
// \Seen flag) only once the core has stored them: the core calls Ack with the Cursor of
// the last message it committed, after committing it. A plugin that implements it sets
// Capabilities.Ack.
type Acker interface {
	Ack(ctx context.Context, req AckRequest) error
}

// AckRequest names the last message the core stored durably.
type AckRequest struct {
	Cursor string
}

// Capabilities are a channel's typed capabilities (Description.Channel).
type Capabilities = plugin.ChannelCapabilities

// Capabilities a channel may list in its Description's free-form list; the typed
// Description.Channel says the same to the core.
const (
	CapabilityLists     = "lists"
	CapabilityButtons   = "buttons"
	CapabilityAudio     = "audio"
	CapabilityTemplates = "templates"
	CapabilityMedia     = "media"
	CapabilityPull      = "pull"
)

// Errors a channel returns (wrapped) for outcomes the core branches on; the generic ones
// (plugin.ErrRateLimited, plugin.ErrUnavailable, ...) apply too.
var (
	// ErrRecipientInvalid: the recipient does not exist on the channel; do not retry.
	ErrRecipientInvalid = errors.New("recipient invalid on this channel")
	// ErrWindowClosed: the channel refuses free-form messages to this recipient now
	// (WhatsApp's 24-hour customer service window has closed); send a Template instead.
	ErrWindowClosed = errors.New("messaging window closed; a template is required")
)

// WebhookRequest is a provider's HTTP request forwarded by the core.
type WebhookRequest struct {
	plugin.WebhookRequest
}

// WebhookResponse is the HTTP answer plus what the request carried.
type WebhookResponse struct {
	plugin.WebhookReply
	Messages []InboundMessage
	Statuses []DeliveryStatus
}

// MessageType is the kind of content of an inbound message.
type MessageType string

// Inbound message types.
const (
	TypeText     MessageType = "text"
	TypeAudio    MessageType = "audio"
	TypeImage    MessageType = "image"
	TypeVideo    MessageType = "video"
	TypeDocument MessageType = "document"
	TypeLocation MessageType = "location"
	// TypeButtonReply: the guest picked one of our options (a reply button, a list row,
	// a template's quick reply); ButtonID is the option's id as we sent it.
	TypeButtonReply MessageType = "button_reply"
	// TypeReaction: an emoji on one of our messages (Reaction).
	TypeReaction MessageType = "reaction"
	// TypeUnsupported: something the plugin cannot normalize (a sticker, a poll); the
	// core answers that it only understands text and voice.
	TypeUnsupported MessageType = "unsupported"
)

// Known reports whether t is one of the normalized types above.
func (t MessageType) Known() bool {
	switch t {
	case TypeText, TypeAudio, TypeImage, TypeVideo, TypeDocument, TypeLocation, TypeButtonReply, TypeReaction, TypeUnsupported:
		return true
	}
	return false
}

// InboundMessage is one message from a guest, normalized.
type InboundMessage struct {
	// ExternalID is the provider's message id; with the channel it is the dedupe key.
	ExternalID string
	// From is the sender's address on the channel (a WhatsApp id in E.164 digits, an
	// email address); the conversation key.
	From     string
	FromName string
	// To is the address of ours that received it (a phone number id, a mailbox).
	To string
	// Thread groups messages of one conversation where the channel has threads (email
	// References/In-Reply-To); empty otherwise.
	Thread     string
	ReceivedAt time.Time
	Type       MessageType
	// Text is the body of a text message, the caption of media, the plain body of an
	// email, or the title of the chosen button.
	Text    string
	Subject string
	// ButtonID is the id of the chosen button for TypeButtonReply.
	ButtonID string
	// ReplyTo is the ExternalID of the message this one answers, when the channel says.
	ReplyTo  string
	Media    *Media
	Location *Location
	// Cursor is set by pull channels: the position to resume Receive after this message.
	Cursor string
	// Metadata holds channel-specific extras the core may log but does not interpret.
	Metadata map[string]string
	// RawType is the provider's name of the type when Type is TypeUnsupported (e.g.
	// "sticker", or a type newer than the plugin).
	RawType string
	// Reaction is set for TypeReaction.
	Reaction *Reaction
	// ErrorCodes are provider error codes attached to the message (131051 on an
	// unsupported WhatsApp message).
	ErrorCodes []string
	// FromUserID is the sender's provider-scoped id (WhatsApp's business-scoped user id),
	// when sent; From falls back to it when the provider gives no address.
	FromUserID string
	// Notice is set by channels that decide for themselves what an inbound item is (the
	// e-mail channel): skip it, hand it to staff, or a bounce of one of our messages.
	// Nil: an ordinary guest message for the dialog.
	Notice *Notice
	// Mail is an e-mail's threading headers: the core stores them with the message and
	// passes them back on the answer (SendRequest.ReplyTo, References, Subject).
	Mail *MailHeaders
	// Constraints are relay rules the answers to this sender must obey (Constraint*).
	Constraints []string
	// Form is what a form the sender filled said (a portal's inquiry form): the core
	// starts the conversation with that stay, so the first answer is the offer.
	Form *Form
}

// Form is the stay a portal's inquiry form names.
type Form struct {
	// CheckIn and CheckOut are calendar dates YYYY-MM-DD ("" when not said).
	CheckIn  string
	CheckOut string
	Guests   int
}

// MailHeaders are the threading headers of one e-mail.
type MailHeaders struct {
	// MessageID is the mail's own Message-ID with <>; empty when it had none.
	MessageID  string
	InReplyTo  []string
	References []string
}

// Relay constraints a channel puts on the answers to a sender (InboundMessage.Constraints);
// the core renders its answers by them.
const (
	// ConstraintNoExternalLinks: no URLs, payment links included (Airbnb's relay).
	ConstraintNoExternalLinks = "no_external_links"
	// ConstraintNoContactDetails: no phone numbers or e-mail addresses (Airbnb's relay).
	ConstraintNoContactDetails = "no_contact_details"
	// ConstraintNoOffPlatformPayment: no payment outside the portal, neither link nor
	// bank transfer (Airbnb, Booking.com).
	ConstraintNoOffPlatformPayment = "no_off_platform_payment"
	// ConstraintStayOnRelay: answer only through the relay's alias (Booking.com).
	ConstraintStayOnRelay = "stay_on_relay"
)

// NoticeKind is what a channel decided about an inbound item.
type NoticeKind string

// Notice kinds.
const (
	// NoticeSkip: nothing to answer (automatic mail, portal marketing, our own mail);
	// the core records it with its reason for staff and answers nothing.
	NoticeSkip NoticeKind = "skip"
	// NoticeHandoff: a person must answer (no address reaches the guest, a suppressed
	// auto-reply, a spoofed sender); the core stores the message when it has a sender,
	// keeps the bot quiet on it and alerts staff at once.
	NoticeHandoff NoticeKind = "handoff"
	// NoticeBounce: one of our messages failed; FailedMessageID is the ExternalID its
	// Send returned. The core marks it failed and alerts staff.
	NoticeBounce NoticeKind = "bounce"
)

// Notice is a channel's decision about one inbound item.
type Notice struct {
	Kind NoticeKind
	// Reason is a machine-readable code with its detail ("automatic_mail: Auto-Submitted:
	// auto-replied"); Category the channel's kind of item ("portal_inquiry_no_reply_path").
	Reason   string
	Category string
	// FailedMessageID and FailedRecipient describe a bounce.
	FailedMessageID string
	FailedRecipient string
}

// Reaction is an emoji on one of our messages.
type Reaction struct {
	// MessageID is the ExternalID of the message reacted to.
	MessageID string
	// Emoji is empty when the guest took the reaction back.
	Emoji string
}

// Media names a media item to fetch with FetchMedia.
type Media struct {
	ID       string
	MIME     string
	Size     int64
	Filename string
	// Voice marks a recorded voice note (as opposed to an audio file).
	Voice bool
	// SHA256 is the lowercase hex digest the provider announced, when it did.
	SHA256 string
	// Caption is the media's caption (also in InboundMessage.Text).
	Caption string
}

// Location is a shared place.
type Location struct {
	Latitude  float64
	Longitude float64
	Name      string
	Address   string
}

// DeliveryState is the provider's news about a message we sent.
type DeliveryState string

// Delivery states.
const (
	StateSent      DeliveryState = "sent"
	StateDelivered DeliveryState = "delivered"
	StateRead      DeliveryState = "read"
	// StatePlayed: a voice note was played (WhatsApp, since 2026-03-17).
	StatePlayed DeliveryState = "played"
	StateFailed DeliveryState = "failed"
)

// Rank orders the non-terminal states (sent 1 < delivered 2 < read 3 < played 4); 0 for
// failed and for states the core does not know, which are stored without a state change.
func (s DeliveryState) Rank() int {
	switch s {
	case StateSent:
		return 1
	case StateDelivered:
		return 2
	case StateRead:
		return 3
	case StatePlayed:
		return 4
	}
	return 0
}

// DeliveryStatus reports the state of a message sent earlier.
type DeliveryStatus struct {
	// ExternalID is the id Send returned.
	ExternalID string
	Recipient  string
	State      DeliveryState
	At         time.Time
	// ErrorCode and Error explain StateFailed.
	ErrorCode string
	Error     string
	// ErrorCodes are every provider error code of the status (ErrorCode is the first).
	ErrorCodes []string
	// Sender is the address of ours that sent the message (a phone number id).
	Sender string
	// Failure says why a StateFailed message failed, as one of the Failure constants
	// (empty when the plugin cannot tell): the core sends a template after
	// FailureWindowClosed.
	Failure Failure
}

// Failure is why a sent message failed, reported with a StateFailed status.
type Failure string

// Failures of a sent message, matching the errors Send returns.
const (
	FailureWindowClosed     Failure = "window_closed"     // ErrWindowClosed
	FailureRecipientInvalid Failure = "recipient_invalid" // ErrRecipientInvalid
	FailureRateLimited      Failure = "rate_limited"      // plugin.ErrRateLimited
	FailurePermission       Failure = "permission_denied" // plugin.ErrPermissionDenied
	FailureUnavailable      Failure = "unavailable"       // plugin.ErrUnavailable
)

// FailureOf is the Failure matching a Send error ("" for others).
func FailureOf(err error) Failure {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrWindowClosed):
		return FailureWindowClosed
	case errors.Is(err, ErrRecipientInvalid):
		return FailureRecipientInvalid
	case errors.Is(err, plugin.ErrRateLimited):
		return FailureRateLimited
	case errors.Is(err, plugin.ErrPermissionDenied):
		return FailurePermission
	case errors.Is(err, plugin.ErrUnavailable):
		return FailureUnavailable
	}
	return ""
}

// SendRequest is one outbound message; exactly one of Text, Buttons, List, Audio and
// Template is set.
type SendRequest struct {
	// To is the recipient's address, as in InboundMessage.From.
	To string
	// From picks the sending address when the plugin has several; empty means default.
	From string
	// IdempotencyKey is stable across retries of the same outbox row.
	IdempotencyKey string
	// ReplyTo is the ExternalID of the message answered, for channels that quote.
	ReplyTo string
	// Thread and Subject are for threaded channels (email): Subject is the answered
	// message's (the channel prefixes "Re: " once) or a new thread's.
	Thread  string
	Subject string
	// References thread an e-mail answer: the thread's Message-IDs, oldest first, ending
	// with ReplyTo (the answered message's Message-ID, the answer's In-Reply-To).
	References []string
	// Author is who wrote the message: "" for the bot (an automatic answer, marked so
	// by e-mail); a staff member's name when a person wrote it (never marked automatic).
	Author string

	Text     *Text
	Buttons  *Buttons
	Audio    *Audio
	Template *Template
	List     *List
}

// List is a message whose options open as a list (WhatsApp: up to 10 rows); a row's ID
// comes back as InboundMessage.ButtonID.
type List struct {
	Body   string
	Header string
	Footer string
	// Button is the text of the button that opens the list.
	Button   string
	Sections []ListSection
}

// ListSection groups rows under a title (the title may be empty with one section).
type ListSection struct {
	Title string
	Rows  []ListRow
}

// ListRow is one option of a List.
type ListRow struct {
	ID          string
	Title       string
	Description string
}

// Text is a plain text message.
type Text struct {
	Body string
}

// Buttons is a text with quick-reply buttons (WhatsApp allows up to 3).
type Buttons struct {
	Body    string
	Header  string
	Footer  string
	Buttons []Button
}

// Button is one quick reply; its ID comes back as InboundMessage.ButtonID.
type Button struct {
	ID    string
	Title string
}

// Audio is a voice note or audio file.
type Audio struct {
	Data []byte
	// MIME is the type of Data, e.g. "audio/ogg; codecs=opus".
	MIME string
	// Voice asks the channel to present it as a voice note.
	Voice bool
	// MediaID is media already uploaded to the provider, sent instead of Data.
	MediaID string
}

// Template is a provider-approved message template (WhatsApp outside the 24-hour window).
type Template struct {
	Name     string
	Language string
	// Params fill the body's placeholders in order.
	Params []string
	// HeaderParams fill the header's text placeholders in order.
	HeaderParams []string
	// ButtonPayloads are the payloads of the template's quick-reply buttons, by index;
	// a tap comes back with the payload as ButtonID.
	ButtonPayloads []string
}

// SendResponse identifies the sent message for later DeliveryStatus.
type SendResponse struct {
	ExternalID string
	SentAt     time.Time
	// MediaID is the provider's id of audio the plugin uploaded, for reuse.
	MediaID string
}

// FetchMediaRequest names the media to download.
type FetchMediaRequest struct {
	MediaID string
	// MaxBytes caps the download (0: the plugin's default); larger media fail with
	// plugin.ErrInvalidRequest.
	MaxBytes int64
}

// FetchMediaResponse is the media's content.
type FetchMediaResponse struct {
	Data     []byte
	MIME     string
	Filename string
	// SHA256 is the lowercase hex digest of Data.
	SHA256 string
}

// ReceiveRequest starts a pull stream.
type ReceiveRequest struct {
	// Cursor is the last InboundMessage.Cursor the core stored; empty means from the
	// plugin's natural start (e.g. unseen mail).
	Cursor string
}

// Validate checks that the request names a recipient and carries exactly one content.
// The host checks it before sending; plugins may rely on it.
func (r SendRequest) Validate() error {
	if r.To == "" {
		return fmt.Errorf("%w: send without recipient", plugin.ErrInvalidRequest)
	}
	n := 0
	for _, set := range []bool{r.Text != nil, r.Buttons != nil, r.Audio != nil, r.Template != nil, r.List != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: send to %s needs exactly one of text, buttons, list, audio, template (got %d)", plugin.ErrInvalidRequest, r.To, n)
	}
	switch {
	case r.Buttons != nil && len(r.Buttons.Buttons) == 0:
		return fmt.Errorf("%w: buttons message without buttons", plugin.ErrInvalidRequest)
	case r.Audio != nil && r.Audio.MediaID == "" && (len(r.Audio.Data) == 0 || r.Audio.MIME == ""):
		return fmt.Errorf("%w: audio message needs a media id, or data and a MIME type", plugin.ErrInvalidRequest)
	case r.List != nil && r.List.rows() == 0:
		return fmt.Errorf("%w: list message without rows", plugin.ErrInvalidRequest)
	case r.Template != nil && r.Template.Name == "":
		return fmt.Errorf("%w: template message without template name", plugin.ErrInvalidRequest)
	}
	return nil
}

func (l *List) rows() int {
	n := 0
	for _, s := range l.Sections {
		n += len(s.Rows)
	}
	return n
}
