package conversation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Inbound messages are stored with group commit: a Receive that finds no write in flight
// writes at once, alone; the ones that arrive while a write is in flight queue up, and
// the next write stores all of them in one transaction of a few multi-row statements.
// Nobody waits for a batch to fill, so a lone message is stored as fast as before, while
// a burst (many guests at once, a provider replaying its backlog) pays a statement's
// parse, a round trip and a commit per batch instead of per message. Each Receive still
// returns only after its own message is committed, so a provider is never answered 200
// for a message that is not durable.

// maxIngestBatch bounds the messages one write stores (its statements' size).
const maxIngestBatch = 128

// ingestTimeout bounds one batch's write. The batch outlives the request that happened
// to write it (the others in it still wait for their answer), so it is not cancelled
// with that request.
const ingestTimeout = 15 * time.Second

// ingestQueue is the group commit's state: messages waiting for the next write, and
// whether a write is in flight.
type ingestQueue struct {
	mu      sync.Mutex
	waiting []*pendingInbound
	writing bool
	// queuedAt is when a message last joined ingestBusyDepth or more waiting behind a
	// write (UnixNano).
	queuedAt atomic.Int64
}

// ingestBusyFor is how long after messages last queued up the ingest counts as busy.
const ingestBusyFor = 50 * time.Millisecond

// ingestBusyDepth is how many messages waiting behind a write make a burst. One or two
// meeting a write is ordinary traffic (at 100 messages a second and 5 ms writes, four
// writes in ten find one waiting); a burst queues tens.
const ingestBusyDepth = 4

// IngestBusy tells whether inbound messages are queueing up to be stored (within the
// last 50 ms, ingestBusyDepth or more behind a write): a burst is arriving. The Router
// then answers fewer conversations at once, so acknowledging the provider keeps the
// machine first and the answers follow.
func (s *Service) IngestBusy() bool {
	at := s.ingest.queuedAt.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < ingestBusyFor
}

// pendingInbound is one Receive waiting for its message to be stored.
type pendingInbound struct {
	ctx context.Context
	in  Inbound
	// msg is the message's row; its conversation's is made from in and the time.
	msg store.Message
	// Set before done is closed.
	rec     Received
	created bool
	err     error
	done    chan struct{}
	// lead is closed when this Receive must write the next batch (it is first in line).
	lead chan struct{}
}

// storeInbound stores p's message (group commit) and returns when it is committed or failed.
func (s *Service) storeInbound(p *pendingInbound) (Received, bool, error) {
	p.done, p.lead = make(chan struct{}), make(chan struct{})
	q := &s.ingest
	q.mu.Lock()
	q.waiting = append(q.waiting, p)
	leader := !q.writing
	q.writing = true
	if !leader && len(q.waiting) >= ingestBusyDepth {
		q.queuedAt.Store(time.Now().UnixNano())
	}
	q.mu.Unlock()
	if !leader {
		// Not abandoned when the request's ctx ends: the write that holds p may be about
		// to commit it, and leadership handed to p must be taken up.
		select {
		case <-p.done:
			return p.rec, p.created, p.err
		case <-p.lead:
		}
	}
	s.writeNextBatch(p.ctx)
	<-p.done
	return p.rec, p.created, p.err
}

// writeNextBatch writes the messages first in line (the caller's among them), then hands
// the writing over to the first one still waiting, if any.
func (s *Service) writeNextBatch(ctx context.Context) {
	q := &s.ingest
	q.mu.Lock()
	n := min(len(q.waiting), maxIngestBatch)
	batch := slices.Clone(q.waiting[:n])
	q.waiting = slices.Delete(q.waiting, 0, n)
	q.mu.Unlock()

	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = fmt.Errorf("store inbound message of %s/%s: %w", p.in.Channel, p.in.Contact, err)
			close(p.done)
			continue
		}
		live = append(live, p)
	}
	if len(live) > 0 {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ingestTimeout)
		err := s.writeBatch(wctx, live)
		if err != nil && len(live) > 1 {
			// One message the database refuses (or a deadlock with another replica's
			// batch) must not fail the others: each is written on its own.
			s.log.WarnContext(ctx, "inbound batch refused; storing its messages one by one", "messages", len(live), "err", err)
			for _, p := range live {
				p.err = s.writeBatch(wctx, []*pendingInbound{p})
			}
		} else {
			for _, p := range live {
				p.err = err
			}
		}
		cancel()
		for _, p := range live {
			close(p.done)
		}
	}

	q.mu.Lock()
	if len(q.waiting) > 0 {
		close(q.waiting[0].lead)
	} else {
		q.writing = false
	}
	q.mu.Unlock()
}

