package inquiry

import (
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/conserje/conserje/sdk/channel"
)

// Portals, by the registrable domain of their senders (email-inquiries.md section 3).
const (
	Irnos             = "irnos"
	AlquilerArgentina = "alquilerargentina"
	Argenprop         = "argenprop"
	ZonaProp          = "zonaprop"
	MercadoLibre      = "mercadolibre"
	Airbnb            = "airbnb"
	Booking           = "booking"
)

// portal describes one listing portal.
type portal struct {
	name   string
	domain string // registrable domain
	brand  string // the label a look-alike borrows
	// inquirySubject matches the subjects of its inquiry notices (folded).
	inquirySubject *regexp.Regexp
}

var portals = []portal{
	{Irnos, "parairnos.com", "parairnos", regexp.MustCompile(`te envio una consulta|nueva consulta|consulta de .* por|te escribio`)},
	{Irnos, "parairnos.cl", "parairnos", regexp.MustCompile(`te envio una consulta|nueva consulta|consulta de .* por|te escribio`)},
	{AlquilerArgentina, "alquilerargentina.com", "alquilerargentina", regexp.MustCompile(`solicitud de disponibilidad|consulta de |nueva consulta|te envio una consulta`)},
	{Argenprop, "argenprop.com", "argenprop", regexp.MustCompile(`contacto por|te ha enviado un mensaje|hay alguien interesado`)},
	{ZonaProp, "zonaprop.com.ar", "zonaprop", regexp.MustCompile(`nueva consulta|consultaron tu whatsapp|vieron tu telefono`)},
	{MercadoLibre, "mercadolibre.com.ar", "mercadolibre", regexp.MustCompile(`te hicieron una pregunta`)},
	{Airbnb, "airbnb.com", "airbnb", regexp.MustCompile(`inquiry|consulta|reservation request|solicitud de reserva|message from|mensaje de`)},
	{Airbnb, "airbnb.com.ar", "airbnb", regexp.MustCompile(`inquiry|consulta|reservation request|solicitud de reserva|message from|mensaje de`)},
	{Booking, "booking.com", "booking", regexp.MustCompile(`we received this message from|recibimos este mensaje de|mensaje nuevo de|new message from|recebemos esta mensagem de`)},
}

// registrable is the registrable domain (eTLD+1) of an address or host; unknown
// suffixes count as one label ("x.example").
func registrable(addrOrHost string) string {
	h := strings.ToLower(addrOrHost)
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	h = strings.Trim(h, ". >")
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return h
	}
	return d
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[:i])
	}
	return strings.ToLower(addr)
}

// portalOf returns the portal whose registrable domain the address has.
func portalOf(addr string) (portal, bool) {
	reg := registrable(addr)
	for _, p := range portals {
		if p.domain == reg {
			return p, true
		}
	}
	return portal{}, false
}

// lookAlike says whether an address outside every portal's registrable domain borrows a
// portal's name (booking.com.other.example, parairnos-notificaciones.example), or a
// display name shows a portal address the real address is not.
func lookAlike(addr, displayName string) (string, bool) {
	if _, ok := portalOf(addr); ok {
		return "", false
	}
	host := domainOf(addr)
	for _, p := range portals {
		for _, label := range strings.Split(host, ".") {
			if strings.Contains(label, p.brand) {
				return p.name, true
			}
		}
		if dn := strings.ToLower(displayName); strings.Contains(dn, "@"+p.domain) || strings.Contains(dn, "."+p.domain) {
			return p.name, true
		}
	}
	return "", false
}

var noReplyRe = regexp.MustCompile(`^(no-?reply|no-?responder|noresponder|donotreply|do-not-reply|no_reply|mailer-daemon|postmaster|bounces?|automated|notifications?|notificaciones|avisos-noreply)([+.\-_].*)?$`)

// noReply says whether an address is a notifier that takes no answers.
func noReply(addr string) bool { return noReplyRe.MatchString(localPart(addr)) }

// Relay hosts that reach the guest (section 2).
func airbnbRelay(addr string) bool {
	return strings.HasSuffix(domainOf(addr), ".airbnb.com") && strings.HasPrefix(domainOf(addr), "reply.") && registrable(addr) == "airbnb.com"
}

func bookingRelay(addr string) bool {
	return domainOf(addr) == "guest.booking.com"
}

func zonapropRelay(addr string) bool {
	return domainOf(addr) == "usuarios.zonaprop.com.ar"
}

// Constraints on answers through a relay (email-inquiries.md section 4, expected.json R6).
const (
	NoContactDetails        = channel.ConstraintNoContactDetails
	NoExternalLinks         = channel.ConstraintNoExternalLinks
	NoOffPlatformPayment    = channel.ConstraintNoOffPlatformPayment
	StayOnRelay             = channel.ConstraintStayOnRelay
	SenderMustBeApproved    = "links_and_sender_must_be_approved_in_extranet"
	airbnbThreadPrefix      = "airbnb:thread/"
	bookingReservationLabel = "booking:"
)

func relayConstraints(portalName string) []string {
	switch portalName {
	case Airbnb:
		return []string{NoContactDetails, NoExternalLinks, NoOffPlatformPayment}
	case Booking:
		return []string{StayOnRelay, NoOffPlatformPayment, SenderMustBeApproved}
	}
	return []string{}
}
