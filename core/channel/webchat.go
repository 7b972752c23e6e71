package channel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/conserje/conserje/core/conversation"
)

// Webchat is the name of the built-in web chat channel.
const Webchat = "webchat"

// MaxChatText caps a web chat message, in characters.
const MaxChatText = 2000

// Conversers answer a message synchronously (core/conversation's Converse).
type Conversers interface {
	Converse(ctx context.Context, in conversation.Inbound) (conversation.Received, []conversation.Outgoing, error)
}

var _ Conversers = (*conversation.Service)(nil)

// InputError is a web chat request the guest's page got wrong, by field.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

// ChatButton is a quick reply.
type ChatButton struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ChatReply is one bot message.
type ChatReply struct {
	Text    string       `json:"text"`
	Buttons []ChatButton `json:"buttons"`
	// Staff is true for a message a person wrote from the admin.
	Staff bool `json:"staff,omitempty"`
}

// ChatResult is the answer to one web chat message.
type ChatResult struct {
	ConversationID string      `json:"conversation_id"`
	Replies        []ChatReply `json:"replies"`
}

// WebchatChannel is the built-in web chat: the page posts a message and gets the replies
// in the same response. Conversation ids are random and unguessable; the page keeps its
// own in local storage.
type WebchatChannel struct {
	conv Conversers
}

// NewWebchat returns the web chat channel over conv.
func NewWebchat(conv Conversers) *WebchatChannel { return &WebchatChannel{conv: conv} }

var conversationID = regexp.MustCompile(`^wc_[0-9a-f]{24}$`)

// NewConversationID returns a fresh web chat conversation id.
func NewConversationID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "wc_" + hex.EncodeToString(b[:])
}

// ValidConversationID reports whether id has the web chat's shape.
func ValidConversationID(id string) bool { return conversationID.MatchString(id) }

// clientMessageID is the shape of a web chat page's own message id.
var clientMessageID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Chat answers one message. An empty conversation id starts a conversation. messageID,
// the page's own id of the message (optional), makes a retry safe: the same id in the
// same conversation is stored once and answered once, and a retry gets the same replies.
func (w *WebchatChannel) Chat(ctx context.Context, convID, messageID, text string) (ChatResult, error) {
	if convID == "" {
		convID = NewConversationID()
	} else if !ValidConversationID(convID) {
		return ChatResult{}, &InputError{Field: "conversation_id", Message: "unknown format: leave it empty to start a conversation"}
	}
	if messageID != "" && !clientMessageID.MatchString(messageID) {
		return ChatResult{}, &InputError{Field: "message_id", Message: "use 1 to 64 letters, digits, - or _ (a random id per message)"}
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return ChatResult{}, &InputError{Field: "text", Message: "is required"}
	case !utf8.ValidString(text):
		return ChatResult{}, &InputError{Field: "text", Message: "must be UTF-8"}
	case utf8.RuneCountInString(text) > MaxChatText:
		return ChatResult{}, &InputError{Field: "text", Message: "is longer than 2000 characters"}
	}
	in := conversation.Inbound{Channel: Webchat, Contact: convID, AddressKind: conversation.AddressWeb, Text: text}
	if messageID != "" {
		// Unique per channel: scoped by the conversation, whose id is unguessable.
		in.ExternalID = convID + ":" + messageID
	}
	_, out, err := w.conv.Converse(ctx, in)
	if err != nil {
		return ChatResult{}, err
	}
	return ChatResult{ConversationID: convID, Replies: chatReplies(out)}, nil
}

// Pending is what the web chat needs to collect messages that arrived after its last
// answer (core/conversation's TakePendingFor).
type Pending interface {
	TakePendingFor(ctx context.Context, channel, contact string) ([]conversation.Outgoing, error)
}

var _ Pending = (*conversation.Service)(nil)

// Updates hands the guest's page the messages queued for its conversation since its last
// request (a staff reply, a payment confirmation), each once. An unknown conversation has
// none.
func (w *WebchatChannel) Updates(ctx context.Context, convID string) (ChatResult, error) {
	if !ValidConversationID(convID) {
		return ChatResult{}, &InputError{Field: "conversation_id", Message: "unknown format"}
	}
	res := ChatResult{ConversationID: convID, Replies: []ChatReply{}}
	p, ok := w.conv.(Pending)
	if !ok {
		return res, nil
	}
	out, err := p.TakePendingFor(ctx, Webchat, convID)
	if err != nil {
		return ChatResult{}, err
	}
	res.Replies = chatReplies(out)
	return res, nil
}

func chatReplies(out []conversation.Outgoing) []ChatReply {
	replies := make([]ChatReply, 0, len(out))
	for _, o := range out {
		r := ChatReply{Text: o.Text, Buttons: make([]ChatButton, 0, len(o.Buttons)), Staff: o.Staff != ""}
		for _, b := range o.Buttons {
			r.Buttons = append(r.Buttons, ChatButton{ID: b.ID, Title: b.Title})
		}
		replies = append(replies, r)
	}
	return replies
}

// IsInputError reports whether err is the guest page's fault.
func IsInputError(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}