// asStored is s as the database keeps it: the driver writes invalid UTF-8 as U+FFFD
// and drops NUL bytes. A batch matches the rows its statements return to its messages
// by these keys, so they are compared as stored.
func asStored(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// convKey names a conversation (or a message: channel and external id).
type convKey struct{ channel, id string }

// ingestConv is one conversation a batch creates or touches: the batch's messages of one
// guest merged (the latest time and addresses, the first name).
type ingestConv struct {
	key                      convKey
	guestName, addressKind   string
	channelAddress           string
	at                       time.Time
	id                       int64
	existed, createdReported bool
}

// writeBatch stores the batch's messages in one transaction (on PostgreSQL, one
// statement) and sets each one's result; the error is the batch's when it failed.
func (s *Service) writeBatch(ctx context.Context, batch []*pendingInbound) error {
	convs, order := mergeConversations(batch)
	// Messages repeated inside the batch are stored once: the first, in arrival order.
	first := map[convKey]*pendingInbound{}
	var msgs []*pendingInbound
	for _, p := range batch {
		k := convKey{p.in.Channel, *p.msg.ExternalID}
		if _, dup := first[k]; dup {
			continue
		}
		first[k] = p
		msgs = append(msgs, p)
	}
	var (
		msgIDs map[convKey]int64
		err    error
	)
	if s.db.Dialect() == store.Postgres {
		msgIDs, err = s.writeBatchPostgres(ctx, convs, order, msgs)
	} else {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			msgIDs, err = writeBatchSQLite(ctx, tx, convs, order, msgs)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("store %d inbound messages: %w", len(batch), err)
	}
	// Messages the channel delivered before this batch: answered as duplicates.
	var known []convKey
	for _, p := range msgs {
		k := convKey{p.in.Channel, *p.msg.ExternalID}
		if _, ok := msgIDs[k]; !ok {
			known = append(known, k)
		}
	}
	earlier, err := s.storedMessages(ctx, known)
	if err != nil {
		return err
	}
	for _, p := range batch {
		k := convKey{p.in.Channel, *p.msg.ExternalID}
		c := convs[convKey{p.in.Channel, p.in.Contact}]
		switch id, ok := msgIDs[k]; {
		case ok && first[k] == p:
			p.rec = Received{ConversationID: c.id, MessageID: id}
			// The first message of a conversation this batch created starts it.
			p.created = !c.existed && !c.createdReported
			c.createdReported = c.createdReported || p.created
		case ok:
			p.rec = Received{ConversationID: c.id, MessageID: id, Duplicate: true}
		default:
			e, found := earlier[k]
			if !found {
				return fmt.Errorf("store inbound message %s/%s: neither stored nor found", k.channel, k.id)
			}
			p.rec = e
		}
	}
	return nil
}

// mergeConversations folds the batch's messages into one row per conversation, in
// (channel, contact) order: concurrent batches lock conversations in one order.
func mergeConversations(batch []*pendingInbound) (map[convKey]*ingestConv, []*ingestConv) {
	convs := map[convKey]*ingestConv{}
	for _, p := range batch {
		k := convKey{p.in.Channel, p.in.Contact}
		c := convs[k]
		if c == nil {
			c = &ingestConv{key: k}
			convs[k] = c
		}
		if at := p.msg.CreatedAt; at.After(c.at) {
			c.at = at
		}
		c.guestName = cmp.Or(c.guestName, p.in.GuestName) // the first name stays
		c.addressKind = cmp.Or(p.in.AddressKind, c.addressKind)
		c.channelAddress = cmp.Or(p.in.To, c.channelAddress)
	}
	order := make([]*ingestConv, 0, len(convs))
	for _, c := range convs {
		order = append(order, c)
	}
	slices.SortFunc(order, func(a, b *ingestConv) int {
		return cmp.Or(strings.Compare(a.key.channel, b.key.channel), strings.Compare(a.key.id, b.key.id))
	})
	return convs, order
}

// conversationUpsert is what an inbound message changes in its existing conversation
// ("c" is the table, EXCLUDED the row that was to be inserted): the times, a name if it
// had none, the addresses the channel now reports.
const conversationUpsert = `ON CONFLICT (channel, contact) DO UPDATE SET
	last_inbound_at = EXCLUDED.last_inbound_at, last_message_at = EXCLUDED.last_message_at, updated_at = EXCLUDED.updated_at,
	guest_name = CASE WHEN c.guest_name = '' THEN EXCLUDED.guest_name ELSE c.guest_name END,
	address_kind = CASE WHEN EXCLUDED.address_kind = '' THEN c.address_kind ELSE EXCLUDED.address_kind END,
	channel_address = CASE WHEN EXCLUDED.channel_address = '' THEN c.channel_address ELSE EXCLUDED.channel_address END`

// conversationValues appends the conversations' VALUES rows and their arguments.
func conversationValues(b *strings.Builder, args []any, order []*ingestConv) []any {
	b.WriteString(`INSERT INTO conversations AS c (channel, contact, guest_name, state, address_kind, channel_address,
	session, last_inbound_at, last_message_at, created_at, updated_at) VALUES `)
	for i, c := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)")
		args = append(args, c.key.channel, c.key.id, c.guestName, StateBot, c.addressKind, c.channelAddress, c.at, c.at, c.at, c.at)
	}
	b.WriteString(" ")
	b.WriteString(conversationUpsert)
	return args
}

