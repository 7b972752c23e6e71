package admin

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
)

// reservationRow is a reservation with its unit's name, for lists.
type reservationRow struct {
	store.Reservation `bun:",extend"`
	UnitName          string `bun:"unit_name"`
}

type conversationRow struct {
	store.Conversation `bun:",extend"`
	LastText           string `bun:"last_text"`
	// GuestWords is the guest's last message (what they asked a person for).
	GuestWords string `bun:"guest_words"`
	// BookedAs is the guest name on the conversation's latest booking.
	BookedAs string `bun:"booked_as"`
	Unread   bool   `bun:"unread"`
}

// Name is the guest's name, or a readable stand-in.
func (r conversationRow) Name() string { return guestName(&r.Conversation, r.BookedAs) }

// ContactLine is the guest's phone or e-mail ("" for the web chat).
func (r conversationRow) ContactLine() string { return guestContact(&r.Conversation) }

// ChannelName is the channel as staff call it.
func (r conversationRow) ChannelName() string { return channelLabel(r.Channel) }

// Reason says in plain Spanish why a person has the conversation.
func (r conversationRow) Reason() string { return reasonLabel(r.EscalationReason) }

type conflictRow struct {
	ID           int64      `bun:"id"`
	UnitName     string     `bun:"unit_name"`
	Detail       string     `bun:"detail"`
	DetectedAt   time.Time  `bun:"detected_at"`
	Code         string     `bun:"code"`
	BlockSummary string     `bun:"block_summary"`
	BlockStart   store.Date `bun:"block_start"`
	BlockEnd     store.Date `bun:"block_end"`
}

type feedRow struct {
	store.CalendarFeed `bun:",extend"`
	UnitName           string `bun:"unit_name"`
	PendingRemoval     int    `bun:"pending_removal"`
}

// PausedNote says, for a paused feed, which read the unit's blocked nights come from
// ("" while the feed is read): staff pausing a portal must see its blocks are frozen.
func (f feedRow) PausedNote() string {
	switch {
	case f.Enabled:
		return ""
	case f.LastSuccessAt == nil:
		return "pausado, sin bloqueos leídos"
	}
	return "pausado, bloqueos del " + f.LastSuccessAt.In(argentina).Format("02/01 15:04")
}

type dashboard struct {
	Escalated []conversationRow
	Payments  []booking.PaymentReview
	Conflicts []conflictRow
	Holds     []reservationRow
	Arrivals  []reservationRow
	Feeds     []feedRow
	// CanRefund shows the refund form (a payment plugin is configured).
	CanRefund bool
	// PluginsDown are the plugins not working, with why and when they are tried again.
	PluginsDown []PluginHealth
}

func (h *Handler) dashboardShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := h.opts.Now().UTC()
	d := dashboard{CanRefund: h.opts.Refunds != nil}
	if h.opts.Plugins != nil {
		for _, p := range h.opts.Plugins() {
			if p.State != "up" || !p.Healthy {
				d.PluginsDown = append(d.PluginsDown, p)
			}
		}
	}
	var err error
	if d.Escalated, err = h.conversations(ctx, "escalated", 50); err != nil {
		return err
	}
	if d.Payments, err = h.opts.Bookings.PaymentReviews(ctx, 50); err != nil {
		return fmt.Errorf("admin dashboard: %w", err)
	}
	if d.Conflicts, err = h.openConflicts(ctx); err != nil {
		return err
	}
	err = h.reservations(ctx).Where("r.status = ? AND r.expires_at > ?", store.StatusPreReserved, now).
		OrderExpr("r.expires_at").Limit(50).Scan(ctx, &d.Holds)
	if err != nil {
		return fmt.Errorf("admin dashboard: holds: %w", err)
	}
	today := store.DateOf(now.In(argentina))
	err = h.reservations(ctx).Where("r.status = ? AND r.check_in >= ? AND r.check_in < ?", store.StatusConfirmed, today, today.AddDays(8)).
		OrderExpr("r.check_in").Limit(50).Scan(ctx, &d.Arrivals)
	if err != nil {
		return fmt.Errorf("admin dashboard: arrivals: %w", err)
	}
	if d.Feeds, err = h.feeds(ctx, true); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "dashboard", page{Title: "Qué necesita atención", Data: d})
}

func (h *Handler) reservations(_ context.Context) *bunSelect {
	return h.db.NewSelect().
		ColumnExpr("r.*, a.name AS unit_name").
		TableExpr("reservations AS r").
		Join("JOIN accommodations AS a ON a.id = r.accommodation_id")
}

