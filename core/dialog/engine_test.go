package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ba = mustZone("America/Argentina/Buenos_Aires")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a Buenos Aires wall-clock instant.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ba)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeNLU answers from a table; unknown text is a low-confidence fallback.
type fakeNLU map[string]dialog.Understanding

func (f fakeNLU) Understand(text string, _ time.Time) dialog.Understanding {
	if u, ok := f[text]; ok {
		return u
	}
	return dialog.Understanding{Intent: "fallback", Confidence: 0.2}
}

// fakeBooking is a tiny booking engine: units with nightly prices, a set of taken
// (unit, check-in) pairs, and a record of calls.
type fakeBooking struct {
	taken map[string]bool
	// pay is what datos_pago answers (bank transfer details when nil).
	pay   map[string]any
	calls []string
	holds int
}

type unit struct {
	id       int64
	name     string
	typ      string
	capacity int64
	price    int64
}

var units = []unit{
	{1, "Cabaña Robles", "cabaña", 4, 4_500_000},
	{2, "Cabaña Coihue", "cabaña", 6, 6_000_000},
	{3, "Depto Centro", "departamento", 2, 3_000_000},
}

func nights(in, out string) int64 {
	a, _ := time.Parse(time.DateOnly, in)
	b, _ := time.Parse(time.DateOnly, out)
	return int64(b.Sub(a).Hours() / 24)
}

func (f *fakeBooking) register(t *testing.T, reg *dialog.Registry) {
	t.Helper()
	add := func(name string, fn dialog.ActionFunc) {
		require.NoError(t, reg.Register(dialog.BuiltinNamespace, name, fn))
	}
	add("buscar_disponibilidad", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		in, out := c.Arg("check_in").(string), c.Arg("check_out").(string)
		guests := c.Arg("guests").(int64)
		f.calls = append(f.calls, "buscar "+in+" "+out)
		n := nights(in, out)
		var offers, alts []any
		for _, u := range units {
			if u.capacity < guests {
				continue
			}
			if f.taken[u.name+" "+in] {
				alt := map[string]any{"id": "alt1", "title": u.name + ", 12/1 al 15/1", "accommodation_id": u.id,
					"check_in": "2027-01-12", "check_out": "2027-01-15", "total_cents": u.price * 3}
				alts = append(alts, alt)
				continue
			}
			offers = append(offers, map[string]any{"id": u.id, "title": u.name, "name": u.name, "type": u.typ,
				"price_per_night_cents": u.price, "uniform_price": true, "total_cents": u.price * n})
		}
		if len(offers) > 0 {
			alts = nil
		}
		return dialog.Result{Data: map[string]any{"check_in": in, "check_out": out, "nights": n, "guests": guests,
			"offers": offers, "alternatives": alts, "min_nights": 0, "max_capacity": 6}}, nil
	})
	add("pre_reservar", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		id := c.Arg("accommodation").(int64)
		f.holds++
		u := units[id-1]
		in, out := c.Arg("check_in").(string), c.Arg("check_out").(string)
		total := u.price * nights(in, out)
		f.calls = append(f.calls, "hold "+u.name+" "+in+" "+out)
		return dialog.Result{Data: map[string]any{"ok": true, "code": "RES270105001", "name": u.name,
			"check_in": in, "check_out": out, "total_cents": total, "deposit_cents": total * 30 / 100,
			"deposit_percent": 30, "expires_at": c.Now.Add(30 * time.Minute).UTC().Format(time.RFC3339)}}, nil
	})
	add("datos_pago", func(context.Context, dialog.Call) (dialog.Result, error) {
		if f.pay != nil {
			return dialog.Result{Data: f.pay}, nil
		}
		return dialog.Result{Data: map[string]any{"method": "transfer", "alias": "los.robles.demo", "cbu": "0000003100012345678901", "holder": "Complejo Los Robles"}}, nil
	})
	add("cotizar", func(context.Context, dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"ok": true}}, nil
	})
	add("extender_hold", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"ok": true, "code": c.Arg("code"), "expires_at": c.Now.Add(40 * time.Minute).UTC().Format(time.RFC3339)}}, nil
	})
	add("info_servicios", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		f.calls = append(f.calls, "servicios")
		return dialog.Result{Data: map[string]any{"answers": []any{map[string]any{"amenity": "wifi", "label": "wifi", "status": "all"}}}}, nil
	})
	add("info_ubicacion", func(context.Context, dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"address": "Av. San Martín 1450", "map_url": "https://maps.example/x"}}, nil
	})
	add("info_politicas", func(context.Context, dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"topic": "horarios", "check_in_time": "14:00", "check_out_time": "10:00"}}, nil
	})
	add("info_pago", func(context.Context, dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"topic": "como_pagar", "deposit_percent": int64(30), "alias": "los.robles.demo"}}, nil
	})
	add("liberar_hold", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		f.calls = append(f.calls, fmt.Sprintf("liberar %v", c.Arg("code")))
		return dialog.Result{Data: map[string]any{"ok": true, "code": c.Arg("code"), "name": "Cabaña Robles"}}, nil
	})
	add("precios_base", func(context.Context, dialog.Call) (dialog.Result, error) {
		return dialog.Result{Data: map[string]any{"units": []any{map[string]any{"name": "Cabaña Robles", "capacity": int64(4), "price_cents": int64(4500000)}}}}, nil
	})
	add("derivar_humano", func(_ context.Context, c dialog.Call) (dialog.Result, error) {
		f.calls = append(f.calls, "derivar "+c.Arg("reason").(string))
		return dialog.Result{Data: map[string]any{"reason": c.Arg("reason")}, Handoff: c.Arg("reason").(string)}, nil
	})
}

