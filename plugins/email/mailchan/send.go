package mailchan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/conserje/conserje/plugins/email/inquiry"
	"github.com/conserje/conserje/plugins/email/outgoing"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// batch gathers the texts of one turn to one recipient into one e-mail: one automatic
// answer per inbound message.
type batch struct {
	to     string
	author string
	// The threading of the answer, from the first request (one turn answers one message).
	subject    string
	inReplyTo  string
	references []string
	texts      []string
	keys       []string
	done       chan struct{}
	resp       channel.SendResponse
	err        error
}

// sendTimeout bounds one SMTP submission.
const sendTimeout = time.Minute

// Send answers req.To by e-mail, threaded as the core says (ReplyTo is the answered
// message's Message-ID, References the thread, Subject the answered message's: the core
// stores them, so threads survive a restart of the plugin). Texts sent to one address
// by one author within the coalesce window go as one message, redacted as its relay
// requires. The bot's answers (no Author) are marked Auto-Submitted and capped per
// correspondent (plugin.ErrRateLimited over the daily cap); a staff member's are neither.
// Only text is sent (buttons degrade to text in the core).
func (ch *Channel) Send(ctx context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	if err := req.Validate(); err != nil {
		return channel.SendResponse{}, err
	}
	if req.Text == nil {
		return channel.SendResponse{}, fmt.Errorf("%w: e-mail answers are text", plugin.ErrUnsupported)
	}
	cfg, err := ch.config()
	if err != nil {
		return channel.SendResponse{}, err
	}
	to := strings.ToLower(strings.TrimSpace(req.To))
	if _, err := mail.ParseAddress(to); err != nil {
		return channel.SendResponse{}, fmt.Errorf("%w: %q is not an e-mail address", channel.ErrRecipientInvalid, req.To)
	}
	if slices.Contains(cfg.own, to) {
		return channel.SendResponse{}, fmt.Errorf("%w: %s is one of our own addresses", channel.ErrRecipientInvalid, to)
	}
	ch.mu.Lock()
	if r, ok := ch.sent[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		ch.mu.Unlock()
		return r, nil
	}
	key := to + "\x00" + req.Author
	b := ch.batches[key]
	if b == nil {
		b = &batch{to: to, author: req.Author, subject: req.Subject, inReplyTo: req.ReplyTo,
			references: slices.Clone(req.References), done: make(chan struct{})}
		ch.batches[key] = b
		time.AfterFunc(cfg.coalesce, func() { ch.flush(cfg, key, b) })
	}
	b.texts = append(b.texts, req.Text.Body)
	b.keys = append(b.keys, req.IdempotencyKey)
	ch.mu.Unlock()
	select {
	case <-b.done:
		return b.resp, b.err
	case <-ctx.Done():
		return channel.SendResponse{}, ctx.Err()
	}
}

// flush writes and submits one batch.
func (ch *Channel) flush(cfg config, key string, b *batch) {
	to, automatic := b.to, b.author == ""
	ch.mu.Lock()
	delete(ch.batches, key)
	now := ch.now()
	recent := ch.answers[to][:0]
	for _, t := range ch.answers[to] {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	ch.answers[to] = recent
	capped := automatic && len(recent) >= cfg.MaxPerCorrespondent
	ch.mu.Unlock()
	defer close(b.done)
	if capped {
		b.err = plugin.WithDetail(fmt.Errorf("%w: %d automatic answers to %s in 24 h", plugin.ErrRateLimited, len(recent), to),
			plugin.Detail{RetryAfter: 24*time.Hour - now.Sub(recent[0]), Scope: plugin.ScopeRecipient})
		ch.log.Warn("answer held: cap per correspondent reached", "to", to, "answers_24h", len(recent))
		return
	}
	r := outgoing.Reply{From: mail.Address{Name: cfg.from.Name, Address: cfg.from.Address}, To: to,
		Text: strings.Join(b.texts, "\n\n"), Automatic: automatic, Date: now, Subject: b.subject}
	if b.inReplyTo != "" {
		r.InReplyTo, r.References = b.inReplyTo, b.references
		if len(r.References) == 0 || r.References[len(r.References)-1] != b.inReplyTo {
			r.References = append(r.References, b.inReplyTo)
		}
		r.Subject = inquiry.ReplySubject(r.Subject)
	}
	if strings.TrimSpace(r.Subject) == "" || r.Subject == inquiry.ReplySubject("") {
		r.Subject = "Tu consulta"
	}
	if airbnbRelay(to) {
		var red outgoing.Redaction
		r.Text, red = outgoing.RedactContacts(r.Text)
		r.NoLinks = true
		if red.Any() {
			ch.log.Warn("relay answer redacted: links, addresses and phones are not allowed through it",
				"to", to, "links", red.Links, "addresses", red.Addresses, "phones", red.Phones)
		}
	}
	domain := cfg.from.Address[strings.LastIndexByte(cfg.from.Address, '@')+1:]
	id := outgoing.NewMessageID(domain, now)
	raw, err := outgoing.Compose(r, id)
	if err != nil {
		b.err = err
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	if err := ch.smtp(ctx, cfg, cfg.from.Address, []string{to}, raw); err != nil {
		b.err = fmt.Errorf("%w: %w", plugin.ErrUnavailable, err)
		return
	}
	b.resp = channel.SendResponse{ExternalID: id, SentAt: now}
	ch.mu.Lock()
	if automatic {
		ch.answers[to] = append(ch.answers[to], now)
	}
	if len(ch.sent) > maxSent {
		clear(ch.sent)
	}
	for _, k := range b.keys {
		if k != "" {
			ch.sent[k] = b.resp
		}
	}
	ch.mu.Unlock()
	ch.log.Info("answer sent", "to", to, "message_id", id, "texts", len(b.texts), "threaded", r.InReplyTo != "", "automatic", automatic)
}

func airbnbRelay(addr string) bool {
	return strings.HasSuffix(strings.ToLower(addr), "@reply.airbnb.com")
}