func (h *Handler) conversations(ctx context.Context, state string, limit int) ([]conversationRow, error) {
	q := h.db.NewSelect().ColumnExpr("c.id").TableExpr("conversations AS c")
	if state != "" {
		q = q.Where("c.state = ?", state)
	}
	return h.conversationRows(ctx, q.OrderExpr("c.last_message_at DESC NULLS LAST, c.id DESC").Limit(limit))
}

// conversationRows runs ids, a query selecting one page of conversation ids in order
// (cheap columns only), then reads those conversations with what a list shows of each:
// the per-row lookups run for the page, not for every conversation.
func (h *Handler) conversationRows(ctx context.Context, ids *bunSelect) ([]conversationRow, error) {
	var page []int64
	if err := ids.Scan(ctx, &page); err != nil {
		return nil, fmt.Errorf("admin: list conversations: %w", err)
	}
	return h.conversationRowsOf(ctx, page)
}

// conversationRowsOf reads the conversations of page, in its order.
func (h *Handler) conversationRowsOf(ctx context.Context, page []int64) ([]conversationRow, error) {
	if len(page) == 0 {
		return nil, nil
	}
	var rows []conversationRow
	if err := h.conversationQuery().Where("c.id IN (?)", bun.List(page)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("admin: list conversations: %w", err)
	}
	at := make(map[int64]int, len(page))
	for i, id := range page {
		at[id] = i
	}
	sort.Slice(rows, func(i, j int) bool { return at[rows[i].ID] < at[rows[j].ID] })
	return rows, nil
}

// conversationQuery selects conversations with what a list shows of each.
func (h *Handler) conversationQuery() *bunSelect {
	return h.db.NewSelect().
		ColumnExpr("c.*").
		ColumnExpr("(SELECT m.text FROM messages AS m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) AS last_text").
		ColumnExpr("(SELECT m.text FROM messages AS m WHERE m.conversation_id = c.id AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1) AS guest_words").
		ColumnExpr("(SELECT r.guest_name FROM reservations AS r WHERE r.conversation_id = c.id AND r.guest_name <> '' ORDER BY r.id DESC LIMIT 1) AS booked_as").
		ColumnExpr("CASE WHEN c.last_inbound_at IS NOT NULL AND (c.staff_read_at IS NULL OR c.last_inbound_at > c.staff_read_at) THEN 1 ELSE 0 END AS unread").
		TableExpr("conversations AS c")
}

func (h *Handler) openConflicts(ctx context.Context) ([]conflictRow, error) {
	var rows []conflictRow
	err := h.db.NewSelect().
		ColumnExpr("k.id, k.detail, k.detected_at, a.name AS unit_name").
		ColumnExpr("COALESCE(r.code, '') AS code, COALESCE(b.summary, '') AS block_summary, b.start_date AS block_start, b.end_date AS block_end").
		TableExpr("calendar_conflicts AS k").
		Join("JOIN accommodations AS a ON a.id = k.accommodation_id").
		Join("LEFT JOIN reservations AS r ON r.id = k.reservation_id").
		Join("LEFT JOIN imported_blocks AS b ON b.id = k.imported_block_id").
		Where("k.resolved_at IS NULL").
		OrderExpr("k.detected_at").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("admin: list conflicts: %w", err)
	}
	return rows, nil
}

func (h *Handler) feeds(ctx context.Context, onlyProblems bool) ([]feedRow, error) {
	var rows []feedRow
	q := h.db.NewSelect().
		ColumnExpr("f.*, a.name AS unit_name").
		ColumnExpr("(SELECT count(*) FROM imported_blocks AS b WHERE b.feed_id = f.id AND b.status = 'pending_removal') AS pending_removal").
		TableExpr("calendar_feeds AS f").
		Join("JOIN accommodations AS a ON a.id = f.accommodation_id")
	if onlyProblems {
		stale := h.opts.Now().UTC().Add(-time.Hour)
		q = q.Where("f.enabled").WhereGroup(" AND ", func(q *bunSelect) *bunSelect {
			return q.Where("f.last_error <> ''").WhereOr("f.partial_reason <> ''").WhereOr("f.last_success_at IS NULL").WhereOr("f.last_success_at < ?", stale).
				WhereOr("EXISTS (SELECT 1 FROM imported_blocks AS b WHERE b.feed_id = f.id AND b.status = 'pending_removal')")
		})
	}
	if err := q.OrderExpr("a.name, f.platform").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("admin: list feeds: %w", err)
	}
	return rows, nil
}