type property struct{}

func (property) Ambient(context.Context) (map[string]any, error) {
	return map[string]any{"name": "Complejo Los Robles", "check_in_time": "14:00", "check_out_time": "10:00", "map_url": "https://maps.example/x"}, nil
}

var nlu = fakeNLU{
	"hola":                        {Intent: "saludo", Confidence: 0.95},
	"Hi there, I'd like to book":  {Intent: "reservar", Confidence: 0.6, Language: "en"},
	"Hola, para 4 del 5 al 8/1":   {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-01-05", CheckOut: "2027-01-08", Guests: 4},
	"Cabaña":                      {Intent: "disponibilidad", Confidence: 0.4, UnitType: "cabaña"},
	"quiero reservar":             {Intent: "reservar", Confidence: 0.9},
	"5/1 - 8/1":                   {Intent: "disponibilidad", Confidence: 0.8, CheckIn: "2027-01-05", CheckOut: "2027-01-08"},
	"del 5 al 8/1":                {Intent: "disponibilidad", Confidence: 0.8, CheckIn: "2027-01-05", CheckOut: "2027-01-08"},
	"el 5/1":                      {Intent: "disponibilidad", Confidence: 0.6, CheckIn: "2027-01-05"},
	"hasta el 8":                  {Intent: "disponibilidad", Confidence: 0.6, CheckIn: "2027-01-08"},
	"4":                           {Intent: "fallback", Confidence: 0.3},
	"mejor del 6 al 9":            {Intent: "disponibilidad", Confidence: 0.8, CheckIn: "2026-12-06", CheckOut: "2026-12-09", DaysOnly: true},
	"del 6 al 9 de diciembre":     {Intent: "disponibilidad", Confidence: 0.8, CheckIn: "2026-12-06", CheckOut: "2026-12-09"},
	"¿Hay libre el finde para 2?": {Intent: "disponibilidad", Confidence: 0.9, Guests: 2, Ambiguous: []string{"dates"}},
	"El siguiente":                {Intent: "fallback", Confidence: 0.3},
	"tiene wifi?":                 {Intent: "servicios", Confidence: 0.9, Amenities: []string{"wifi"}},
	"quiero hablar con alguien":   {Intent: "hablar_humano", Confidence: 0.95},
	"esto es una estafa":          {Intent: "fallback", Confidence: 0.2},
	"para 4 del 3/1 al 5/1":       {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-01-03", CheckOut: "2027-01-05", Guests: 4},
	"del 5 al 2/1":                {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2026-12-01", CheckOut: "2026-12-05", Guests: 2},
	"la primera":                  {Intent: "fallback", Confidence: 0.2},
	"necesito mas tiempo":         {Intent: "fallback", Confidence: 0.2},
	"somos 2":                     {Intent: "fallback", Confidence: 0.3, Guests: 2},
}

type chat struct {
	t     *testing.T
	e     *dialog.Engine
	state []byte
	b     *fakeBooking
}

// defaultDialog is the shipped dialog with the test intents (the fake NLU only needs their
// names), so these tests do not depend on the NLU's training phrases.
func defaultDialog(t *testing.T) dialog.Sources {
	t.Helper()
	dir := t.TempDir()
	for src, dst := range map[string]string{"../../dialogs/receptionist.yaml": "receptionist.yaml", "testdata/intents.yaml": "intents.yaml"} {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), b, 0o644))
	}
	return dialog.Sources{Dialogs: dir, Locales: "../../locales"}
}