// ingestRow is a row the batch statements return: a conversation (id, channel, contact,
// whether this statement created it) or a message (id, channel, external id).
type ingestRow struct {
	Kind    string `bun:"kind"`
	ID      int64  `bun:"id"`
	Channel string `bun:"channel"`
	Key     string `bun:"key"`
	Created bool   `bun:"created"`
}

// writeBatchPostgres stores the batch in one statement: the conversations' upsert
// (xmax = 0 marks a row it inserted) and the messages' insert as data-modifying CTEs,
// the messages numbered in arrival order so their ids keep it.
func (s *Service) writeBatchPostgres(ctx context.Context, convs map[convKey]*ingestConv, order []*ingestConv, msgs []*pendingInbound) (map[convKey]int64, error) {
	var b strings.Builder
	args := make([]any, 0, 10*len(order)+9*len(msgs))
	b.WriteString("WITH conv AS (")
	args = conversationValues(&b, args, order)
	b.WriteString(` RETURNING c.id, c.channel, c.contact, c.xmax = 0 AS created),
msg AS (INSERT INTO messages (conversation_id, direction, channel, external_id, kind, text, payload, status, created_at)
	SELECT conv.id, 'in', v.channel, v.external_id, v.kind, v.text, v.payload::jsonb, v.status, v.created_at::timestamptz
	FROM (VALUES `)
	for i, p := range msgs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?::int)")
		args = append(args, p.in.Channel, p.in.Contact, *p.msg.ExternalID, p.msg.Kind, p.msg.Text, string(p.msg.Payload), p.msg.Status, p.msg.CreatedAt, i)
	}
	b.WriteString(`) AS v (channel, contact, external_id, kind, text, payload, status, created_at, n)
	JOIN conv ON conv.channel = v.channel AND conv.contact = v.contact
	ORDER BY v.n
	ON CONFLICT (channel, external_id) DO NOTHING
	RETURNING id, channel, external_id)
SELECT 'c' AS kind, id, channel, contact AS key, created FROM conv
UNION ALL SELECT 'm', id, channel, external_id, false FROM msg`)
	var rows []ingestRow
	if err := s.db.NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	return applyIngestRows(convs, rows, nil)
}

