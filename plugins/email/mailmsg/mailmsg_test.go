package mailmsg_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/mailmsg"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseDecoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, raw, subject, text, html string
		links                          []string
	}{
		{
			name: "quoted-printable soft break inside a UTF-8 sequence",
			raw: "Subject: =?utf-8?Q?Caba=C3=B1a?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"Caba=C3=\n=B1a Coihue\n",
			subject: "Cabaña", text: "Cabaña Coihue\n",
		},
		{
			name:    "windows-1252 curly quotes",
			raw:     "Subject: x\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n=93caba=F1a grande=94\n",
			subject: "x", text: "“cabaña grande”\n",
		},
		{
			name:    "ISO-8859-1 sent 8bit, format=flowed",
			raw:     "Subject: =?ISO-8859-1?Q?Pe=F1a?=\nContent-Type: text/plain; charset=ISO-8859-1; format=flowed\n\nQuisiera saber \nsi disponen\n-- \nJos\xe9\n",
			subject: "Peña", text: "Quisiera saber si disponen\n-- \nJosé\n",
		},
		{
			name: "single-part HTML in base64: cells are paragraphs, links kept",
			raw: "Subject: =?UTF-8?B?8J+TqSBob2xh?=\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
				"PHRhYmxlPjx0cj48dGQ+Q29ycmVvPC90ZD48dGQ+PGEgaHJlZj0ibWFpbHRvOmFAYi5leGFtcGxlIj5hQGIuZXhhbXBsZTwvYT48L3RkPjwvdHI+PC90YWJsZT48cD5MJmlhY3V0ZTtuZWEgMTxicj5sJmlhY3V0ZTtuZWEgMjwvcD48c3R5bGU+cHt9PC9zdHlsZT4=\n",
			subject: "📩 hola", html: "Correo\n\na@b.example\n\nLínea 1\nlínea 2", links: []string{"mailto:a@b.example"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := mailmsg.Parse(crlf(tc.raw))
			require.NoError(t, err)
			assert.Equal(t, tc.subject, m.Subject)
			assert.Equal(t, tc.text, m.Text)
			assert.Equal(t, tc.html, m.HTMLText)
			assert.Equal(t, tc.links, m.HTMLLinks)
			assert.Empty(t, m.Defects)
		})
	}
}

func TestParseBrokenPartKeepsTheRest(t *testing.T) {
	t.Parallel()
	raw := crlf("Subject: x\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n" +
		"del 5 al 7 de marzo\n--b\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\nPGRpdj5CdW@@@\n")
	m, err := mailmsg.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "del 5 al 7 de marzo", strings.TrimSpace(m.Text))
	assert.Empty(t, m.HTMLText)
	assert.NotEmpty(t, m.Defects, "the broken HTML part is named")
	assert.Equal(t, "del 5 al 7 de marzo", strings.TrimSpace(m.Body()))
}

func TestParseDeliveryReport(t *testing.T) {
	t.Parallel()
	raw := crlf(`Return-Path: <>
From: Mail Delivery Subsystem <mailer-daemon@x.example>
Subject: Delivery Status Notification (Failure)
Content-Type: multipart/report; report-type=delivery-status; boundary=r

--r
Content-Type: text/plain

Address not found
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.x.example

Final-Recipient: rfc822; Guest@Example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 no such user

--r
Content-Type: message/rfc822

Message-ID: <conserje.1.a@ours.example>
Subject: Re: Consulta
Content-Type: text/plain

Del 5 al 7: $100.000
--r--
`)
	m, err := mailmsg.Parse(raw)
	require.NoError(t, err)
	require.NotNil(t, m.Report)
	assert.Equal(t, []string{"guest@example.com"}, m.Report.Recipients)
	assert.Equal(t, "5.1.1", m.Report.Status)
	require.NotNil(t, m.Report.Returned)
	assert.Equal(t, "<conserje.1.a@ours.example>", m.Report.Returned.Get("Message-Id"))
	assert.Equal(t, "Address not found", strings.TrimSpace(m.Text), "the returned message is never the text")
	assert.Equal(t, "<>", m.ReturnPath)
}

func TestParseHeaders(t *testing.T) {
	t.Parallel()
	m, err := mailmsg.Parse(crlf("From: \"consultas@parairnos.com\" <consultas@parairnos-notificaciones.example>\n" +
		"Reply-To: =?utf-8?Q?Agustina_Ben=C3=ADtez?= <Agus@Example.com>\nReferences: <a@x> <b@y>\nIn-Reply-To: <b@y>\n" +
		"Message-ID: <m@z>\nDate: Sat, 05 Dec 2026 02:18:41 +0000\n\nhola\n"))
	require.NoError(t, err)
	assert.Equal(t, []mailmsg.Address{{Name: "consultas@parairnos.com", Address: "consultas@parairnos-notificaciones.example"}}, m.From)
	assert.Equal(t, []mailmsg.Address{{Name: "Agustina Benítez", Address: "agus@example.com"}}, m.ReplyTo)
	assert.Equal(t, []string{"<a@x>", "<b@y>"}, m.References)
	assert.Equal(t, []string{"<b@y>"}, m.InReplyTo)
	assert.Equal(t, "<m@z>", m.MessageID)
	assert.Equal(t, int64(1796437121), m.Date.Unix())
}

func TestParseRejectsNonMessages(t *testing.T) {
	t.Parallel()
	_, err := mailmsg.Parse([]byte("no header here, just text without a colon\r\n"))
	require.ErrorIs(t, err, mailmsg.ErrNotMessage)
}

// FuzzParse: no input makes Parse panic or hang.
func FuzzParse(f *testing.F) {
	f.Add(crlf("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>a<br>b</p>\n--b--\n"))
	f.Add(crlf("Content-Type: multipart/report; boundary=r\n\n--r\nContent-Type: message/rfc822\n\nSubject: y\n\nz\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mailmsg.Parse(raw)
		if err == nil {
			_ = m.Body()
		}
	})
}
