package admin

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// inboxPageSize is how many conversations one page of the inbox shows.
const inboxPageSize = 50

type inbox struct {
	State, Query string
	Rows         []conversationRow
	Page         int
	// Prev and Next are the other pages' links ("" when there is none).
	Prev, Next string
}

// conversationList is the inbox: conversations waiting for a person first (unread before
// read), then the rest by their last message; searchable by the guest's name, phone or e-mail and by reservation code.
func (h *Handler) conversationList(c *fiber.Ctx) error {
	in := inbox{State: c.Query("state"), Query: strings.TrimSpace(c.Query("q"))}
	if in.State != "escalated" && in.State != "bot" {
		in.State = ""
	}
	if len(in.Query) > 100 {
		in.Query = in.Query[:100]
	}
	in.Page, _ = strconv.Atoi(c.Query("page"))
	in.Page = max(in.Page, 1)
	// Conversations waiting for a person come first, unread before read; the rest follow
	// by their last message (the bot answered them: their unread mark is shown, not
	// sorted on, so the page reads an index instead of sorting every conversation).
	ctx := c.UserContext()
	// A search is run once, for the ids it matches; both queries below then read those
	// conversations by key instead of testing every conversation twice. A search matching
	// more than inboxSearchIDs conversations is left in the queries (they stop at a page).
	matched, few, err := h.inboxMatches(ctx, in.Query)
	if err != nil {
		return fmt.Errorf("admin: inbox: %w", err)
	}
	ids := func() *bunSelect {
		q := h.db.NewSelect().ColumnExpr("c.id").TableExpr("conversations AS c")
		if in.State == "bot" {
			q = q.Where("c.state = 'bot'")
		}
		if few {
			return q.Where("c.id IN (?)", bun.List(matched))
		}
		return h.inboxSearch(q, in.Query)
	}
	none := few && len(matched) == 0 // nothing matched: an empty page
	var waiting []int64
	if in.State != "bot" && !none {
		err := ids().Where("c.state = 'escalated'").
			OrderExpr("CASE WHEN c.last_inbound_at IS NOT NULL AND (c.staff_read_at IS NULL OR c.last_inbound_at > c.staff_read_at) THEN 0 ELSE 1 END, "+
				"c.last_message_at DESC NULLS LAST, c.id DESC").Scan(ctx, &waiting)
		if err != nil {
			return fmt.Errorf("admin: inbox: %w", err)
		}
	}
	from, want := (in.Page-1)*inboxPageSize, inboxPageSize+1
	var onPage []int64
	if from < len(waiting) {
		onPage = append(onPage, waiting[from:min(len(waiting), from+want)]...)
	}
	if rest := want - len(onPage); rest > 0 && in.State != "escalated" && !none {
		var more []int64
		err := ids().Where("c.state <> 'escalated' AND c.last_message_at IS NOT NULL").
			OrderExpr("c.last_message_at DESC, c.id DESC").Limit(rest).Offset(max(0, from-len(waiting))).Scan(ctx, &more)
		if err != nil {
			return fmt.Errorf("admin: inbox: %w", err)
		}
		onPage = append(onPage, more...)
	}
	if in.Rows, err = h.conversationRowsOf(ctx, onPage); err != nil {
		return fmt.Errorf("admin: inbox: %w", err)
	}
	link := func(page int) string {
		v := fmt.Sprintf("/admin/conversations?page=%d", page)
		if in.State != "" {
			v += "&state=" + in.State
		}
		if in.Query != "" {
			v += "&q=" + url.QueryEscape(in.Query)
		}
		return v
	}
	if len(in.Rows) > inboxPageSize {
		in.Rows = in.Rows[:inboxPageSize]
		in.Next = link(in.Page + 1)
	}
	if in.Page > 1 {
		in.Prev = link(in.Page - 1)
	}
	return h.render(c, fiber.StatusOK, "conversations", page{Title: "Conversaciones", Data: in})
}

// inboxSearch narrows q to conversations matching what staff typed: the guest's name,
// phone or e-mail, or one of their bookings' code, name, e-mail or phone. Both tables
// keep a search_key (migration 0014: lower-cased, accents folded, a booking's phone also
// as bare digits), so "Agustína", "agustina" and "AGUSTINA" find the same guest.
func (h *Handler) inboxSearch(q *bunSelect, query string) *bunSelect {
	if query == "" {
		return q
	}
	return q.WhereGroup(" AND ", func(q *bunSelect) *bunSelect {
		for _, needle := range searchNeedles(query) {
			cond, arg := h.contains("c.search_key", needle)
			q = q.WhereOr(cond, arg)
			cond, arg = h.contains("r.search_key", needle)
			q = q.WhereOr("c.id IN (SELECT r.conversation_id FROM reservations AS r WHERE r.conversation_id IS NOT NULL AND "+cond+")", arg)
		}
		return q
	})
}

// searchNeedles are what a search_key must contain to match what staff typed: the text
// folded as the column is, and, with four digits or more, the digits alone (a phone
// number however it was typed: "351 765" finds +5493517654321).
func searchNeedles(query string) []string {
	needles := []string{store.SearchFold(query)}
	if digits := onlyDigits(query); len(digits) >= 4 {
		needles = append(needles, digits)
	}
	return needles
}

// contains is the condition "column contains needle" and its argument: a LIKE on
// PostgreSQL, where the trigram index serves it; instr on SQLite, where no index can and
// instr reads each key twice as fast as LIKE's pattern matching (the key is folded, so
// both are equally case-blind).
func (h *Handler) contains(column, needle string) (string, string) {
	if h.db.Dialect() == store.Postgres {
		return column + ` LIKE ? ESCAPE '\'`, "%" + escapeLike(needle) + "%"
	}
	return "instr(" + column + ", ?) > 0", needle
}

// inboxSearchIDs is how many matching conversations a search reads by id.
const inboxSearchIDs = 500

// inboxMatches is the ids of the conversations query matches when there are at most
// inboxSearchIDs of them (few); no query, or more matches, is not few. The conversations
// and the bookings are searched apart and united, so each reads its own search_key index
// (a trigram index on PostgreSQL; on SQLite the narrow index instead of the rows).
func (h *Handler) inboxMatches(ctx context.Context, query string) (ids []int64, few bool, err error) {
	if query == "" {
		return nil, false, nil
	}
	var convs, bookings []string
	var convArgs, bookingArgs []any
	for _, needle := range searchNeedles(query) {
		cond, arg := h.contains("c.search_key", needle)
		convs, convArgs = append(convs, cond), append(convArgs, arg)
		cond, arg = h.contains("r.search_key", needle)
		bookings, bookingArgs = append(bookings, cond), append(bookingArgs, arg)
	}
	args := append(append(convArgs, bookingArgs...), inboxSearchIDs+1)
	err = h.db.NewRaw("SELECT c.id FROM conversations AS c WHERE "+strings.Join(convs, " OR ")+
		" UNION SELECT r.conversation_id FROM reservations AS r WHERE r.conversation_id IS NOT NULL AND ("+strings.Join(bookings, " OR ")+")"+
		" LIMIT ?", args...).Scan(ctx, &ids)
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	if len(ids) > inboxSearchIDs {
		return nil, false, nil
	}
	return ids, true, nil
}

// escapeLike makes % and _ typed by staff match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
