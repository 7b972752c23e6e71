package builtin_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fixture struct {
	reg *dialog.Registry
	now time.Time
	act *builtin.Actions
	bk  *booking.Service
}

type fakeLinks struct {
	url string
	err error
	got builtin.LinkRequest
}

func (f *fakeLinks) CreateLink(_ context.Context, req builtin.LinkRequest) (string, error) {
	f.got = req
	return f.url, f.err
}

type fakeStaff struct{ notified []int64 }

func (f *fakeStaff) NotifyHandoff(_ context.Context, id int64, _ string) error {
	f.notified = append(f.notified, id)
	return nil
}

func newFixture(t *testing.T, deps builtin.Deps) *fixture {
	t.Helper()
	db := storetest.SQLite(t)
	_, err := demo.Seed(context.Background(), db, "demo-password")
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC) // Saturday 10:00 in Buenos Aires
	bk := booking.NewService(db, booking.Options{Now: func() time.Time { return now }})
	deps.Booking = bk
	deps.Policies = builtin.StorePolicies{DB: db}
	act, err := builtin.New(deps)
	require.NoError(t, err)
	reg := dialog.NewRegistry()
	require.NoError(t, act.Register(reg))
	return &fixture{reg: reg, now: now, act: act, bk: bk}
}

func (f *fixture) run(t *testing.T, name string, call dialog.Call) dialog.Result {
	t.Helper()
	a, ok := f.reg.Lookup(name)
	require.True(t, ok, name)
	if call.Now.IsZero() {
		call.Now = f.now
	}
	if call.Language == "" {
		call.Language = "es-AR"
	}
	res, err := a.Run(context.Background(), call)
	require.NoError(t, err)
	res.Data = dialog.Normalize(res.Data).(map[string]any)
	return res
}

func stay(in, out string, guests int) map[string]any {
	return map[string]any{"check_in": in, "check_out": out, "guests": int64(guests)}
}

func TestRegisterTwiceFails(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	err := f.act.Register(f.reg)
	assert.ErrorIs(t, err, dialog.ErrDuplicateAction)
}

func TestSearchGivesTheDemoPrices(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	res := f.run(t, "buscar_disponibilidad", dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4)})
	offers := res.Data["offers"].([]any)
	require.Len(t, offers, 2, "Depto Centro sleeps 2")
	robles := offers[0].(map[string]any)
	assert.Equal(t, "Cabaña Robles", robles["title"])
	assert.Equal(t, int64(4_500_000), robles["price_per_night_cents"])
	assert.Equal(t, true, robles["uniform_price"])
	assert.Equal(t, int64(13_500_000), robles["total_cents"])
	assert.Equal(t, int64(4_050_000), robles["deposit_cents"])
	coihue := offers[1].(map[string]any)
	assert.Equal(t, int64(18_000_000), coihue["total_cents"])
	assert.Equal(t, int64(3), res.Data["nights"])
	assert.Equal(t, int64(6), res.Data["max_capacity"])
}

func TestSearchWeekendNightsCostMore(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	res := f.run(t, "buscar_disponibilidad", dialog.Call{Slots: stay("2027-01-15", "2027-01-17", 2)})
	offers := res.Data["offers"].([]any)
	require.Len(t, offers, 3)
	depto := offers[0].(map[string]any)
	assert.Equal(t, "Depto Centro", depto["name"])
	assert.Equal(t, int64(3_600_000), depto["price_per_night_cents"], "Friday and Saturday nights ×1.20")
	assert.Equal(t, int64(7_200_000), depto["total_cents"])
}

func TestSearchMinimumStay(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	res := f.run(t, "buscar_disponibilidad", dialog.Call{Slots: stay("2027-01-05", "2027-01-06", 2)})
	assert.Empty(t, res.Data["offers"])
	assert.Equal(t, int64(2), res.Data["min_nights"])
	assert.Equal(t, "min_stay", res.Data["problem"])
}

