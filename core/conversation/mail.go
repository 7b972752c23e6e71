package conversation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
)

// MailThread is what an e-mail's answer is threaded on: its Message-ID, In-Reply-To,
// References and subject, stored with the message.
type MailThread struct {
	// MessageID is empty when the mail had none (the answer then starts a thread).
	MessageID  string   `json:"message_id,omitempty"`
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	Subject    string   `json:"subject,omitempty"`
}

// Form is the stay a portal's inquiry form named.
type Form struct {
	CheckIn  string `json:"check_in,omitempty"`
	CheckOut string `json:"check_out,omitempty"`
	Guests   int    `json:"guests,omitempty"`
}

// isMail reports whether the conversation's guest is an e-mail address: answers go as
// letters.
func isMail(conv *store.Conversation) bool { return conv.AddressKind == AddressEmail }

func guestOf(conv *store.Conversation) dialog.Guest {
	return dialog.Guest{ConversationID: conv.ID, Channel: conv.Channel, Contact: conv.Contact, Name: conv.GuestName,
		AddressKind: conv.AddressKind}
}

// threadOn threads an answer on the mail m (RFC 5322 section 3.6.4): In-Reply-To its
// Message-ID, References its References (or its one In-Reply-To) plus its Message-ID, and
// its subject (the channel prefixes "Re: " once).
func (o *Outgoing) threadOn(m *MailThread) {
	if m == nil {
		return
	}
	if m.Subject != "" {
		o.Subject = m.Subject
	}
	if m.MessageID == "" {
		return
	}
	refs := slices.Clone(m.References)
	if len(refs) == 0 && len(m.InReplyTo) == 1 {
		refs = append(refs, m.InReplyTo[0])
	}
	o.InReplyTo, o.References = m.MessageID, append(refs, m.MessageID)
}

// letter writes replies to an e-mail guest as one letter (dialog.Engine.Letter) signed by
// author ("" for the bot), threaded on the mail answered: answered's, or else the guest's
// latest mail.
func (s *Service) letter(ctx context.Context, conv *store.Conversation, st *dialog.State, replies []dialog.Reply, author string, answered *Content) (Outgoing, error) {
	l, err := s.engines.Engine().Letter(ctx, st, guestOf(conv), replies, author, s.now())
	if err != nil {
		return Outgoing{}, fmt.Errorf("letter to conversation %d: %w", conv.ID, err)
	}
	keys := make([]string, 0, len(replies))
	for _, r := range replies {
		if r.Template != "" {
			keys = append(keys, r.Template)
		}
	}
	o := Outgoing{Text: l.Text, Subject: l.Subject, Template: strings.Join(keys, "+")}
	thread := (*MailThread)(nil)
	if answered != nil {
		thread = answered.Mail
	}
	if thread == nil {
		if thread, err = s.latestMail(ctx, conv.ID); err != nil {
			return Outgoing{}, err
		}
	}
	o.threadOn(thread)
	return o, nil
}

// latestMail is the threading of the guest's latest mail in the conversation (nil: none).
func (s *Service) latestMail(ctx context.Context, conversationID int64) (*MailThread, error) {
	var msgs []store.Message
	err := s.db.NewSelect().Model(&msgs).Column("id", "payload").
		Where("conversation_id = ? AND direction = 'in'", conversationID).OrderExpr("id DESC").Limit(20).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("latest mail of conversation %d: %w", conversationID, err)
	}
	for _, m := range msgs {
		if c, err := DecodeContent(m.Payload); err == nil && c.Mail != nil {
			return c.Mail, nil
		}
	}
	return nil, nil
}
