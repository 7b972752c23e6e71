package admin

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
)

// Desk is what the calendar's manual bookings, blocks and quotes need of the booking
// engine (*booking.Service).
type Desk interface {
	Units(ctx context.Context) ([]booking.Unit, error)
	Quote(ctx context.Context, unitID int64, stay booking.Stay, guests int) (booking.Quote, error)
	Get(ctx context.Context, code string) (booking.Reservation, error)
	BookManual(ctx context.Context, in booking.ManualBooking) (booking.Reservation, error)
	UpdateDetails(ctx context.Context, code string, d booking.Details) (booking.Reservation, error)
	QuoteMove(ctx context.Context, code string, unitID int64, stay booking.Stay) (booking.Quote, error)
	Move(ctx context.Context, code string, m booking.MoveRequest) (booking.Reservation, error)
	Block(ctx context.Context, unitID int64, stay booking.Stay, note, by string) (int64, error)
	Unblock(ctx context.Context, id int64) error
}

var _ Desk = (*booking.Service)(nil)

// desk is the booking engine's desk side; the engine given as Bookings provides it.
func (h *Handler) desk() Desk {
	d, _ := h.opts.Bookings.(Desk)
	return d
}

func (h *Handler) mountCalendar(r fiber.Router) {
	r.Get("/calendar/timeline", h.calendarTimeline)
	r.Get("/calendar/month", h.calendarMonth)
	r.Post("/calendar/bookings", h.manualBookingCreate)
	r.Get("/calendar/bookings/:code", h.bookingShow)
	r.Post("/calendar/bookings/:code", h.bookingSave)
	r.Post("/calendar/bookings/:code/move", h.bookingMove)
	r.Post("/calendar/blocks", h.blockCreate)
	r.Post("/calendar/blocks/:id/delete", h.blockDelete)
}

// calItem is one thing taking a unit's nights: a booking, a hold, a manual block or a
// portal's block.
type calItem struct {
	Kind      string // booking | hold | block | imported
	ID        int64
	UnitID    int64
	Start     store.Date
	End       store.Date
	Code      string
	GuestName string
	Phone     string
	Portal    string
	Note      string
	PaidCents int64
	Total     int64
	ExpiresAt *time.Time
	Conflict  bool
}

// calCell is one night of one unit.
type calCell struct {
	Date    store.Date
	Day     int
	Weekend bool
	Today   bool
	Class   string
	Label   string
	Title   string
	Link    string
	// Outside marks the padding days of a month grid.
	Outside bool
}

type calRow struct {
	Unit  booking.Unit
	Cells []calCell
	// HTML is the row's cells, rendered in Go: 100 units × 31 nights through
	// html/template cost most of the page's time.
	HTML template.HTML
}

