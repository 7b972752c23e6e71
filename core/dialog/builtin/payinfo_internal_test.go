package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/booking"
)

func TestPaymentTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{name: "the seña", text: "cuanto era la sena?", want: "monto"},
		{name: "what is paid on arrival", text: "y cuanto pago al llegar?", want: "resto"},
		{name: "the rest in English", text: "how much do i pay on arrival?", want: "resto"},
		{name: "the rest in Portuguese", text: "quanto pago na chegada?", want: "resto"},
		{name: "the deadline", text: "hasta que hora me la guardas?", want: "vencimiento"},
		{name: "how to pay", text: "como pago?", want: "como_pagar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, paymentTopic(tc.text))
		})
	}
}

// TestPerNightRoundsHalfUp: rule 12 of conversation.md, a per-night average is rounded half
// up to the peso.
func TestPerNightRoundsHalfUp(t *testing.T) {
	t.Parallel()
	nights := func(prices ...int64) booking.Quote {
		q := booking.Quote{}
		for _, p := range prices {
			q.Nights = append(q.Nights, booking.NightPrice{PriceCents: p})
			q.NightsCents += p
		}
		return q
	}
	tests := []struct {
		name        string
		q           booking.Quote
		want        int64
		wantUniform bool
	}{
		{name: "444.000 over 7 nights is 63.429", q: nights(6_000_000, 6_000_000, 6_000_000, 6_000_000, 7_200_000, 7_200_000, 6_000_000), want: 6_342_900},
		{name: "a half peso goes up", q: nights(100_000, 100_100), want: 100_100},
		{name: "under half a peso goes down", q: nights(100_000, 100_000, 100_100), want: 100_000},
		{name: "uniform price is the price", q: nights(4_500_000, 4_500_000), want: 4_500_000, wantUniform: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, uniform := perNight(tc.q)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantUniform, uniform)
		})
	}
}