func newChat(t *testing.T) *chat {
	t.Helper()
	return newChatWith(t, nlu)
}

// newChatWith is a chat whose messages und understands.
func newChatWith(t *testing.T, und dialog.Understander) *chat {
	t.Helper()
	b := &fakeBooking{taken: map[string]bool{}}
	reg := dialog.NewRegistry()
	b.register(t, reg)
	e, problems := dialog.Build(defaultDialog(t), reg,
		func(map[string][]string) (dialog.Understander, error) { return und, nil }, dialog.Options{Ambient: property{}})
	require.Empty(t, problems)
	return &chat{t: t, e: e, b: b}
}

// say runs one turn, storing the state as JSON between turns like the conversation does.
func (c *chat) say(now time.Time, text string) *dialog.Output {
	c.t.Helper()
	st, err := dialog.DecodeState(c.state)
	require.NoError(c.t, err)
	out, err := c.e.Turn(context.Background(), st, dialog.Input{Text: text, Now: now})
	require.NoError(c.t, err)
	c.state, err = st.Encode()
	require.NoError(c.t, err)
	return out
}

// tap runs one turn for a tap on a quick reply, as channels deliver it: the button's id
// with its title as the text.
func (c *chat) tap(now time.Time, id, title string) *dialog.Output {
	c.t.Helper()
	st, err := dialog.DecodeState(c.state)
	require.NoError(c.t, err)
	out, err := c.e.Turn(context.Background(), st, dialog.Input{Text: title, Now: now, Kind: "option", OptionID: id})
	require.NoError(c.t, err)
	c.state, err = st.Encode()
	require.NoError(c.t, err)
	return out
}

func (c *chat) st() *dialog.State {
	st, err := dialog.DecodeState(c.state)
	require.NoError(c.t, err)
	return st
}

func text(out *dialog.Output) string {
	var parts []string
	for _, r := range out.Replies {
		parts = append(parts, r.Text)
	}
	return strings.Join(parts, "\n---\n")
}

func TestClientFlowOfferThenHold(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	out := c.say(now, "Hola, para 4 del 5 al 8/1")
	require.Len(t, out.Replies, 1)
	assert.Contains(t, text(out), "🏠 Cabaña Robles: $45.000/noche, total $135.000")
	assert.Contains(t, text(out), "🏠 Cabaña Coihue: $60.000/noche, total $180.000")
	assert.NotContains(t, text(out), "Depto Centro")
	assert.Contains(t, text(out), "martes 5/1")
	assert.Contains(t, text(out), "3 noches, 4 personas")
	assert.Equal(t, []dialog.Button{{ID: "unidad:1", Title: "Cabaña Robles"}, {ID: "unidad:2", Title: "Cabaña Coihue"}}, out.Replies[0].Buttons)

	out = c.say(now.Add(time.Minute), "Cabaña")
	assert.Contains(t, text(out), "Te guardo Cabaña Robles del 5/1 al 8/1 durante 30 minutos, hasta las 10:31")
	assert.Contains(t, text(out), "la seña es de $40.500")
	assert.Contains(t, text(out), "alias los.robles.demo")
	assert.Contains(t, text(out), "RES270105001")
	assert.Equal(t, []string{"buscar 2027-01-05 2027-01-08", "hold Cabaña Robles 2027-01-05 2027-01-08"}, c.b.calls)
	assert.Empty(t, c.st().Stack, "the booking flow ended")
}