func TestHoldThenAlternativesThenExtend(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	call := dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4), Args: map[string]any{"accommodation": int64(1)},
		Guest: dialog.Guest{ConversationID: 0, Channel: "whatsapp", Contact: "+5493511234567"}}
	res := f.run(t, "pre_reservar", call)
	require.Equal(t, true, res.Data["ok"], res.Data)
	assert.Equal(t, "RES270105001", res.Data["code"])
	assert.Equal(t, "Cabaña Robles", res.Data["name"])
	assert.Equal(t, int64(4_050_000), res.Data["deposit_cents"])
	assert.Equal(t, int64(30), res.Data["deposit_percent"])
	assert.Equal(t, f.now.Add(30*time.Minute).Format(time.RFC3339), res.Data["expires_at"])

	again := f.run(t, "pre_reservar", call)
	assert.Equal(t, false, again.Data["ok"])
	assert.Equal(t, "unavailable", again.Data["problem"])
	assert.NotEmpty(t, again.Data["alternatives"], "never a bare no")

	search := f.run(t, "buscar_disponibilidad", dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4), Args: map[string]any{"unit_type": "cabaña"}})
	require.Len(t, search.Data["offers"], 1, "Robles is held")

	ext := f.run(t, "extender_hold", dialog.Call{Args: map[string]any{"code": "RES270105001"}})
	assert.Equal(t, true, ext.Data["ok"])
	assert.Equal(t, f.now.Add(45*time.Minute).Format(time.RFC3339), ext.Data["expires_at"])
	ext = f.run(t, "extender_hold", dialog.Call{Args: map[string]any{"code": "RES270105001"}})
	assert.Equal(t, "already_extended", ext.Data["problem"])
	ext = f.run(t, "extender_hold", dialog.Call{})
	assert.Equal(t, "no_hold", ext.Data["problem"])
}

func TestAlternativesWhenTheUnitTypeIsTaken(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	for _, id := range []int64{1, 2} {
		res := f.run(t, "pre_reservar", dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4), Args: map[string]any{"accommodation": id}})
		require.Equal(t, true, res.Data["ok"])
	}
	res := f.run(t, "buscar_disponibilidad", dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4)})
	assert.Empty(t, res.Data["offers"])
	alts := res.Data["alternatives"].([]any)
	require.NotEmpty(t, alts)
	first := alts[0].(map[string]any)
	assert.Equal(t, "alt1", first["id"])
	assert.Equal(t, "other_dates", first["kind"])
	assert.Regexp(t, `^Cabaña (Robles|Coihue), \d+/1 al \d+/1$`, first["title"])
	assert.Equal(t, int64(3), first["nights"])
}

func TestPaymentDetails(t *testing.T) {
	t.Run("bank transfer by default", func(t *testing.T) {
		f := newFixture(t, builtin.Deps{})
		res := f.run(t, "datos_pago", dialog.Call{Args: map[string]any{"code": "RES270105001", "amount_cents": int64(4_050_000)}})
		assert.Equal(t, map[string]any{"method": "transfer", "alias": "los.robles.demo", "cbu": "0000003100012345678901",
			"holder": "Complejo Los Robles", "amount_cents": int64(4_050_000), "code": "RES270105001", "bank_transfer": true}, res.Data)
	})
	t.Run("payment link when configured", func(t *testing.T) {
		links := &fakeLinks{url: "https://pay.example/abc"}
		f := newFixture(t, builtin.Deps{Payments: links})
		res := f.run(t, "datos_pago", dialog.Call{Args: map[string]any{"code": "RES270105001", "amount_cents": int64(4_050_000)}})
		assert.Equal(t, "link", res.Data["method"])
		assert.Equal(t, "https://pay.example/abc", res.Data["link_url"])
		assert.Equal(t, true, res.Data["bank_transfer"], "the property takes transfers too")
		assert.Equal(t, int64(4_050_000), links.got.AmountCents)
	})
	t.Run("no link where the channel takes no links", func(t *testing.T) {
		links := &fakeLinks{url: "https://pay.example/abc"}
		f := newFixture(t, builtin.Deps{Payments: links})
		res := f.run(t, "datos_pago", dialog.Call{Args: map[string]any{"code": "RES270105001", "amount_cents": int64(4_050_000)},
			Guest: dialog.Guest{Constraints: []string{dialog.ConstraintNoExternalLinks}}})
		assert.Equal(t, "transfer", res.Data["method"])
		assert.Equal(t, "los.robles.demo", res.Data["alias"])
		assert.Empty(t, links.got.Code, "no link created")
	})
	t.Run("nothing to pay outside a portal that forbids it", func(t *testing.T) {
		links := &fakeLinks{url: "https://pay.example/abc"}
		f := newFixture(t, builtin.Deps{Payments: links})
		res := f.run(t, "datos_pago", dialog.Call{Args: map[string]any{"code": "RES270105001", "amount_cents": int64(4_050_000)},
			Guest: dialog.Guest{Constraints: []string{dialog.ConstraintNoOffPlatformPayment}}})
		assert.Equal(t, "platform", res.Data["method"])
		assert.Equal(t, false, res.Data["bank_transfer"])
		assert.Nil(t, res.Data["alias"])
		assert.Empty(t, res.Data["link_url"])
		assert.Empty(t, links.got.Code, "no link created")
	})
	t.Run("transfer when the link fails", func(t *testing.T) {
		f := newFixture(t, builtin.Deps{Payments: &fakeLinks{err: errors.New("provider down")}})
		res := f.run(t, "datos_pago", dialog.Call{Args: map[string]any{"code": "RES270105001", "amount_cents": int64(4_050_000)}})
		assert.Equal(t, "transfer", res.Data["method"])
	})
}

