package outgoing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/outgoing"
)

func TestRedactContacts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		red            outgoing.Redaction
	}{
		{"payment link", "Pagá la seña acá: https://mpago.la/2x9AbC", "Pagá la seña acá:", outgoing.Redaction{Links: 1}},
		{"bare domain link", "Mirá fotos en complejolosrobles.example.com/fotos ya", "Mirá fotos en ya", outgoing.Redaction{Links: 1}},
		{"address and phone", "Escribime a marta@example.com o al +54 9 3546 55-0100.", "Escribime a o al .", outgoing.Redaction{Addresses: 1, Phones: 1}},
		{"prices, dates and times stay", "Total $210.000, del 2/2 al 5/2, check-in 14:00 hs.", "Total $210.000, del 2/2 al 5/2, check-in 14:00 hs.", outgoing.Redaction{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, red := outgoing.RedactContacts(tc.in)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.red, red)
		})
	}
}

func TestHTMLEscapesGuestText(t *testing.T) {
	t.Parallel()
	h := outgoing.HTML("Hola <script>alert(1)</script> & chau\nhttps://x.example/a?b=1&c=2\n\nFin", true)
	assert.Contains(t, h, "Hola &lt;script&gt;alert(1)&lt;/script&gt; &amp; chau<br>")
	assert.Contains(t, h, `<a href="https://x.example/a?b=1&amp;c=2">`)
	assert.Contains(t, h, "<p>Fin</p>")
	assert.NotContains(t, outgoing.HTML("https://x.example", false), "<a ")
}

func TestComposeThreadsAndMarks(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 2, 20, 0, 0, time.UTC)
	id := outgoing.NewMessageID("complejolosrobles.example", at)
	assert.Regexp(t, `^<conserje\.20261205022000\.[0-9a-f]{12}@complejolosrobles\.example>$`, id)
	raw, err := outgoing.Compose(outgoing.Reply{
		From: mail.Address{Name: "Complejo Los Robles", Address: "reservas@complejolosrobles.example"}, To: "guest@example.com",
		Subject: "Re: Consulta – año nuevo", InReplyTo: "<a@x>", References: []string{"<r@x>", "<a@x>"},
		Text: "¡Hola!\n\nTe esperamos.", Automatic: true, Date: at,
	}, id)
	require.NoError(t, err)
	mr, err := mail.CreateReader(strings.NewReader(string(raw)))
	require.NoError(t, err)
	subject, err := mr.Header.Subject()
	require.NoError(t, err)
	assert.Equal(t, "Re: Consulta – año nuevo", subject)
	assert.Equal(t, "<a@x>", mr.Header.Get("In-Reply-To"))
	assert.Equal(t, "<r@x> <a@x>", mr.Header.Get("References"))
	assert.Equal(t, id, mr.Header.Get("Message-Id"))
	assert.Equal(t, "auto-replied", mr.Header.Get("Auto-Submitted"))
	ct, _, err := mr.Header.ContentType()
	require.NoError(t, err)
	assert.Equal(t, "multipart/alternative", ct)
}

func TestSubmitRefusesPlainTextOffLoopback(t *testing.T) {
	t.Parallel()
	err := outgoing.SMTP{Addr: "mail.example.com:25", Security: outgoing.SecurityNone}.Submit(context.Background(), "a@b.example", []string{"c@d.example"}, []byte("x"))
	require.ErrorIs(t, err, outgoing.ErrInsecure)
}
