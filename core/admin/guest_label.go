package admin

import (
	"strings"

	"github.com/conserje/conserje/core/store"
)

// guestName is how staff see a guest: the name the guest gave (their WhatsApp profile,
// the e-mail's display name) or the name on one of their bookings (a portal's guest),
// else a readable stand-in from the channel, never the web chat's internal id.
func guestName(conv *store.Conversation, bookedAs string) string {
	if n := strings.TrimSpace(conv.GuestName); n != "" {
		return n
	}
	if n := strings.TrimSpace(bookedAs); n != "" {
		return n
	}
	switch {
	case conv.AddressKind == "phone", conv.AddressKind == "email":
		return conv.Contact
	case conv.Channel == "webchat" || conv.AddressKind == "web":
		return "Visitante del chat web " + shortRef(conv.Contact)
	}
	return "Huésped " + shortRef(conv.Contact)
}

// shortRef is the last four characters of an opaque id, enough to tell two apart.
func shortRef(id string) string {
	if len(id) <= 4 {
		return id
	}
	return "…" + id[len(id)-4:]
}

// guestContact is the phone or e-mail staff can reach the guest at ("" for the web chat,
// whose id means nothing to a person).
func guestContact(conv *store.Conversation) string {
	if conv.AddressKind == "phone" || conv.AddressKind == "email" {
		return conv.Contact
	}
	if conv.Channel == "whatsapp" || strings.HasPrefix(conv.Contact, "+") {
		return conv.Contact
	}
	if strings.Contains(conv.Contact, "@") {
		return conv.Contact
	}
	return ""
}

// channelLabel names a channel for staff.
func channelLabel(ch string) string {
	switch {
	case ch == "webchat":
		return "Chat web"
	case strings.HasPrefix(ch, "whatsapp") || strings.HasPrefix(ch, "wa-"):
		return "WhatsApp"
	case strings.HasPrefix(ch, "email") || strings.HasPrefix(ch, "mail"):
		return "E-mail"
	case ch == "local":
		return "Terminal"
	}
	return ch
}

// reasonLabel says in plain Spanish why a conversation is with a person: the bot's and the
// core's reason codes, and staff taking it over.
func reasonLabel(reason string) string {
	code, who, _ := strings.Cut(reason, ":")
	switch code {
	case "explicit":
		return "El huésped pidió hablar con una persona"
	case "complaint":
		return "El huésped tiene una queja"
	case "fallbacks":
		return "El bot no entendió varios mensajes seguidos"
	case "payment_rejected":
		return "Le rechazaron el pago dos veces"
	case "low_speech_confidence":
		return "El bot no entendió bien un audio"
	case "big_group":
		return "Consulta por un grupo grande"
	case "special_request":
		return "Un pedido especial que el bot no puede resolver"
	case "staff_reply":
		return "La respondió " + who + " desde el panel"
	case "taken over by staff":
		return "La tomó " + who + " desde el panel"
	}
	if strings.HasPrefix(code, "delivery_") {
		return "No se le pudo entregar un mensaje: hay que contactarlo por otro medio"
	}
	if reason == "" {
		return ""
	}
	return "Derivada a una persona (" + reason + ")"
}