// liberar_hold lets only a live hold go, and says what the reservation was otherwise: the
// hold's "release" button must not say "released" about an expired hold or a paid booking.
func TestLiberarHold(t *testing.T) {
	cases := []struct {
		name string
		// prepare makes the reservation and returns the code to release and when.
		prepare    func(t *testing.T, f *fixture) (string, time.Time)
		ok         bool
		status     string
		statusThen string // the reservation's status afterwards ("" none)
	}{
		{name: "a live hold is released", prepare: func(t *testing.T, f *fixture) (string, time.Time) {
			return hold(t, f), f.now.Add(5 * time.Minute)
		}, ok: true, status: "cancelled", statusThen: "cancelled"},
		{name: "past its deadline it expired: not released", prepare: func(t *testing.T, f *fixture) (string, time.Time) {
			return hold(t, f), f.now.Add(31 * time.Minute)
		}, status: "expired", statusThen: "pre_reserved"},
		{name: "a paid booking is not released", prepare: func(t *testing.T, f *fixture) (string, time.Time) {
			code := hold(t, f)
			_, err := f.bk.Confirm(context.Background(), code, booking.ConfirmInput{By: "staff:test"})
			require.NoError(t, err)
			return code, f.now.Add(5 * time.Minute)
		}, status: "confirmed", statusThen: "confirmed"},
		{name: "released twice", prepare: func(t *testing.T, f *fixture) (string, time.Time) {
			code := hold(t, f)
			f.run(t, "liberar_hold", dialog.Call{Args: map[string]any{"code": code}})
			return code, f.now.Add(5 * time.Minute)
		}, status: "cancelled", statusThen: "cancelled"},
		{name: "no hold", prepare: func(*testing.T, *fixture) (string, time.Time) { return "", time.Time{} }, status: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, builtin.Deps{})
			code, at := tc.prepare(t, f)
			res := f.run(t, "liberar_hold", dialog.Call{Args: map[string]any{"code": code, "reason": "the guest released the hold"}, Now: at})
			assert.Equal(t, tc.ok, res.Data["ok"])
			assert.Equal(t, tc.status, res.Data["status"])
			assert.Equal(t, code, res.Data["code"])
			if tc.ok {
				assert.Equal(t, "Cabaña Robles", res.Data["name"])
			}
			if code != "" {
				r, err := f.bk.Get(context.Background(), code)
				require.NoError(t, err)
				assert.Equal(t, tc.statusThen, r.Status)
			}
		})
	}
}

// hold holds the Robles from 5 to 8/1 for 4 and returns its code.
func hold(t *testing.T, f *fixture) string {
	t.Helper()
	res := f.run(t, "pre_reservar", dialog.Call{Slots: stay("2027-01-05", "2027-01-08", 4), Args: map[string]any{"accommodation": int64(1)}})
	require.Equal(t, true, res.Data["ok"], res.Data)
	return res.Data["code"].(string)
}

func TestInfoServicios(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	cases := []struct {
		name    string
		msg     dialog.Understanding
		lang    string
		status  string
		units   string
		label   string
		nAnswer int
	}{
		{"all have wifi", dialog.Understanding{Amenities: []string{"wifi"}}, "es-AR", "all", "Cabaña Robles, Cabaña Coihue y Depto Centro", "wifi", 1},
		{"pets only in Coihue", dialog.Understanding{Amenities: []string{"mascotas"}}, "es-AR", "some", "Cabaña Coihue", "mascotas permitidas 🐾", 1},
		{"no pool in the apartment", dialog.Understanding{Amenities: []string{"pileta"}, UnitType: "departamento"}, "en", "none", "", "a pool", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.run(t, "info_servicios", dialog.Call{Message: tc.msg, Language: tc.lang})
			answers := res.Data["answers"].([]any)
			require.Len(t, answers, tc.nAnswer)
			a := answers[0].(map[string]any)
			assert.Equal(t, tc.status, a["status"])
			assert.Equal(t, tc.units, a["units_text"])
			assert.Equal(t, tc.label, a["label"])
		})
	}
	res := f.run(t, "info_servicios", dialog.Call{})
	assert.Empty(t, res.Data["answers"])
	units := res.Data["units"].([]any)
	require.Len(t, units, 3)
	assert.Equal(t, "wifi, pileta, parrilla y cochera", units[0].(map[string]any)["amenities_text"])
}

