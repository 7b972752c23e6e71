package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Bookings is what the admin needs of the booking engine.
type Bookings interface {
	Confirm(ctx context.Context, code string, in booking.ConfirmInput) (booking.Reservation, error)
	Extend(ctx context.Context, code string) (booking.Reservation, error)
	Cancel(ctx context.Context, code, reason string) (booking.Reservation, error)
	PaymentReviews(ctx context.Context, limit int) ([]booking.PaymentReview, error)
	MarkPaymentReviewed(ctx context.Context, id int64, by string) error
}

// Conversations is what the admin needs to hand conversations between bot and staff.
type Conversations interface {
	Escalate(ctx context.Context, conversationID int64, reason string) error
	Release(ctx context.Context, conversationID int64, by string) error
}

// CalendarImport is what the admin needs of the iCal import.
type CalendarImport interface {
	ConfirmRemovals(ctx context.Context, feedID int64, staff string) (int, error)
}

// PluginHealth is one plugin as the dashboard shows it when it is not working.
type PluginHealth struct {
	Name  string
	State string // "up", "starting", "restarting", "down", "stopped"
	// Healthy is false while an up plugin reports itself unhealthy.
	Healthy   bool
	LastError string
	Since     time.Time
	// NextTry is when it is started or probed again (nil: nothing scheduled).
	NextTry *time.Time
}

// Options configure the admin.
type Options struct {
	DB            *store.DB
	Bookings      Bookings
	Conversations Conversations
	// Calendar is nil when no calendar plugin is configured.
	Calendar CalendarImport
	// Refunds is nil when no payment plugin is configured.
	Refunds Refunds
	// Media plays guests' voice notes from their channel (nil: not offered).
	Media Media
	// Replies sends staff's replies to guests (nil: no reply box).
	Replies    StaffReplies
	Log        *slog.Logger
	SessionTTL time.Duration
	// Secure marks cookies Secure (set when the public URL is https).
	Secure bool
	// Now is the clock (tests fix it).
	Now func() time.Time
	// LoginsPerIP and LoginsPerAccount are the login attempts allowed per minute from one
	// address and at one username (DefaultLoginsPerIP, DefaultLoginsPerAccount).
	LoginsPerIP, LoginsPerAccount int
	// Settings edits the property, units, prices... (nil: the settings pages are off).
	Settings *settings.Service
	// PaymentPluginDefault is payments.plugin of config.yaml, used until the payment
	// choice is saved in the settings.
	PaymentPluginDefault string
	// ExportURLs lists the calendar export URL of every unit and portal (nil: not shown).
	ExportURLs func(ctx context.Context) ([]calendar.ExportURL, error)
	// ConcurrentLogins bounds the password checks running at once (half the CPUs, at
	// least one, by default); more wait briefly, then get 429.
	ConcurrentLogins int
	// Plugins lists the plugins and why one is not working (nil: none shown).
	Plugins func() []PluginHealth
}

// Handler serves /admin.
type Handler struct {
	opts   Options
	db     *store.DB
	log    *slog.Logger
	pages  map[string]*template.Template
	limits *loginGuard
	// reports are the reports computed in the last minute (report_cache.go).
	reports reportCache
}

// New builds the admin.
func New(opts Options) (*Handler, error) {
	if opts.DB == nil || opts.Bookings == nil || opts.Conversations == nil {
		return nil, errors.New("admin: DB, Bookings and Conversations are required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Handler{opts: opts, db: opts.DB, log: opts.Log, pages: pages, limits: newLoginGuard(opts.Now, opts.LoginsPerIP, opts.LoginsPerAccount, opts.ConcurrentLogins)}, nil
}

var funcs = template.FuncMap{
	"money": formatMoney,
	"when": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(argentina).Format("02/01 15:04")
	},
	"whenT": func(t time.Time) string { return t.In(argentina).Format("02/01 15:04") },
	"left": func(now time.Time, t *time.Time) string {
		if t == nil {
			return ""
		}
		d := t.Sub(now).Round(time.Minute)
		if d <= 0 {
			return "vencida"
		}
		return fmt.Sprintf("%d min", int(d.Minutes()))
	},
	"statusLabel":    statusLabel,
	"percent":        formatPercent,
	"duration":       humanDuration,
	"reviewLabel":    reviewLabel,
	"refundKey":      refundKey,
	"noticeLabel":    noticeLabel,
	"temporaryState": temporaryState,
	"refundStatus": func(s string) string {
		switch s {
		case payments.RefundDone:
			return "hecha"
		case payments.RefundFailed:
			return "rechazada"
		case payments.RefundPending:
			return "sin confirmar"
		}
		return s
	},
}

var argentina = func() *time.Location {
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		return time.FixedZone("ART", -3*3600)
	}
	return loc
}()