func TestSlotFillingAskForEachMissingSlot(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	assert.Equal(t, "¿Para qué fechas te querés alojar? Día de entrada y salida 📅", text(c.say(now, "quiero reservar")))
	assert.Equal(t, "¡Genial! ¿Y hasta qué día te quedarías? Decime el día de salida 📅", text(c.say(now, "el 5/1")))
	assert.Equal(t, "¿Para cuántas personas sería?", text(c.say(now, "hasta el 8")))
	out := c.say(now, "4")
	assert.Contains(t, text(out), "Cabaña Robles: $45.000/noche")
	assert.Equal(t, map[string]any{"check_in": "2027-01-05", "check_out": "2027-01-08", "guests": int64(4)}, c.st().Slots)
}

func TestPeopleAloneStartTheBookingEvenWithoutAnIntent(t *testing.T) {
	c := newChat(t)
	out := c.say(at("2026-11-28 10:00"), "somos 2")
	assert.Equal(t, "¿Para qué fechas te querés alojar? Día de entrada y salida 📅", text(out))
	assert.Equal(t, int64(2), c.st().Slots["guests"])
	assert.Zero(t, c.st().Fallbacks)
}

func TestCorrectionWhileChoosingSearchesAgain(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	c.say(now, "Hola, para 4 del 5 al 8/1")
	out := c.say(now, "mejor del 6 al 9")
	assert.Contains(t, text(out), "miércoles 6/1")
	assert.Equal(t, []string{"buscar 2027-01-05 2027-01-08", "buscar 2027-01-06 2027-01-09"}, c.b.calls)
	assert.Equal(t, int64(4), c.st().Slots["guests"], "guests carried across the correction")
}

func TestBareDaysAreReadInTheMonthBeingDiscussed(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	c.say(now, "Hola, para 4 del 5 al 8/1")
	c.say(now, "mejor del 6 al 9")
	assert.Equal(t, "2027-01-06", c.st().Slots["check_in"], "bare days follow the January stay")
	c.say(now, "del 6 al 9 de diciembre")
	assert.Equal(t, "2026-12-06", c.st().Slots["check_in"], "a named month is kept")
	assert.Equal(t, "2026-12-09", c.st().Slots["check_out"])
}

func TestAmbiguousWeekendIsAskedBack(t *testing.T) {
	c := newChat(t)
	saturday := at("2026-11-28 10:00")
	out := c.say(saturday, "¿Hay libre el finde para 2?")
	assert.Equal(t, "¿Te referís a este fin de semana o el siguiente? 📅", text(out))
	assert.Equal(t, []dialog.Button{{ID: "this", Title: "Este finde"}, {ID: "next", Title: "El siguiente"}}, out.Replies[0].Buttons)
	out = c.say(saturday.Add(time.Minute), "El siguiente")
	assert.Equal(t, []string{"buscar 2026-12-04 2026-12-06"}, c.b.calls, "next Friday to Sunday")
	assert.Contains(t, text(out), "Depto Centro")
}

func TestQuestionMidBookingIsAnsweredThenResumes(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	c.say(now, "Hola, para 4 del 5 al 8/1")
	out := c.say(now, "tiene wifi?")
	require.Len(t, out.Replies, 1, "answer and resumed question in one message")
	assert.Contains(t, text(out), "✅ Sí, todas nuestras unidades tienen wifi.")
	assert.Contains(t, text(out), "Sigamos con tu reserva 👉 ¿Cuál te reservo?")
	assert.Len(t, out.Replies[0].Buttons, 2, "the unit buttons come back")
	out = c.say(now, "Cabaña")
	assert.Contains(t, text(out), "Te guardo Cabaña Robles")
}

func TestTwoFallbacksInARowHandOff(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	out := c.say(now, "jajaja")
	assert.Equal(t, "Creo que entendí parte de tu consulta. ¿Podés confirmarme fechas de entrada y salida y cuántas personas son?", text(out))
	assert.Nil(t, out.Handoff)
	out = c.say(now, "mi primo tiene un auto rojo")
	require.NotNil(t, out.Handoff)
	assert.Equal(t, dialog.ReasonFallbacks, out.Handoff.Reason)
	assert.Contains(t, text(out), "Te derivo a un humano en minutos y seguimos por acá")
	assert.Contains(t, c.b.calls, "derivar fallbacks")
}