func TestInfoPoliticasAndUbicacion(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	cases := map[string]string{
		"a que hora es el check in?":  "horarios",
		"qué pasa si cancelo?":        "cancelacion",
		"cuanto es la seña?":          "sena",
		"pueden ir chicos?":           "chicos",
		"cual es la estadia minima?":  "minimo",
		"cuales son las condiciones?": "general",
	}
	for text, topic := range cases {
		res := f.run(t, "info_politicas", dialog.Call{Text: text})
		assert.Equal(t, topic, res.Data["topic"], text)
		assert.Equal(t, "14:00", res.Data["check_in_time"])
		assert.Equal(t, int64(2), res.Data["min_nights"])
		assert.Contains(t, res.Data["cancellation"], "La seña no es reembolsable")
	}
	res := f.run(t, "info_ubicacion", dialog.Call{})
	assert.Equal(t, "https://maps.google.com/?q=-31.9786,-64.5592", res.Data["map_url"])
	amb, err := f.act.Ambient(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Complejo Los Robles", amb["name"])
}

func TestDerivarHumano(t *testing.T) {
	staff := &fakeStaff{}
	f := newFixture(t, builtin.Deps{Staff: staff})
	res := f.run(t, "derivar_humano", dialog.Call{Reason: "complaint", Guest: dialog.Guest{ConversationID: 7}})
	assert.Equal(t, "complaint", res.Handoff)
	assert.Equal(t, true, res.Data["notified"])
	assert.Equal(t, []int64{7}, staff.notified)
}

func TestCotizarExplainsEachNight(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	res := f.run(t, "cotizar", dialog.Call{Slots: stay("2027-01-15", "2027-01-18", 2), Args: map[string]any{"accommodation": int64(3)}})
	require.Equal(t, true, res.Data["ok"])
	nightly := res.Data["nightly"].([]any)
	require.Len(t, nightly, 3)
	assert.Equal(t, "weekend", nightly[0].(map[string]any)["rule"])
	assert.Equal(t, "base", nightly[2].(map[string]any)["rule"])
	assert.Equal(t, false, res.Data["uniform_price"])
}

// The holds one web chat address may make in an hour (booking.holds_per_hour, 3): the
// next hold is the hold_limit problem hold_fallido explains, never an action failure (the
// guest read "a technical problem").
func TestHoldLimitIsSaidNotAFailure(t *testing.T) {
	f := newFixture(t, builtin.Deps{})
	act, ok := f.reg.Lookup("pre_reservar")
	require.True(t, ok)
	ctx := booking.WithClientAddr(context.Background(), "203.0.113.9")
	for i, month := range []string{"01", "02", "03", "04"} {
		res, err := act.Run(ctx, dialog.Call{Slots: stay("2027-"+month+"-05", "2027-"+month+"-08", 2),
			Args: map[string]any{"accommodation": int64(1)}, Now: f.now, Language: "es-AR",
			Guest: dialog.Guest{Channel: "webchat", Contact: fmt.Sprintf("wc_%024d", i)}})
		require.NoError(t, err, "a limit is an outcome, not an error")
		if i < 3 {
			require.Equal(t, true, res.Data["ok"], res.Data)
			continue
		}
		assert.Equal(t, false, res.Data["ok"])
		assert.Equal(t, "hold_limit", res.Data["problem"])
	}
}

// TestLongStayNamesTheBotLimit: a hold longer than the bot's limit goes to staff, and the
// result carries the limit so the message says it instead of a fixed "two weeks".
func TestLongStayNamesTheBotLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		deps builtin.Deps
		want int64
	}{
		{name: "the default limit", deps: builtin.Deps{}, want: booking.DefaultBotMaxNights},
		{name: "the configured limit", deps: builtin.Deps{BotMaxNights: 10}, want: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.deps)
			res := f.run(t, "pre_reservar", dialog.Call{Slots: stay("2027-02-03", "2027-02-23", 2),
				Args: map[string]any{"accommodation": int64(1)}})
			assert.Equal(t, "long_stay", res.Data["problem"])
			assert.Equal(t, tc.want, res.Data["bot_max_nights"])
			assert.Equal(t, int64(98_100_000), res.Data["total_cents"], "the guest still gets the total of Cabaña Robles")
		})
	}
}