// writeBatchSQLite stores the batch inside tx, which holds SQLite's write lock from its
// BEGIN (store.Open's _txlock=immediate): the conversations that exist are read first,
// so the upsert's result tells which ones it created.
func writeBatchSQLite(ctx context.Context, tx bun.Tx, convs map[convKey]*ingestConv, order []*ingestConv, msgs []*pendingInbound) (map[convKey]int64, error) {
	var b strings.Builder
	args := make([]any, 0, 2*len(order))
	b.WriteString("SELECT 'c' AS kind, id, channel, contact AS key, false AS created FROM conversations WHERE (channel, contact) IN (VALUES ")
	for i, c := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, c.key.channel, c.key.id)
	}
	b.WriteString(")")
	var existing []ingestRow
	if err := tx.NewRaw(b.String(), args...).Scan(ctx, &existing); err != nil {
		return nil, fmt.Errorf("find conversations: %w", err)
	}
	existed := map[convKey]bool{}
	for _, r := range existing {
		existed[convKey{r.Channel, r.Key}] = true
	}

	b.Reset()
	args = conversationValues(&b, make([]any, 0, 10*len(order)), order)
	b.WriteString(" RETURNING 'c' AS kind, id, channel, contact AS key, false AS created")
	var rows []ingestRow
	if err := tx.NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("upsert conversations: %w", err)
	}
	for i := range rows {
		rows[i].Created = !existed[convKey{rows[i].Channel, rows[i].Key}]
	}
	if _, err := applyIngestRows(convs, rows, nil); err != nil {
		return nil, err
	}

	b.Reset()
	args = make([]any, 0, 9*len(msgs))
	b.WriteString("INSERT INTO messages (conversation_id, direction, channel, external_id, kind, text, payload, status, created_at) VALUES ")
	for i, p := range msgs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, 'in', ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, convs[convKey{p.in.Channel, p.in.Contact}].id, p.in.Channel, *p.msg.ExternalID,
			p.msg.Kind, p.msg.Text, string(p.msg.Payload), p.msg.Status, p.msg.CreatedAt)
	}
	b.WriteString(" ON CONFLICT (channel, external_id) DO NOTHING RETURNING 'm' AS kind, id, channel, external_id AS key, false AS created")
	rows = rows[:0]
	if err := tx.NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("insert messages: %w", err)
	}
	return applyIngestRows(convs, nil, rows)
}

// applyIngestRows records the conversations' ids (and which were created) and returns
// the stored messages' ids by (channel, external id).
func applyIngestRows(convs map[convKey]*ingestConv, convRows, msgRows []ingestRow) (map[convKey]int64, error) {
	ids := map[convKey]int64{}
	for _, r := range slices.Concat(convRows, msgRows) {
		k := convKey{r.Channel, r.Key}
		switch r.Kind {
		case "c":
			c := convs[k]
			if c == nil {
				return nil, fmt.Errorf("upsert conversations: unexpected row %s/%s", r.Channel, r.Key)
			}
			c.id, c.existed = r.ID, !r.Created
		case "m":
			ids[k] = r.ID
		}
	}
	for _, c := range convs {
		if c.id == 0 && len(convRows) > 0 {
			return nil, fmt.Errorf("upsert conversation %s/%s: neither found nor created", c.key.channel, c.key.id)
		}
	}
	return ids, nil
}

// storedMessages finds messages stored before, by (channel, external id).
func (s *Service) storedMessages(ctx context.Context, keys []convKey) (map[convKey]Received, error) {
	out := map[convKey]Received{}
	if len(keys) == 0 {
		return out, nil
	}
	var b strings.Builder
	args := make([]any, 0, 2*len(keys))
	b.WriteString("SELECT id, conversation_id, channel, external_id FROM messages WHERE (channel, external_id) IN (VALUES ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, k.channel, k.id)
	}
	b.WriteString(")")
	var rows []store.Message
	if err := s.db.NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find duplicate inbound messages: %w", err)
	}
	for _, m := range rows {
		out[convKey{m.Channel, *m.ExternalID}] = Received{ConversationID: m.ConversationID, MessageID: m.ID, Duplicate: true}
	}
	return out, nil
}