// TestFallbackSaysWhatWasUnderstood: rule 11 of conversation.md, the fallback names what
// the conversation knows (people, dates, the unit held) and asks for what is missing.
func TestFallbackSaysWhatWasUnderstood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before []string
		want   string
	}{
		{
			name: "nothing known asks for everything",
			want: "Creo que entendí parte de tu consulta. ¿Podés confirmarme fechas de entrada y salida y cuántas personas son?",
		},
		{
			name:   "people known asks for the dates",
			before: []string{"somos 2"},
			want:   "Creo que entendí parte de tu consulta: para 2 personas. ¿Para qué fechas? Decime día de entrada y salida 📅",
		},
		{
			name:   "check-in known asks for the check-out",
			before: []string{"quiero reservar", "el 5/1"},
			want:   "Creo que entendí parte de tu consulta: llegás el 5/1. ¿Hasta qué día te quedarías? 📅",
		},
		{
			name:   "dates known asks for the people",
			before: []string{"quiero reservar", "del 5 al 8/1"},
			want:   "Creo que entendí parte de tu consulta: del 5/1 al 8/1. ¿Para cuántas personas sería?",
		},
		{
			name:   "a hold names the unit and offers a person",
			before: []string{"Hola, para 4 del 5 al 8/1", "Cabaña"},
			want:   "Creo que entendí parte de tu consulta: para 4 personas, del 5/1 al 8/1, y te guardé Cabaña Robles. ¿Me lo contás con otras palabras? Si preferís, te paso con una persona del equipo.",
		},
		{
			name:   "in English",
			before: []string{"Hi there, I'd like to book", "del 5 al 8/1"},
			want:   "I think I understood part of your message: from Jan 5 to Jan 8. How many people would it be for?",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChat(t)
			now := at("2026-11-28 10:00")
			for _, msg := range tc.before {
				c.say(now, msg)
			}
			out := c.say(now.Add(time.Minute), "jajaja")
			assert.Equal(t, tc.want, text(out))
			assert.Nil(t, out.Handoff, "one fallback is not a handoff")
			assert.Equal(t, 1, c.st().Fallbacks)
			out = c.say(now.Add(2*time.Minute), "mi primo tiene un auto rojo")
			require.NotNil(t, out.Handoff, "the second fallback in a row goes to a person")
			assert.Equal(t, dialog.ReasonFallbacks, out.Handoff.Reason)
		})
	}
}

func TestUnderstoodMessageResetsFallbacks(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	c.say(now, "jajaja")
	c.say(now, "hola")
	out := c.say(now, "jajaja")
	assert.Nil(t, out.Handoff)
}

func TestHandoffAtNightSaysWhenSomeoneAnswers(t *testing.T) {
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"day", at("2026-11-28 15:00"), "Te derivo a un humano en minutos y seguimos por acá 🙌"},
		{"night", at("2026-11-28 23:30"), "te responden mañana desde las 08:00"},
		{"early morning", at("2026-11-29 06:00"), "te responden mañana desde las 08:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChat(t)
			out := c.say(tc.now, "quiero hablar con alguien")
			require.NotNil(t, out.Handoff)
			assert.Equal(t, dialog.ReasonExplicit, out.Handoff.Reason)
			assert.Contains(t, text(out), tc.want)
		})
	}
}

func TestComplaintHandsOff(t *testing.T) {
	c := newChat(t)
	out := c.say(at("2026-11-28 15:00"), "esto es una estafa")
	require.NotNil(t, out.Handoff)
	assert.Equal(t, dialog.ReasonComplaint, out.Handoff.Reason)
	assert.Contains(t, text(out), "Lamento mucho lo que pasó")
}

func TestLowSpeechConfidenceHandsOff(t *testing.T) {
	c := newChat(t)
	st := &dialog.State{}
	low := 0.4
	out, err := c.e.Turn(context.Background(), st, dialog.Input{Text: "hola", Now: at("2026-11-28 15:00"), SpeechConfidence: &low})
	require.NoError(t, err)
	require.NotNil(t, out.Handoff)
	assert.Equal(t, dialog.ReasonSpeechConfidence, out.Handoff.Reason)

	high := 0.9
	out, err = c.e.Turn(context.Background(), &dialog.State{}, dialog.Input{Text: "hola", Now: at("2026-11-28 15:00"), SpeechConfidence: &high})
	require.NoError(t, err)
	assert.Nil(t, out.Handoff)
}

