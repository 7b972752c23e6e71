package inquiry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestE164(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ written, want string }{
		{"+54 9 223 555-0231", "+5492235550231"},
		{"0341 15-555-0248", "+5493415550248"},
		{"011 4555-0263", "+541145550263"},
		{"11 15-5555-0297", "+5491155550297"},
		{"(0341) 455-0238", "+543414550238"},
		{"+54 11 5555-0330", "+541155550330"},
		{"0054 9 11 5555-0312", "+5491155550312"},
		{"351 555-0284", ""}, // no trunk 0, no 15: mobile or landline unknown
		{"3515550276", ""},
		{"15", ""},
	} {
		t.Run(tc.written, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, E164(tc.written))
		})
	}
}

func TestFindPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ text, want string }{
		{"Tel. +54 11 5555-0330 int. 214", "+54 11 5555-0330"},
		{"Cel 0358 15-455-0251", "0358 15-455-0251"},
		{"del 27/12 al 1/1, total $318.000", ""},
		{"Tel.: (0341) 455-0238", "(0341) 455-0238"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, findPhone(tc.text))
		})
	}
}

func TestTextStay(t *testing.T) {
	t.Parallel()
	ref := time.Date(2026, 12, 14, 11, 0, 0, 0, buenosAires)
	for _, tc := range []struct{ text, in, out string }{
		{"del 27/12 al 1/1", "2026-12-27", "2027-01-01"},
		{"del 29 al 3 de enero", "2026-12-29", "2027-01-03"},
		{"desde el miércoles 3 hasta el domingo 7 de marzo", "2027-03-03", "2027-03-07"},
		{"del lunes 22 al jueves 25 de febrero", "2027-02-22", "2027-02-25"},
		{"queremos ir en pareja del 8 al 11/3", "2027-03-08", "2027-03-11"},
		{"from March 18 to March 22", "2027-03-18", "2027-03-22"},
		{"la primera quincena de febrero", "2027-02-01", "2027-02-16"},
		{"la segunda quincena de enero", "2027-01-16", "2027-02-01"},
		{"¿algo libre para mañana? Serían 2 noches", "2026-12-15", "2026-12-17"},
		{"del 10 al 12 de diciembre", "2027-12-10", "2027-12-12"}, // already past this year
		{"tengo que trabajar a la mañana", "", ""},
		{"para 4", "", ""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			st, ok := textStay(fold(tc.text), ref)
			if tc.in == "" {
				assert.False(t, ok && !st.CheckIn.IsZero(), "no stay in %q, got %v", tc.text, st)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tc.in, st.CheckIn.Format(time.DateOnly))
			assert.Equal(t, tc.out, st.CheckOut.Format(time.DateOnly))
		})
	}
}

func TestTextParty(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text                     string
		guests, adults, children int
	}{
		{"Seríamos 2 adultos y 3 chicos (de 4, 9 y 13 años)", 5, 2, 3},
		{"Somos dos matrimonios. ¿Hay vajilla para 4 y asador?", 4, -1, -1},
		{"con mi marido, mi mamá y el bebé (10 meses)", 4, -1, -1},
		{"Somos 5 y llevamos 2 perros medianos", 5, -1, -1},
		{"Serían 2 noches, somos mi novia y yo", 2, -1, -1},
		{"para mí y mi novia", 2, -1, -1},
		{"Somos cinco: mi señora, nuestros tres hijos y yo", 5, -1, -1},
		{"del 8 al 15 de enero, los mismos 4", 4, -1, -1},
		{"My husband and I", 2, -1, -1},
		{"¿Está disponible para 3?", 3, -1, -1},
		{"Vamos con mi hermana, mi cuñado y los chicos", 0, -1, -1},
		{"Los Manantiales 455, a 5 cuadras; llegamos a las 15", 0, -1, -1},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			p := textParty(fold(tc.text))
			assert.Equal(t, Party{Guests: tc.guests, Adults: tc.adults, Children: tc.children}, p)
		})
	}
}

func TestSplitReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body, text, body2 string }{
		{"gmail wrapped attribution", "Nueva fecha: del 2 al 4.\n\nEl lun, 14 dic 2026 a las 12:01, Complejo (<\nreservas@x.example>) escribió:\n> oferta", "Nueva fecha: del 2 al 4.", ""},
		{"outlook block", "Sí, la reservo.\n\nDe: Complejo <r@x.example>\nEnviado: jueves\nPara: f@y.example\n\nOferta", "Sí, la reservo.", ""},
		{"separator", "Ok\n-----Original Message-----\nFrom: x", "Ok", ""},
		{"signature and footer", "Hola\n-- \nJuan\nTel 0351 455-0307\n\nEnviado desde mi Samsung Galaxy", "Hola", "Hola\n--\nJuan\nTel 0351 455-0307"},
		{"quoted attribution", "Thanks!\n\nSent from my iPhone\n\n> On Feb 10, 2027, at 12:06 PM, X <x@y> wrote:\n>\n> offer", "Thanks!", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, body := splitReply(tc.body)
			assert.Equal(t, tc.text, text)
			if tc.body2 != "" {
				assert.Equal(t, tc.body2, body)
			}
		})
	}
}

func TestReplySubject(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Re: Consulta", ReplySubject("Consulta"))
	assert.Equal(t, "RE: Re: Consulta", ReplySubject("RE: Re: Consulta"))
	assert.Equal(t, "RV: x", ReplySubject("RV: x"))
	assert.Equal(t, "Re: Recibimos este mensaje", ReplySubject("Recibimos este mensaje"))
}

func TestLookAlike(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, name string
		want       bool
	}{
		{"1-x@guest.booking.com.mensajes-huesped.example", "", true},
		{"consultas@parairnos-notificaciones.example", "consultas@parairnos.com", true},
		{"x@otro.example", "consultas@parairnos.com", true},
		{"express@airbnb.com", "Airbnb", false},
		{"k2@usuarios.zonaprop.com.ar", "Lautaro mediante ZonaProp", false},
		{"pauvillalba@example.com", "Paula", false},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			_, got := lookAlike(tc.addr, tc.name)
			assert.Equal(t, tc.want, got)
		})
	}
}
