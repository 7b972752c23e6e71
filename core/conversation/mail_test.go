package conversation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
)

// mailIn is a guest's e-mail as the e-mail channel gives it.
func mailIn(contact, name, id, text string, content conversation.Content) conversation.Inbound {
	return conversation.Inbound{Channel: "email", Contact: contact, AddressKind: conversation.AddressEmail, To: "reservas@example.com",
		ExternalID: id, Text: text, GuestName: name, Content: content}
}

// answerMail stores a mail, answers it, and returns the outbox rows of the conversation
// written since (decoded).
func answerMail(t *testing.T, h *harness, in conversation.Inbound) (int64, []conversation.Outgoing) {
	t.Helper()
	ctx := context.Background()
	before := len(outbox(t, h))
	rec, err := h.svc.Receive(ctx, in)
	require.NoError(t, err)
	require.NoError(t, h.svc.Process(ctx, rec.ConversationID))
	var out []conversation.Outgoing
	for _, it := range outbox(t, h)[before:] {
		var o conversation.Outgoing
		require.NoError(t, json.Unmarshal(it.Payload, &o))
		out = append(out, o)
	}
	return rec.ConversationID, out
}

// TestMailAnswers: an e-mail guest gets one letter per mail — greeting with their name,
// the dialog's replies, the property's signature — threaded on the stored headers; a
// portal form's stay starts the conversation, so the first answer is the offer; relay
// constraints shape what the core renders; a staff reply is signed and not automatic.
func TestMailAnswers(t *testing.T) {
	airbnb := []string{dialog.ConstraintNoContactDetails, dialog.ConstraintNoExternalLinks, dialog.ConstraintNoOffPlatformPayment}
	form := &conversation.Form{CheckIn: "2027-01-05", CheckOut: "2027-01-08", Guests: 4}
	tests := []struct {
		name        string
		content     conversation.Content
		text        string
		want        []string
		wantNot     []string
		inReplyTo   string
		references  []string
		subject     string
		followUp    string
		followWant  []string
		followNot   []string
		constraints bool
	}{
		{
			name: "portal form: the offer first, threaded",
			content: conversation.Content{Form: form, Mail: &conversation.MailThread{MessageID: "<inq-1@portal.example>",
				References: []string{"<older@portal.example>"}, Subject: "Consulta por Cabaña Robles"}},
			text:       "hola",
			want:       []string{"Hola Ana, ¡gracias por escribirnos!", "Cabaña Robles: $45.000/noche, total $135.000", "1. Cabaña Robles", "Saludos,\nComplejo Los Robles\nAv. San Martín 1450"},
			wantNot:    []string{"¿Para qué fechas"},
			inReplyTo:  "<inq-1@portal.example>",
			references: []string{"<older@portal.example>", "<inq-1@portal.example>"},
			subject:    "Consulta por Cabaña Robles",
			followUp:   "Cabaña",
			followWant: []string{"la seña es de $40.500", "Transferí a alias los.robles.demo"},
		},
		{
			name: "Airbnb relay: no payment outside it, no links, no contact details",
			content: conversation.Content{Form: form, Constraints: airbnb, Mail: &conversation.MailThread{MessageID: "<inq-2@airbnb.example>",
				Subject: "RE: Inquiry for Cabaña Robles"}},
			text:       "hola",
			want:       []string{"Hola Ana", "Cabaña Robles: $45.000/noche", "Complejo Los Robles"},
			wantNot:    []string{"Av. San Martín", "+54", "http"},
			inReplyTo:  "<inq-2@airbnb.example>",
			references: []string{"<inq-2@airbnb.example>"},
			subject:    "RE: Inquiry for Cabaña Robles",
			followUp:   "Cabaña",
			followWant: []string{"la seña es de $40.500", "por la plataforma"},
			followNot:  []string{"alias", "CBU", "http", "+54"},
		},
		{
			name: "Booking.com alias: stays on it, pays through the portal",
			content: conversation.Content{Form: form, Constraints: []string{"stay_on_relay", dialog.ConstraintNoOffPlatformPayment,
				"links_and_sender_must_be_approved_in_extranet"}, Mail: &conversation.MailThread{MessageID: "<inq-3@booking.example>",
				Subject: "We received this message from Ana Gómez"}},
			text:       "hola",
			want:       []string{"Hola Ana", "Cabaña Robles: $45.000/noche", "Complejo Los Robles"},
			wantNot:    []string{"Av. San Martín", "+54"},
			inReplyTo:  "<inq-3@booking.example>",
			references: []string{"<inq-3@booking.example>"},
			subject:    "We received this message from Ana Gómez",
			followUp:   "Cabaña",
			followWant: []string{"la seña es de $40.500", "por la plataforma"},
			followNot:  []string{"alias", "CBU", "http", "+54"},
		},
		{
			name:    "portal form and a question: the offer, then the answer",
			content: conversation.Content{Form: form},
			text:    "¿tienen wifi?",
			want:    []string{"Cabaña Robles: $45.000/noche", "¿Cuál te reservo?\n1. Cabaña Robles\n2. Cabaña Coihue\n\n✅ Sí, todas nuestras unidades tienen wifi.\n\nSaludos,"},
			subject: "Tu consulta en Complejo Los Robles",
		},
		{
			name:    "portal form but the guest asks for a person: a person",
			content: conversation.Content{Form: form},
			text:    "quiero hablar con alguien",
			want:    []string{"Hola Ana", "humano"},
			wantNot: []string{"Cabaña Robles: $45.000/noche"},
			subject: "Tu consulta en Complejo Los Robles",
		},
		{
			name:    "no Message-ID: a new thread with our subject",
			content: conversation.Content{Form: form},
			text:    "hola",
			want:    []string{"Hola Ana", "Cabaña Robles"},
			subject: "Tu consulta en Complejo Los Robles",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			databases(t, func(t *testing.T, h *harness) {
				conv, out := answerMail(t, h, mailIn("ana@example.org", "Ana Gómez", "<m1-"+t.Name()+">", tc.text, tc.content))
				require.Len(t, out, 1, "one letter per mail")
				o := out[0]
				t.Logf("subject %q\n%s", o.Subject, o.Text)
				for _, w := range tc.want {
					assert.Contains(t, o.Text, w)
				}
				for _, w := range tc.wantNot {
					assert.NotContains(t, o.Text, w)
				}
				assert.Empty(t, o.Buttons, "mail has no buttons: the options are in the text")
				assert.Equal(t, tc.inReplyTo, o.InReplyTo)
				assert.Equal(t, tc.references, o.References)
				assert.Equal(t, tc.subject, o.Subject)
				assert.Empty(t, o.Staff, "the bot wrote it: automatic")

				var name string
				require.NoError(t, h.db.NewSelect().Table("conversations").Column("guest_name").Where("id = ?", conv).Scan(context.Background(), &name))
				assert.Equal(t, "Ana Gómez", name, "the portal's name is the conversation's")
				if tc.followUp == "" {
					return
				}
				// The guest answers in the thread (no constraints repeated): the
				// conversation's relay rules still hold.
				_, out = answerMail(t, h, mailIn("ana@example.org", "", "<m2-"+t.Name()+">", tc.followUp, conversation.Content{
					Mail: &conversation.MailThread{MessageID: "<reply-" + t.Name() + ">", InReplyTo: []string{"<conserje.1@example.com>"},
						References: []string{tc.inReplyTo, "<conserje.1@example.com>"}, Subject: "Re: " + tc.subject}}))
				require.Len(t, out, 1)
				t.Logf("%s", out[0].Text)
				for _, w := range tc.followWant {
					assert.Contains(t, out[0].Text, w)
				}
				for _, w := range tc.followNot {
					assert.NotContains(t, out[0].Text, w)
				}
				assert.Equal(t, "<reply-"+t.Name()+">", out[0].InReplyTo)
				assert.Equal(t, []string{tc.inReplyTo, "<conserje.1@example.com>", "<reply-" + t.Name() + ">"}, out[0].References)
			})
		})
	}
}