func TestPaymentRejectedTwiceHandsOff(t *testing.T) {
	c := newChat(t)
	st := &dialog.State{}
	out, err := c.e.PaymentRejected(context.Background(), st, at("2026-11-28 15:00"), dialog.Guest{})
	require.NoError(t, err)
	assert.Nil(t, out.Handoff)
	out, err = c.e.PaymentRejected(context.Background(), st, at("2026-11-28 15:05"), dialog.Guest{})
	require.NoError(t, err)
	require.NotNil(t, out.Handoff)
	assert.Equal(t, dialog.ReasonPaymentRejected, out.Handoff.Reason)
}

func TestSessionExpiresAfterTwelveHours(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	c.say(now, "Hola, para 4 del 5 al 8/1")
	out := c.say(now.Add(11*time.Hour), "Cabaña")
	assert.False(t, out.SessionExpired)

	c2 := newChat(t)
	c2.say(now, "Hola, para 4 del 5 al 8/1")
	out = c2.say(now.Add(13*time.Hour), "quiero reservar")
	assert.True(t, out.SessionExpired)
	assert.Equal(t, "¿Para qué fechas te querés alojar? Día de entrada y salida 📅", text(out))
	assert.Empty(t, c2.st().Slots)
}

func TestLanguageIsDetectedAndKept(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	out := c.say(now, "Hi there, I'd like to book")
	assert.Equal(t, "en", out.Language)
	assert.Equal(t, "Which dates would you like to stay? Check-in and check-out day 📅", text(out))
	out = c.say(now, "5/1 - 8/1")
	assert.Equal(t, "en", out.Language, "a message without language words keeps it")
	assert.Contains(t, text(out), "How many people")
}

func TestInvalidValuesAreExplained(t *testing.T) {
	c := newChat(t)
	out := c.say(at("2026-12-10 10:00"), "del 5 al 2/1")
	assert.Contains(t, text(out), "Esa fecha ya pasó")
	assert.Nil(t, c.st().Slots["check_in"])
	assert.Equal(t, int64(2), c.st().Slots["guests"])
}

func TestAlternativesAreOfferedAndChosen(t *testing.T) {
	c := newChat(t)
	c.b.taken["Cabaña Robles 2027-01-03"] = true
	c.b.taken["Cabaña Coihue 2027-01-03"] = true
	now := at("2026-11-28 10:00")
	out := c.say(now, "para 4 del 3/1 al 5/1")
	assert.Contains(t, text(out), "Podemos ofrecerte:")
	assert.Contains(t, text(out), "📅 Cabaña Robles, 12/1 al 15/1: total $135.000")
	out = c.say(now, "la primera")
	assert.Contains(t, text(out), "Te guardo Cabaña Robles del 12/1 al 15/1")
	assert.Equal(t, "hold Cabaña Robles 2027-01-12 2027-01-15", c.b.calls[len(c.b.calls)-1])
}

func TestExtendHoldByKeyword(t *testing.T) {
	c := newChat(t)
	now := at("2026-11-28 10:00")
	out := c.say(now, "necesito mas tiempo")
	assert.Contains(t, text(out), "Todavía no tenés una reserva guardada")
	c.say(now, "Hola, para 4 del 5 al 8/1")
	c.say(now, "Cabaña")
	out = c.say(now.Add(20*time.Minute), "necesito mas tiempo")
	assert.Contains(t, text(out), "Te doy 15 minutos más: la reserva RES270105001 queda guardada hasta las 11:00")
}

func TestActionErrorSaysSoAndEndsTheFlow(t *testing.T) {
	reg := dialog.NewRegistry()
	b := &fakeBooking{taken: map[string]bool{}}
	b.register(t, reg)
	failing := dialog.NewRegistry()
	for _, n := range reg.Names() {
		a, _ := reg.Lookup(n)
		if n == "builtin.buscar_disponibilidad" {
			a = dialog.ActionFunc(func(context.Context, dialog.Call) (dialog.Result, error) {
				return dialog.Result{}, errors.New("db down")
			})
		}
		require.NoError(t, failing.Register("builtin", strings.TrimPrefix(n, "builtin."), a))
	}
	e, problems := dialog.Build(defaultDialog(t), failing,
		func(map[string][]string) (dialog.Understander, error) { return nlu, nil }, dialog.Options{Ambient: property{}})
	require.Empty(t, problems)
	st := &dialog.State{}
	out, err := e.Turn(context.Background(), st, dialog.Input{Text: "Hola, para 4 del 5 al 8/1", Now: at("2026-11-28 10:00")})
	require.NoError(t, err)
	assert.Contains(t, text(out), "tuve un problema técnico")
	assert.Empty(t, st.Stack)
	assert.Equal(t, int64(4), st.Slots["guests"], "what the guest said is kept for the retry")
}

