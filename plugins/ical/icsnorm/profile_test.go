package icsnorm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfiles(t *testing.T) {
	airbnbDesc := `Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMQ7K2XW9P\nPhone Number (Last 4 Digits): 4821`
	cases := []struct {
		name      string
		platform  Platform
		summary   string
		desc      string
		status    string
		kind      Kind
		tentative bool
		code      string
		last4     string
	}{
		{name: "airbnb reserved carries code and phone", platform: PlatformAirbnb, summary: "Reserved", desc: airbnbDesc, kind: KindReservation, code: "HMQ7K2XW9P", last4: "4821"},
		{name: "airbnb not available is a block", platform: PlatformAirbnb, summary: "Airbnb (Not available)", kind: KindBlock},
		{name: "booking closed is unknown", platform: PlatformBooking, summary: "CLOSED - Not available", kind: KindUnknown},
		{name: "booking tentative status still flags", platform: PlatformBooking, summary: "CLOSED - Not available", status: "TENTATIVE", kind: KindUnknown, tentative: true},
		{name: "vrbo reserved with a name", platform: PlatformVrbo, summary: "Reserved - Ana", kind: KindReservation},
		{name: "vrbo blocked", platform: PlatformVrbo, summary: "Blocked", kind: KindBlock},
		{name: "vrbo tentative hold", platform: PlatformVrbo, summary: "Tentative", kind: KindReservation, tentative: true},
		{name: "vrbo provisoire hold", platform: PlatformVrbo, summary: "Provisoire", kind: KindReservation, tentative: true},
		{name: "google owner use is a block", platform: PlatformGoogle, summary: "Uso propietario", kind: KindBlock},
		{name: "google anything is a block", platform: PlatformGoogle, summary: "Plomero - revisar termotanque", kind: KindBlock},
		{name: "google booking note is a reservation", platform: PlatformGoogle, summary: "Reserva García", kind: KindReservation},
		{name: "generic spanish reservation", platform: PlatformGeneric, summary: "Reservado", kind: KindReservation},
		{name: "generic spanish block", platform: PlatformGeneric, summary: "Bloqueado (sin fin ni duración)", kind: KindBlock},
		{name: "generic unknown", platform: PlatformGeneric, summary: "Evento", kind: KindUnknown},
		{name: "generic tentative word", platform: PlatformGeneric, summary: "Provisional - Juan", kind: KindUnknown, tentative: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			opts.Platform = tc.platform
			props := []string{"UID:x", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270103", "SUMMARY:" + tc.summary}
			if tc.desc != "" {
				props = append(props, "DESCRIPTION:"+tc.desc)
			}
			if tc.status != "" {
				props = append(props, "STATUS:"+tc.status)
			}
			res, err := Normalize(cal(ev(props...)), opts)
			require.NoError(t, err)
			require.Len(t, res.Blocks, 1)
			b := res.Blocks[0]
			assert.Equal(t, tc.kind, b.Kind)
			assert.Equal(t, tc.tentative, b.Tentative)
			assert.Equal(t, tc.code, b.ReservationCode)
			assert.Equal(t, tc.last4, b.PhoneLast4)
		})
	}
}

func TestParsePlatform(t *testing.T) {
	for _, p := range Platforms {
		got, err := ParsePlatform(string(p))
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	got, err := ParsePlatform(" Airbnb ")
	require.NoError(t, err)
	assert.Equal(t, PlatformAirbnb, got)
	got, err = ParsePlatform("")
	require.NoError(t, err)
	assert.Equal(t, PlatformGeneric, got)
	_, err = ParsePlatform("expedia")
	require.Error(t, err)
	_, err = Normalize(cal(), Options{Platform: "expedia"})
	require.Error(t, err)
}
