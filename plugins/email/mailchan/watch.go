package mailchan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/conserje/conserje/plugins/email/inquiry"
	"github.com/conserje/conserje/plugins/email/outgoing"
	"github.com/conserje/conserje/sdk/channel"
)

// errEmit wraps the core's refusal of a message: the stream ends and the core reopens
// it from the cursor it stored.
var errEmit = errors.New("core did not take the message")

// fetchBatch is how many messages one FETCH brings.
const fetchBatch = 25

// dial opens an authenticated IMAP connection; notify (if not nil) gets a tick whenever
// the server announces new mail.
func dial(cfg config, notify chan<- struct{}) (*imapclient.Client, error) {
	opts := &imapclient.Options{
		TLSConfig: cfg.tlsConfig(cfg.IMAPAddr),
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
	}
	if notify != nil {
		opts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case notify <- struct{}{}:
					default:
					}
				}
			},
		}
	}
	var c *imapclient.Client
	var err error
	switch cfg.IMAPSecurity {
	case outgoing.SecurityTLS:
		c, err = imapclient.DialTLS(cfg.IMAPAddr, opts)
	case outgoing.SecurityStartTLS:
		c, err = imapclient.DialStartTLS(cfg.IMAPAddr, opts)
	case outgoing.SecurityNone:
		c, err = imapclient.DialInsecure(cfg.IMAPAddr, opts)
	default:
		return nil, fmt.Errorf("imap security %q", cfg.IMAPSecurity)
	}
	if err != nil {
		return nil, fmt.Errorf("imap dial %s: %w", cfg.IMAPAddr, err)
	}
	if err := c.Login(cfg.IMAPUsername, cfg.IMAPPassword).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login as %s: %w", cfg.IMAPUsername, err)
	}
	return c, nil
}

// watch runs one IMAP session: select, read what is new, then wait (IDLE, and a poll
// every cfg.poll) and read again, until ctx ends or the connection fails.
func (ch *Channel) watch(ctx context.Context, cfg config, cur *cursor, fresh bool, emit func(channel.InboundMessage) error) error {
	notify := make(chan struct{}, 1)
	c, err := dial(cfg, notify)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	sel, err := c.Select(cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("imap select %s: %w", cfg.Mailbox, err)
	}
	if cur.validity != sel.UIDValidity {
		if cur.validity != 0 {
			ch.log.Warn("mailbox UIDVALIDITY changed: reading every message without the processed keyword",
				"mailbox", cfg.Mailbox, "old", cur.validity, "new", sel.UIDValidity)
		}
		*cur = cursor{validity: sel.UIDValidity}
	}
	ch.healthy()
	for {
		if err := ch.readNew(ctx, c, cfg, cur, fresh, emit); err != nil {
			return err
		}
		if fresh && sel.UIDNext > 1 && cur.uid < uint32(sel.UIDNext)-1 {
			// Without a cursor only the backfill window was read: older mail stays
			// unread by the bot from now on too, not only in the first search.
			cur.uid = uint32(sel.UIDNext) - 1
		}
		fresh = false
		if err := ch.wait(ctx, c, cfg, notify); err != nil {
			return err
		}
	}
}

// wait blocks until the server announces mail, the poll interval passes or ctx ends.
func (ch *Channel) wait(ctx context.Context, c *imapclient.Client, cfg config, notify <-chan struct{}) error {
	timer := time.NewTimer(cfg.poll)
	defer timer.Stop()
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		return c.Noop().Wait()
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("imap idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-notify:
	case <-timer.C:
	case <-c.Closed():
	}
	if err := idle.Close(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("imap idle done: %w", err)
	}
	if err := idle.Wait(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("imap idle: %w", err)
	}
	return ctx.Err()
}

// readNew emits, in UID order, every message after the cursor that is not marked
// processed (nor deleted); with no cursor yet, only mail of the backfill window.
func (ch *Channel) readNew(ctx context.Context, c *imapclient.Client, cfg config, cur *cursor, fresh bool, emit func(channel.InboundMessage) error) error {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.Flag(cfg.Keyword), imap.FlagDeleted}}
	if cur.uid > 0 {
		criteria.UID = []imap.UIDSet{{imap.UIDRange{Start: imap.UID(cur.uid + 1), Stop: 0}}}
	} else if fresh {
		criteria.Since = ch.now().Add(-cfg.backfill)
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return fmt.Errorf("imap search: %w", err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > cur.uid { // "n:*" always matches the last message, even below n
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	for len(uids) > 0 {
		n := min(fetchBatch, len(uids))
		batch := uids[:n]
		uids = uids[n:]
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("imap fetch: %w", err)
		}
		slices.SortFunc(msgs, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
		for _, m := range msgs {
			if err := ctx.Err(); err != nil {
				return err
			}
			next := cursor{validity: cur.validity, uid: uint32(m.UID)}
			d := inquiry.Decide(m.FindBodySection(section), ch.inquiryConfig(cfg))
			received := m.InternalDate
			if received.IsZero() {
				received = ch.now()
			}
			in := toInbound(d, cfg.from.Address, next, received)
			ch.log.Info("mail read", "uid", m.UID, "decision", d.Decision, "category", d.Category, "reason", d.Reason)
			if err := emit(in); err != nil {
				return fmt.Errorf("%w: %w", errEmit, err)
			}
			ch.pending(next)
			*cur = next
		}
	}
	return nil
}

// markProcessed sets the processed keyword on the UIDs the core acknowledged, on its own
// connection (the watching one may be in IDLE).
func markProcessed(cfg config, validity uint32, uids []imap.UID) error {
	c, err := dial(cfg, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	sel, err := c.Select(cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("imap select %s: %w", cfg.Mailbox, err)
	}
	if sel.UIDValidity != validity {
		return fmt.Errorf("mailbox %s was rebuilt (UIDVALIDITY %d, acknowledged %d): nothing marked", cfg.Mailbox, sel.UIDValidity, validity)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(cfg.Keyword)}}
	if err := c.Store(imap.UIDSetNum(uids...), store, nil).Close(); err != nil {
		return fmt.Errorf("imap store %s: %w", cfg.Keyword, err)
	}
	return c.Logout().Wait()
}