func TestRegistryRejectsDuplicates(t *testing.T) {
	reg := dialog.NewRegistry()
	noop := dialog.ActionFunc(func(context.Context, dialog.Call) (dialog.Result, error) { return dialog.Result{}, nil })
	require.NoError(t, reg.Register("builtin", "cotizar", noop))
	require.NoError(t, reg.Register("mercadopago", "cotizar", noop), "another namespace may reuse the name")
	err := reg.Register("builtin", "cotizar", noop)
	assert.ErrorIs(t, err, dialog.ErrDuplicateAction)
	_, ok := reg.Lookup("cotizar")
	assert.True(t, ok, "bare names are built-ins")
	_, ok = reg.Lookup("mercadopago.cotizar")
	assert.True(t, ok)
	assert.Error(t, reg.Register("Bad", "x", noop))
}

func TestQuietHours(t *testing.T) {
	c := newChat(t)
	cases := []struct {
		now   time.Time
		quiet bool
		until time.Time
	}{
		{at("2026-11-28 20:59"), false, time.Time{}},
		{at("2026-11-28 21:00"), true, at("2026-11-29 08:00")},
		{at("2026-11-29 07:59"), true, at("2026-11-29 08:00")},
		{at("2026-11-29 08:00"), false, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.now.Format("15:04"), func(t *testing.T) {
			quiet, until := c.e.QuietHours(tc.now)
			assert.Equal(t, tc.quiet, quiet)
			assert.True(t, tc.until.Equal(until), "until %s", until)
		})
	}
}

// The hold carries what the guest does next as quick replies, each shown when it applies;
// a tap (the button's id) or its title typed starts the button's flow, and nothing else.
func TestHoldButtons(t *testing.T) {
	transfer := dialog.Button{ID: "hold_pagar_transferencia", Title: "Transferir la seña", Action: true}
	link := dialog.Button{ID: "hold_pagar_link", Title: "Pagar: Mercado Pago", Action: true}
	release := dialog.Button{ID: "hold_liberar", Title: "Liberar la reserva", Action: true}
	shown := []struct {
		name string
		pay  map[string]any
		want []dialog.Button
	}{
		{"bank transfer", map[string]any{"method": "transfer", "alias": "los.robles.demo", "bank_transfer": true}, []dialog.Button{transfer, release}},
		{"payment link and bank transfer", map[string]any{"method": "link", "link_url": "https://pay.example/x", "bank_transfer": true}, []dialog.Button{link, transfer, release}},
		{"payment link only", map[string]any{"method": "link", "link_url": "https://pay.example/x", "bank_transfer": false}, []dialog.Button{link, release}},
		{"paid through a portal", map[string]any{"method": "platform", "bank_transfer": false}, []dialog.Button{release}},
	}
	for _, tc := range shown {
		t.Run("shown: "+tc.name, func(t *testing.T) {
			c := newChat(t)
			c.b.pay = tc.pay
			c.say(at("2026-11-28 10:00"), "Hola, para 4 del 5 al 8/1")
			out := c.say(at("2026-11-28 10:01"), "Cabaña")
			require.Len(t, out.Replies, 1)
			assert.Contains(t, out.Replies[0].Text, "RES270105001")
			assert.Equal(t, tc.want, out.Replies[0].Buttons)
		})
	}

	taps := []struct {
		name      string
		tap       func(c *chat) *dialog.Output
		flow      string
		contains  string
		released  bool
		notPicked string
	}{
		{name: "tap on transfer", tap: func(c *chat) *dialog.Output { return c.tap(at("2026-11-28 10:02"), transfer.ID, transfer.Title) },
			flow: "pagar_transferencia"},
		{name: "tap on the link", tap: func(c *chat) *dialog.Output { return c.tap(at("2026-11-28 10:02"), link.ID, link.Title) },
			flow: "pagar_link"},
		{name: "tap on release", tap: func(c *chat) *dialog.Output { return c.tap(at("2026-11-28 10:02"), release.ID, release.Title) },
			flow: "liberar_reserva", contains: "liberé tu reserva de Cabaña Robles", released: true},
		{name: "a tap is read by its id, whatever its text says", tap: func(c *chat) *dialog.Output { return c.tap(at("2026-11-28 10:02"), release.ID, "Release the hold") },
			flow: "liberar_reserva", released: true},
		{name: "the title typed", tap: func(c *chat) *dialog.Output { return c.say(at("2026-11-28 10:02"), "liberar la reserva!") },
			flow: "liberar_reserva", released: true},
		{name: "a 2 typed picks no old option and presses no button", tap: func(c *chat) *dialog.Output { return c.say(at("2026-11-28 10:02"), "2") },
			notPicked: "Cabaña Coihue"},
	}
	for _, tc := range taps {
		t.Run(tc.name, func(t *testing.T) {
			c := newChat(t)
			c.b.pay = map[string]any{"method": "link", "link_url": "https://pay.example/x", "bank_transfer": true}
			c.say(at("2026-11-28 10:00"), "Hola, para 4 del 5 al 8/1")
			c.say(at("2026-11-28 10:01"), "Cabaña")
			out := tc.tap(c)
			assert.Equal(t, tc.flow, out.Flow)
			if tc.contains != "" {
				assert.Contains(t, text(out), tc.contains)
			}
			assert.Equal(t, tc.released, slices.Contains(c.b.calls, "liberar RES270105001"), "calls: %v", c.b.calls)
			if tc.notPicked != "" {
				assert.NotContains(t, text(out), tc.notPicked)
				assert.Equal(t, 1, c.b.holds, "no second hold")
			}
		})
	}
}