func parsePages() (map[string]*template.Template, error) {
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		// Pages share the layout and the partials (templates/_*.html).
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", e)
		if err != nil {
			return nil, fmt.Errorf("admin: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Mount adds /admin routes.
func (h *Handler) Mount(r fiber.Router) {
	r.Use("/admin/static", filesystem.New(filesystem.Config{Root: http.FS(staticFS), PathPrefix: "static", MaxAge: 3600}))
	g := r.Group("/admin", h.securityHeaders)
	g.Get("/login", h.loginShow)
	g.Post("/login", h.loginSubmit)
	auth := g.Group("", h.requireSession)
	auth.Post("/logout", h.logout)
	auth.Get("/password", h.choosePasswordShow)
	auth.Post("/password", h.choosePasswordSubmit)
	auth.Get("/", h.dashboardShow)
	auth.Get("/reservations", h.reservationList)
	auth.Get("/reservations/:id", h.reservationShow)
	auth.Post("/reservations/:id/confirm-payment", h.reservationConfirmPayment)
	auth.Post("/reservations/:id/cancel", h.reservationCancel)
	auth.Post("/payments/:id/reviewed", h.paymentReviewed)
	auth.Post("/payments/refund", h.paymentRefund)
	auth.Post("/pre-reservations/:id/extend", h.preReservationExtend)
	auth.Get("/live", h.liveStream)
	auth.Get("/conversations", h.conversationList)
	auth.Get("/conversations/:id", h.conversationShow)
	auth.Get("/conversations/:id/messages/:mid/audio", h.messageAudio)
	auth.Post("/conversations/:id/escalate", h.conversationEscalate)
	auth.Post("/conversations/:id/release", h.conversationRelease)
	auth.Post("/conversations/:id/reply", h.conversationReply)
	auth.Post("/conversations/:id/notes", h.conversationNote)
	auth.Get("/calendar", h.calendarShow)
	auth.Get("/channels/notices", h.channelNotices)
	auth.Get("/reports", h.reportShow)
	auth.Post("/conflicts/:id/resolve", h.conflictResolve)
	auth.Post("/feeds/:id/confirm-removals", h.feedConfirmRemovals)
	h.mountSettings(auth)
	h.mountCalendar(auth)
}

func (h *Handler) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Frame-Options", "DENY")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// page is what every template receives.
type page struct {
	Title string
	Staff *staff
	CSRF  string
	Flash string
	Error string
	Now   time.Time
	Data  any
}

func (h *Handler) render(c *fiber.Ctx, status int, name string, p page) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("admin: no template %q", name)
	}
	if s, ok := c.Locals(staffKey).(*staff); ok {
		p.Staff = s
		p.CSRF = s.csrf
	}
	if p.Now.IsZero() {
		p.Now = h.opts.Now()
	}
	if p.Flash == "" && validFlash(c.Query("ok"), c.Query("sig")) {
		// Only messages this server wrote: ?ok= is in a link anyone can send.
		p.Flash = c.Query("ok")
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return t.Execute(c.Response().BodyWriter(), p)
}

// redirectWith sends the browser back to path with a short message (PRG pattern).
func redirectWith(c *fiber.Ctx, path, msg string) error {
	if msg != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "ok=" + url.QueryEscape(msg) + "&sig=" + flashSig(msg)
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}

// flashKey signs the flash messages of this process, so a crafted ?ok= link shows nothing.
var flashKey = func() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("admin: crypto/rand: " + err.Error())
	}
	return b
}()

func flashSig(msg string) string {
	m := hmac.New(sha256.New, flashKey)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func validFlash(msg, sig string) bool {
	return msg != "" && hmac.Equal([]byte(flashSig(msg)), []byte(sig))
}

func paramID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusNotFound, "not found")
	}
	return id, nil
}

// formatMoney writes centavos the Argentine way: $135.000, $1.234,50.
// formatPercent writes a share as a whole percentage ("43 %", with a non-breaking space).
func formatPercent(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "\u00a0%" }

func formatMoney(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	pesos, rest := cents/100, cents%100
	s := strconv.FormatInt(pesos, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := "$" + b.String()
	if rest != 0 {
		out += fmt.Sprintf(",%02d", rest)
	}
	if neg {
		out = "-" + out
	}
	return out
}

func statusLabel(s string) string {
	switch s {
	case store.StatusPreReserved:
		return "pre-reserva"
	case store.StatusConfirmed:
		return "confirmada"
	case store.StatusCancelled:
		return "cancelada"
	case store.StatusExpired:
		return "vencida"
	case "escalated":
		return "con una persona"
	case "bot":
		return "bot"
	}
	return s
}

// humanDuration writes a wait the way staff say it: 4 s, 2 min 5 s, 1 h 10 min.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}
