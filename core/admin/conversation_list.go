package admin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
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

// conversationList is the inbox: conversations escalated first, then unread, then the
// latest; searchable by the guest's name, phone or e-mail and by reservation code.
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
	q := h.conversationQuery()
	if in.State != "" {
		q = q.Where("c.state = ?", in.State)
	}
	if in.Query != "" {
		like := "%" + escapeLike(strings.ToLower(in.Query)) + "%"
		digits := "%" + onlyDigits(in.Query) + "%"
		q = q.WhereGroup(" AND ", func(q *bunSelect) *bunSelect {
			q = q.Where(`LOWER(c.guest_name) LIKE ? ESCAPE '\'`, like).WhereOr(`LOWER(c.contact) LIKE ? ESCAPE '\'`, like).
				WhereOr(`EXISTS (SELECT 1 FROM reservations AS r WHERE r.conversation_id = c.id AND (LOWER(r.code) LIKE ? ESCAPE '\' OR LOWER(r.guest_name) LIKE ? ESCAPE '\' OR LOWER(r.guest_email) LIKE ? ESCAPE '\'))`, like, like, like)
			if len(digits) >= 2+4 { // four digits or more: a phone number, however typed
				q = q.WhereOr("c.contact LIKE ?", digits).
					WhereOr("EXISTS (SELECT 1 FROM reservations AS r WHERE r.conversation_id = c.id AND r.guest_phone LIKE ?)", digits)
			}
			return q
		})
	}
	err := q.OrderExpr("CASE WHEN c.state = 'escalated' THEN 0 ELSE 1 END, unread DESC, c.last_message_at DESC NULLS LAST, c.id DESC").
		Limit(inboxPageSize+1).Offset((in.Page-1)*inboxPageSize).Scan(c.UserContext(), &in.Rows)
	if err != nil {
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