// Every fixed button title of the shipped dialog fits a WhatsApp reply button (20
// characters) in every language, so no title reaches the guest cut.
func TestStaticButtonTitlesFitAReplyButton(t *testing.T) {
	e := newChat(t).e
	n := 0
	for _, f := range e.Dialog().Flows {
		for _, s := range f.Steps {
			if s.Buttons == nil {
				continue
			}
			for _, b := range s.Buttons.Static {
				for _, lang := range e.Catalog().Languages() {
					t.Run(b.ID+"/"+lang, func(t *testing.T) {
						title, err := e.Catalog().Render(lang, b.Title, map[string]any{})
						require.NoError(t, err)
						assert.NotEmpty(t, title)
						assert.LessOrEqual(t, utf8.RuneCountInString(title), 20, title)
					})
					n++
				}
			}
		}
	}
	assert.GreaterOrEqual(t, n, 9, "the hold's three buttons in three languages")
}

// A button's title typed is a tap only while the guest sees that button: before the hold
// "transferir la seña" is a payment question, and after a new offer replaced the hold's
// buttons "liberar la reserva" is not the old hold's button.
func TestTypedTitleIsATapOnlyWhileTheButtonIsShown(t *testing.T) {
	cases := []struct {
		name   string
		before []string
		typed  string
		flow   string
	}{
		{"while the hold's buttons are shown", []string{"Hola, para 4 del 5 al 8/1", "Cabaña"}, "Transferir la seña", "pagar_transferencia"},
		{"a reply without buttons keeps them shown", []string{"Hola, para 4 del 5 al 8/1", "Cabaña", "tiene wifi?"}, "liberar la reserva", "liberar_reserva"},
		{"before the hold: a payment question", []string{"Hola, para 4 del 5 al 8/1"}, "transferir la seña", "pago"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChat(t)
			c.b.pay = map[string]any{"method": "transfer", "alias": "los.robles.demo", "bank_transfer": true}
			now := at("2026-11-28 10:00")
			for i, line := range tc.before {
				c.say(now.Add(time.Duration(i)*time.Minute), line)
			}
			out := c.say(now.Add(10*time.Minute), tc.typed)
			assert.Equal(t, tc.flow, out.Flow)
		})
	}
	t.Run("a tap by id works whatever is shown", func(t *testing.T) {
		c := newChat(t)
		c.say(at("2026-11-28 10:00"), "Hola, para 4 del 5 al 8/1")
		out := c.tap(at("2026-11-28 10:01"), "hold_liberar", "Liberar la reserva")
		assert.Equal(t, "liberar_reserva", out.Flow)
	})
}
