package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/conserje/conserje/core/store"
)

// Live updates: GET /admin/live is a Server-Sent Events stream of what changed (a message,
// an escalation, a hold, a payment, a conflict). Each stream polls the database with a
// cursor (the last message id and the last domain event id, sent as the event id), so it
// works on SQLite and PostgreSQL and across replicas: whichever replica wrote a change,
// every replica's streams read it. A stream ends after liveStreamFor (under the server's
// write timeout); the browser reconnects with Last-Event-ID and misses nothing.
const (
	livePollEvery  = 250 * time.Millisecond
	liveStreamFor  = 20 * time.Second
	livePingEvery  = 10 * time.Second
	liveBatch      = 200
	liveRetryAfter = 1000 // ms, the browser's reconnection delay
)

// liveCursor is the position of a stream: the last message and domain event it sent.
type liveCursor struct{ Message, Event int64 }

func (c liveCursor) String() string { return fmt.Sprintf("%d.%d", c.Message, c.Event) }

func parseLiveCursor(s string) (liveCursor, bool) {
	m, e, ok := strings.Cut(s, ".")
	if !ok {
		return liveCursor{}, false
	}
	mi, err1 := strconv.ParseInt(m, 10, 64)
	ei, err2 := strconv.ParseInt(e, 10, 64)
	if err1 != nil || err2 != nil || mi < 0 || ei < 0 {
		return liveCursor{}, false
	}
	return liveCursor{mi, ei}, true
}

// liveEvent is one Server-Sent Event.
type liveEvent struct {
	Type string
	Data map[string]any
}

func (h *Handler) liveStream(c *fiber.Ctx) error {
	cur, ok := parseLiveCursor(c.Get("Last-Event-ID"))
	if !ok {
		cur, ok = parseLiveCursor(c.Query("after"))
	}
	if !ok {
		var err error
		if cur, err = h.liveStart(c.UserContext()); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // a proxy in front must not buffer the stream
	c.Context().SetBodyStreamWriter(fasthttp.StreamWriter(func(w *bufio.Writer) {
		h.streamLive(w, cur)
	}))
	return nil
}

// streamLive writes events after cur until the stream's time is up or the browser leaves.
func (h *Handler) streamLive(w *bufio.Writer, cur liveCursor) {
	fmt.Fprintf(w, "retry: %d\nid: %s\nevent: hello\ndata: {}\n\n", liveRetryAfter, cur)
	if w.Flush() != nil {
		return
	}
	end := time.Now().Add(liveStreamFor)
	lastWrite := time.Now()
	t := time.NewTicker(livePollEvery)
	defer t.Stop()
	for range t.C {
		if time.Now().After(end) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		events, next, err := h.liveEvents(ctx, cur)
		cancel()
		if err != nil {
			h.log.Warn("admin live: read changes", "err", err)
			return // the browser reconnects from its last id
		}
		for _, ev := range events {
			body, _ := json.Marshal(ev.Data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, body)
		}
		if next != cur {
			cur = next
			fmt.Fprintf(w, "id: %s\ndata: {}\n\n", cur)
		} else if time.Since(lastWrite) < livePingEvery {
			continue
		} else {
			fmt.Fprint(w, ": ping\n\n")
		}
		if w.Flush() != nil {
			return // the browser left
		}
		lastWrite = time.Now()
	}
}

// liveStart is the cursor of a new stream: now.
func (h *Handler) liveStart(ctx context.Context) (liveCursor, error) {
	var cur liveCursor
	if err := h.db.NewSelect().Model((*store.Message)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &cur.Message); err != nil {
		return cur, fmt.Errorf("admin live: start: %w", err)
	}
	if err := h.db.NewSelect().Model((*store.DomainEvent)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &cur.Event); err != nil {
		return cur, fmt.Errorf("admin live: start: %w", err)
	}
	return cur, nil
}

// liveEvents reads what changed after cur.
func (h *Handler) liveEvents(ctx context.Context, cur liveCursor) ([]liveEvent, liveCursor, error) {
	var msgs []struct {
		ID             int64  `bun:"id"`
		ConversationID int64  `bun:"conversation_id"`
		Direction      string `bun:"direction"`
	}
	err := h.db.NewSelect().Model((*store.Message)(nil)).Column("id", "conversation_id", "direction").
		Where("id > ?", cur.Message).OrderExpr("id").Limit(liveBatch).Scan(ctx, &msgs)
	if err != nil {
		return nil, cur, fmt.Errorf("admin live: messages: %w", err)
	}
	var evs []store.DomainEvent
	err = h.db.NewSelect().Model(&evs).Column("id", "aggregate_type", "aggregate_id", "type", "payload").
		Where("id > ?", cur.Event).OrderExpr("id").Limit(liveBatch).Scan(ctx)
	if err != nil {
		return nil, cur, fmt.Errorf("admin live: events: %w", err)
	}
	var out []liveEvent
	for _, m := range msgs {
		out = append(out, liveEvent{"message", map[string]any{"conversation_id": m.ConversationID, "direction": m.Direction}})
		cur.Message = m.ID
	}
	for _, ev := range evs {
		cur.Event = ev.ID
		if le, ok := h.liveEventOf(ctx, ev); ok {
			out = append(out, le)
		}
	}
	return out, cur, nil
}

// liveEventOf names a domain event for the pages; escalations carry what a notification
// says (the guest's name and why, in plain Spanish).
func (h *Handler) liveEventOf(ctx context.Context, ev store.DomainEvent) (liveEvent, bool) {
	switch {
	case ev.AggregateType == "conversation" && ev.Type == "conversation_escalated":
		id, _ := strconv.ParseInt(ev.AggregateID, 10, 64)
		var row conversationRow
		if err := h.conversationQuery().Where("c.id = ?", id).Scan(ctx, &row); err != nil {
			return liveEvent{"escalation", map[string]any{"conversation_id": id}}, true
		}
		return liveEvent{"escalation", map[string]any{"conversation_id": id, "guest": row.Name(), "reason": row.Reason(), "words": row.GuestWords}}, true
	case ev.AggregateType == "conversation":
		return liveEvent{"conversation", map[string]any{"type": ev.Type}}, true
	case ev.AggregateType == "reservation" && strings.HasPrefix(ev.Type, "payment_"):
		return liveEvent{"payment", map[string]any{"code": ev.AggregateID, "type": ev.Type}}, true
	case ev.AggregateType == "reservation" && strings.HasPrefix(ev.Type, "hold_"):
		return liveEvent{"hold", map[string]any{"code": ev.AggregateID, "type": ev.Type}}, true
	case ev.AggregateType == "reservation":
		return liveEvent{"reservation", map[string]any{"code": ev.AggregateID, "type": ev.Type}}, true
	case ev.AggregateType == "calendar_conflict":
		return liveEvent{"conflict", map[string]any{"type": ev.Type}}, true
	case ev.AggregateType == "calendar_feed":
		return liveEvent{"feed", map[string]any{"type": ev.Type}}, true
	}
	return liveEvent{}, false
}