func TestStaffReplyByMail(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		conv, _ := answerMail(t, h, mailIn("ana@example.org", "Ana Gómez", "<m1@x>", "hola", conversation.Content{
			Mail: &conversation.MailThread{MessageID: "<inq@x>", Subject: "Consulta"}}))
		before := len(outbox(t, h))
		reply := conversation.StaffReply{ConversationID: conv, Text: "Te confirmo que aceptamos mascotas.", By: "marta", Name: "Marta", Key: "form-1"}
		require.NoError(t, h.svc.SendStaffReply(ctx, reply))
		require.NoError(t, h.svc.SendStaffReply(ctx, reply), "a resubmitted form")
		items := outbox(t, h)[before:]
		require.Len(t, items, 1, "sent once")
		var o conversation.Outgoing
		require.NoError(t, json.Unmarshal(items[0].Payload, &o))
		assert.Equal(t, "marta", o.Staff, "a person wrote it: not automatic")
		assert.Contains(t, o.Text, "Hola Ana")
		assert.Contains(t, o.Text, "Te confirmo que aceptamos mascotas.")
		assert.Contains(t, o.Text, "Marta, de Complejo Los Robles")
		assert.Equal(t, "<inq@x>", o.InReplyTo)
		assert.Equal(t, "Consulta", o.Subject)

		var state string
		require.NoError(t, h.db.NewSelect().Table("conversations").Column("state").Where("id = ?", conv).Scan(ctx, &state))
		assert.Equal(t, conversation.StateEscalated, state, "a staff reply takes the conversation over")
	})
}
