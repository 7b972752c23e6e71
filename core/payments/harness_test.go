package payments_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/plugins/mercadopago/mp"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/sdk/plugin"
)

const mpToken = "APP_USR-test-token"

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type engines struct{ e *dialog.Engine }

func (e engines) Engine() *dialog.Engine { return e.e }

// providers serves the real Mercado Pago provider (in-process) talking to the fake API.
type providers struct{ p *mp.Provider }

func (p providers) Provider(name string) (payments.Provider, error) {
	if name != "mercadopago" {
		return nil, plugin.ErrNotFound
	}
	return p.p, nil
}

// harness is the payment lifecycle on a real database, the real booking engine and
// conversations, and the real Mercado Pago provider against a local fake of its API.
type harness struct {
	db       *store.DB
	clock    *clock
	booking  *booking.Service
	convs    *conversation.Service
	fake     *mpfake.Server
	svc      *payments.Service
	robles   int64
	provider *mp.Provider
	stays    int
}

var dialogOnce = sync.OnceValues(func() (string, error) { return filepath.Abs("../../dialogs") })

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	ctx := context.Background()
	_, err := demo.Seed(ctx, db, "demo-password")
	require.NoError(t, err)
	c := &clock{now: time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)} // 10:00 in Buenos Aires
	b := booking.NewService(db, booking.Options{Now: c.Now})
	acts, err := builtin.New(builtin.Deps{Booking: b, Policies: builtin.StorePolicies{DB: db}})
	require.NoError(t, err)
	reg := dialog.NewRegistry()
	require.NoError(t, acts.Register(reg))
	dir, err := dialogOnce()
	require.NoError(t, err)
	e, problems := dialog.Build(dialog.Sources{Dialogs: dir, Locales: "../../locales"}, reg,
		func(map[string][]string) (dialog.Understander, error) { return noNLU{}, nil }, dialog.Options{Ambient: acts})
	require.Empty(t, problems)
	convs := conversation.New(db, engines{e}, conversation.Options{Now: c.Now})

	fake := mpfake.New(mpToken, t.Cleanup)
	prov := mp.New(mp.WithClock(c.Now), mp.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, prov.Configure(ctx, plugin.ConfigureRequest{Settings: map[string]any{
		"api_url": fake.URL, "access_token": mpToken, "webhook_secret": "secret",
	}}))
	svc := payments.New(db, providers{prov}, b, convs, payments.Options{Now: c.Now, MinBackoff: time.Second, MaxBackoff: 8 * time.Second})
	units, err := b.Units(ctx)
	require.NoError(t, err)
	return &harness{db: db, clock: c, booking: b, convs: convs, fake: fake, svc: svc, robles: units[0].ID, provider: prov}
}

type noNLU struct{}

func (noNLU) Understand(string, time.Time) dialog.Understanding {
	return dialog.Understanding{Intent: "fallback", Confidence: 0.1}
}

// guest creates a web chat conversation.
func (h *harness) guest(t *testing.T, contact string) int64 {
	t.Helper()
	now := h.clock.Now()
	c := store.Conversation{Channel: "webchat", Contact: contact, Language: "es-AR", State: conversation.StateBot,
		Session: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now}
	_, err := h.db.NewInsert().Model(&c).Returning("id").Exec(context.Background())
	require.NoError(t, err)
	return c.ID
}

// hold puts Cabaña Robles on hold for a new guest, three nights no other hold of the run
// has (scenarios share the database).
func (h *harness) hold(t *testing.T, contact string) booking.Reservation {
	t.Helper()
	first := date(t, "2027-03-01").AddDays(4 * h.stays)
	h.stays++
	return h.holdStay(t, contact, booking.NewStay(first, first.AddDays(3)))
}

// holdStay puts Cabaña Robles on hold for stay for a new guest.
func (h *harness) holdStay(t *testing.T, contact string, stay booking.Stay) booking.Reservation {
	t.Helper()
	conv := h.guest(t, contact)
	r, err := h.booking.Hold(context.Background(), booking.HoldRequest{UnitID: h.robles, Stay: stay, Guests: 4,
		Guest: booking.Guest{Name: "Agustina Muñoz", Phone: contact}, ConversationID: &conv})
	require.NoError(t, err)
	return r
}

// refunds lists the refunds the fake made of payment id.
func (h *harness) refunds(id int64) []mpfake.Refund {
	var out []mpfake.Refund
	for _, r := range h.fake.Refunds() {
		if r.PaymentID == id {
			out = append(out, r)
		}
	}
	return out
}

// pesos formats centavos as the es-AR messages do: $40.500 (whole pesos).
func pesos(c int64) string {
	s := strconv.FormatInt(c/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return "$" + s
}

func date(t *testing.T, s string) store.Date {
	t.Helper()
	d, err := store.ParseDate(s)
	require.NoError(t, err)
	return d
}

// pay sets a payment at the fake and notifies it, as Mercado Pago's webhook would.
func (h *harness) pay(t *testing.T, id int64, ref, status string, cents int64) {
	t.Helper()
	h.fake.SetPayment(mpfake.Payment{ID: id, Reference: ref, Status: status, AmountCents: cents})
	require.NoError(t, h.svc.Notified(context.Background(), "mercadopago", strconv.FormatInt(id, 10)))
}

// drain reads every due payment.
func (h *harness) drain(t *testing.T) {
	t.Helper()
	for range 10 {
		n, err := h.svc.Step(context.Background())
		require.NoError(t, err)
		if n == 0 {
			return
		}
	}
	t.Fatal("the queue does not drain")
}

func (h *harness) record(t *testing.T, id int64) payments.Record {
	t.Helper()
	r, err := h.svc.Get(context.Background(), "mercadopago", strconv.FormatInt(id, 10))
	require.NoError(t, err)
	return r
}

func (h *harness) reservation(t *testing.T, code string) booking.Reservation {
	t.Helper()
	r, err := h.booking.Get(context.Background(), code)
	require.NoError(t, err)
	return r
}

func (h *harness) events(t *testing.T, code, typ string) int {
	t.Helper()
	n, err := h.db.NewSelect().Model((*store.DomainEvent)(nil)).Where("aggregate_id = ? AND type = ?", code, typ).Count(context.Background())
	require.NoError(t, err)
	return n
}

func (h *harness) outbox(t *testing.T, conv int64) []string {
	t.Helper()
	var rows []store.OutboxItem
	require.NoError(t, h.db.NewSelect().Model(&rows).Where("conversation_id = ?", conv).Order("id").Scan(context.Background()))
	var texts []string
	for _, r := range rows {
		var p struct {
			Text     string `json:"text"`
			Template string `json:"template"`
		}
		_ = json.Unmarshal(r.Payload, &p)
		texts = append(texts, p.Template+": "+p.Text)
	}
	return texts
}

// corpusDir finds the shared protocol corpus (see plugins/mercadopago/mp).
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "protocols", "mercadopago")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/protocols/mercadopago not found above the repository: CI must provide the protocol corpus")
	}
	t.Skip("shared/protocols/mercadopago not found above the repository")
	return ""
}