// timelineCells renders a timeline row's cells; every text is escaped.
func timelineCells(cells []calCell) template.HTML {
	var b strings.Builder
	b.Grow(len(cells) * 96)
	for _, c := range cells {
		b.WriteString(`<td class="cal `)
		b.WriteString(c.Class)
		if c.Weekend {
			b.WriteString(" we")
		}
		b.WriteByte('"')
		if c.Title != "" {
			title := template.HTMLEscapeString(c.Date.String() + " · " + c.Title)
			b.WriteString(` title="` + title + `">`)
			if c.Link != "" {
				b.WriteString(`<a href="` + template.HTMLEscapeString(c.Link) + `" aria-label="` + title + `">`)
				label := c.Label
				if label == "" {
					label = "·"
				}
				b.WriteString(template.HTMLEscapeString(label) + "</a>")
			} else {
				b.WriteString(template.HTMLEscapeString(c.Label))
			}
		} else {
			b.WriteByte('>')
		}
		b.WriteString("</td>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

type calData struct {
	From, To   store.Date
	Prev, Next string
	Days       []calCell
	Rows       []calRow
	Items      []calItem
	Units      []booking.Unit
	UnitNames  map[int64]string
	Unit       booking.Unit
	Month      string
	Weeks      [][]calCell
	Form       map[string]string
	Errors     map[string]string
	// SelUnit is the unit preselected in the forms.
	SelUnit int64
	// Attention says the detail list holds only what needs staff (holds, blocks,
	// conflicts): on the timeline, bookings are one tap away in their cells.
	Attention bool
}

type calReservation struct {
	ID         int64      `bun:"id"`
	Code       string     `bun:"code"`
	UnitID     int64      `bun:"accommodation_id"`
	CheckIn    store.Date `bun:"check_in"`
	CheckOut   store.Date `bun:"check_out"`
	Status     string     `bun:"status"`
	GuestName  string     `bun:"guest_name"`
	GuestPhone string     `bun:"guest_phone"`
	PaidCents  int64      `bun:"paid_cents"`
	TotalCents int64      `bun:"total_cents"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	Notes      string     `bun:"notes"`
}

type calBlock struct {
	ID       int64      `bun:"id"`
	UnitID   int64      `bun:"accommodation_id"`
	Start    store.Date `bun:"start_date"`
	End      store.Date `bun:"end_date"`
	Note     string     `bun:"note"`
	Platform string     `bun:"platform"`
	Summary  string     `bun:"summary"`
}

// calendarItems reads what takes nights in [from, to) of the given units (all when nil).
func (h *Handler) calendarItems(ctx context.Context, from, to store.Date, unitID int64) ([]calItem, error) {
	now := h.opts.Now().UTC()
	var res []calReservation
	q := h.db.NewSelect().TableExpr("reservations").
		Column("id", "code", "accommodation_id", "check_in", "check_out", "status", "guest_name", "guest_phone", "paid_cents", "total_cents", "expires_at", "notes").
		Where("check_in < ? AND check_out > ?", to, from).
		Where("(status = 'confirmed' OR (status = 'pre_reserved' AND expires_at > ?))", now)
	if unitID != 0 {
		q = q.Where("accommodation_id = ?", unitID)
	}
	if err := q.OrderExpr("check_in").Scan(ctx, &res); err != nil {
		return nil, fmt.Errorf("admin calendar: reservations: %w", err)
	}
	var blocks []calBlock
	q = h.db.NewSelect().TableExpr("availability_calendar").ColumnExpr("id, accommodation_id, start_date, end_date, note").
		Where("kind = 'block' AND start_date < ? AND end_date > ?", to, from)
	if unitID != 0 {
		q = q.Where("accommodation_id = ?", unitID)
	}
	if err := q.OrderExpr("start_date").Scan(ctx, &blocks); err != nil {
		return nil, fmt.Errorf("admin calendar: blocks: %w", err)
	}
	var imported []calBlock
	q = h.db.NewSelect().TableExpr("imported_blocks AS b").Join("JOIN calendar_feeds AS f ON f.id = b.feed_id").
		ColumnExpr("b.id, b.accommodation_id, b.start_date, b.end_date, f.platform, b.summary").
		Where("b.start_date < ? AND b.end_date > ?", to, from)
	if unitID != 0 {
		q = q.Where("b.accommodation_id = ?", unitID)
	}
	if err := q.OrderExpr("b.start_date").Scan(ctx, &imported); err != nil {
		return nil, fmt.Errorf("admin calendar: imported blocks: %w", err)
	}
	var conflicted []struct {
		ReservationID   *int64 `bun:"reservation_id"`
		ImportedBlockID *int64 `bun:"imported_block_id"`
	}
	if err := h.db.NewSelect().TableExpr("calendar_conflicts").Column("reservation_id", "imported_block_id").
		Where("resolved_at IS NULL").Scan(ctx, &conflicted); err != nil {
		return nil, fmt.Errorf("admin calendar: conflicts: %w", err)
	}
	badRes, badImp := map[int64]bool{}, map[int64]bool{}
	for _, c := range conflicted {
		if c.ReservationID != nil {
			badRes[*c.ReservationID] = true
		}
		if c.ImportedBlockID != nil {
			badImp[*c.ImportedBlockID] = true
		}
	}
	items := make([]calItem, 0, len(res)+len(blocks)+len(imported))
	for _, r := range res {
		kind := "booking"
		if r.Status == store.StatusPreReserved {
			kind = "hold"
		}
		items = append(items, calItem{Kind: kind, ID: r.ID, UnitID: r.UnitID, Start: r.CheckIn, End: r.CheckOut, Code: r.Code,
			GuestName: r.GuestName, Phone: r.GuestPhone, PaidCents: r.PaidCents, Total: r.TotalCents, ExpiresAt: r.ExpiresAt,
			Note: r.Notes, Conflict: badRes[r.ID]})
	}
	for _, b := range blocks {
		items = append(items, calItem{Kind: "block", ID: b.ID, UnitID: b.UnitID, Start: b.Start, End: b.End, Note: b.Note})
	}
	for _, b := range imported {
		items = append(items, calItem{Kind: "imported", ID: b.ID, UnitID: b.UnitID, Start: b.Start, End: b.End, Portal: b.Platform,
			Note: b.Summary, Conflict: badImp[b.ID]})
	}
	return items, nil
}

var itemLabels = map[string]string{"booking": "Reserva", "hold": "Pre-reserva", "block": "Bloqueo", "imported": "Portal"}

// cellsOf fills the nights of [from, to) of one unit from items.
func cellsOf(unitID int64, from, to, today store.Date, items []calItem) []calCell {
	n := to.Sub(from)
	cells := make([]calCell, n)
	for i := range cells {
		d := from.AddDays(i)
		wd := d.Weekday()
		cells[i] = calCell{Date: d, Day: d.Time().Day(), Weekend: wd == time.Saturday || wd == time.Sunday, Today: d == today}
	}
	for _, it := range items {
		if it.UnitID != unitID {
			continue
		}
		for d := it.Start; d.Before(it.End); d = d.AddDays(1) {
			i := d.Sub(from)
			if i < 0 || i >= n {
				continue
			}
			c := &cells[i]
			if c.Class != "" || it.Conflict {
				c.Class, c.Label, c.Title = "conflict", "!", "Conflicto: "+c.Title+" / "+itemTitle(it)
				continue
			}
			c.Class, c.Title, c.Link = itemClass(it.Kind), itemTitle(it), itemLink(it)
			if d == it.Start || i == 0 {
				c.Label = itemShort(it)
			}
		}
	}
	return cells
}

// itemClass is the CSS class of a night taken by an item of kind ("block" is a layout
// class of the admin, so blocks are "blocked").
func itemClass(kind string) string {
	if kind == "block" {
		return "blocked"
	}
	return kind
}

func itemTitle(it calItem) string {
	switch it.Kind {
	case "booking", "hold":
		return fmt.Sprintf("%s %s %s %s", itemLabels[it.Kind], it.Code, it.GuestName, it.Phone)
	case "imported":
		return "Bloqueado en " + it.Portal
	}
	return "Bloqueo: " + it.Note
}

func itemShort(it calItem) string {
	switch it.Kind {
	case "booking", "hold":
		if it.GuestName != "" {
			r := []rune(it.GuestName)
			if len(r) > 10 {
				r = r[:10]
			}
			return string(r)
		}
		return it.Code
	case "imported":
		return it.Portal
	}
	return "bloq."
}

func itemLink(it calItem) string {
	if it.Kind == "booking" || it.Kind == "hold" {
		return "/admin/calendar/bookings/" + it.Code
	}
	return ""
}

func (h *Handler) calendarUnits(ctx context.Context) ([]booking.Unit, map[int64]string, error) {
	d := h.desk()
	if d == nil {
		return nil, nil, fiber.NewError(fiber.StatusNotFound, "the booking engine offers no calendar")
	}
	units, err := d.Units(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Name
	}
	return units, names, nil
}

func (h *Handler) today() store.Date { return store.DateOf(h.opts.Now().In(argentina)) }

// calendarTimeline shows every unit over a run of days (?from=YYYY-MM-DD&days=14).
func (h *Handler) calendarTimeline(c *fiber.Ctx) error {
	return h.renderTimeline(c, fiber.StatusOK, nil, nil)
}

func (h *Handler) renderTimeline(c *fiber.Ctx, status int, form, errs map[string]string) error {
	ctx := c.UserContext()
	today := h.today()
	from := today
	if v := c.Query("from"); v != "" {
		if d, err := store.ParseDate(v); err == nil {
			from = d
		}
	}
	days := c.QueryInt("days", 14)
	if days < 1 || days > 62 {
		days = 14
	}
	to := from.AddDays(days)
	units, names, err := h.calendarUnits(ctx)
	if err != nil {
		return err
	}
	items, err := h.calendarItems(ctx, from, to, 0)
	if err != nil {
		return err
	}
	d := calData{From: from, To: to, Units: units, UnitNames: names, Form: form, Errors: errs,
		Prev: from.AddDays(-days).String(), Next: to.String(), Attention: true}
	d.SelUnit, _ = strconv.ParseInt(form["unit"], 10, 64)
	for _, it := range items {
		if it.Kind == "hold" || it.Kind == "block" || it.Conflict {
			d.Items = append(d.Items, it)
		}
	}
	d.Days = cellsOf(0, from, to, today, nil)
	for _, u := range units {
		cells := cellsOf(u.ID, from, to, today, items)
		d.Rows = append(d.Rows, calRow{Unit: u, HTML: timelineCells(cells)})
	}
	p := page{Title: "Calendario", Data: d}
	if len(errs) > 0 {
		p.Error = errs["_"]
		if p.Error == "" {
			p.Error = "Revisá los campos marcados."
		}
	}
	return h.render(c, status, "calendar_timeline", p)
}

// calendarMonth shows one unit's month as a grid (?unit=ID&month=YYYY-MM).
func (h *Handler) calendarMonth(c *fiber.Ctx) error {
	ctx := c.UserContext()
	units, names, err := h.calendarUnits(ctx)
	if err != nil {
		return err
	}
	if len(units) == 0 {
		return redirectWith(c, "/admin/calendar/timeline", "Todavía no hay unidades")
	}
	unit := units[0]
	if id, err := strconv.ParseInt(c.Query("unit"), 10, 64); err == nil {
		for _, u := range units {
			if u.ID == id {
				unit = u
			}
		}
	}
	today := h.today()
	first := store.NewDate(today.Time().Year(), today.Time().Month(), 1)
	if m, err := time.Parse("2006-01", c.Query("month")); err == nil {
		first = store.NewDate(m.Year(), m.Month(), 1)
	}
	next := store.DateOf(first.Time().AddDate(0, 1, 0))
	// Weeks start on Monday, padded with the neighbouring months' days.
	start := first.AddDays(-((int(first.Weekday()) + 6) % 7))
	end := next
	if pad := (7 - (int(next.Weekday())+6)%7) % 7; pad > 0 {
		end = next.AddDays(pad)
	}
	items, err := h.calendarItems(ctx, start, end, unit.ID)
	if err != nil {
		return err
	}
	cells := cellsOf(unit.ID, start, end, today, items)
	var weeks [][]calCell
	for i := 0; i < len(cells); i += 7 {
		week := cells[i : i+7]
		for j := range week {
			week[j].Outside = week[j].Date.Before(first) || !week[j].Date.Before(next)
		}
		weeks = append(weeks, week)
	}
	var own []calItem
	for _, it := range items {
		if it.End.After(first) && it.Start.Before(next) {
			own = append(own, it)
		}
	}
	d := calData{From: first, To: next, Units: units, UnitNames: names, Unit: unit, Weeks: weeks, Items: own,
		Month: first.Time().Format("2006-01"),
		Prev:  first.Time().AddDate(0, -1, 0).Format("2006-01"),
		Next:  next.Time().Format("2006-01"),
		Days:  cells[:7],
		Form:  map[string]string{"unit": strconv.FormatInt(unit.ID, 10)},
	}
	return h.render(c, fiber.StatusOK, "calendar_month", page{Title: "Calendario · " + unit.Name, Data: d})
}
