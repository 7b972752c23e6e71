package icsnorm

import (
	"regexp"
	"strings"
)

// classification is what a profile reads from SUMMARY, DESCRIPTION and STATUS.
type classification struct {
	kind       Kind
	tentative  bool
	code       string
	phoneLast4 string
}

var (
	airbnbCode   = regexp.MustCompile(`(?i)reservations/details/([A-Z0-9]{6,14})`)
	airbnbPhone  = regexp.MustCompile(`(?i)last 4 digits\)?\s*:?\s*(\d{4})`)
	blockWords   = []string{"not available", "no disponible", "unavailable", "indisponible", "blocked", "bloque", "closed", "cerrad", "owner", "propietari", "dueño", "mantenimiento", "maintenance"}
	reserveWords = []string{"reserv", "booked", "booking", "huésped", "huesped", "guest", "ocupad", "alquilad"}
	holdWords    = []string{"tentative", "provisoire", "provisional", "tentativ"}
)

// classify applies the platform profile (and R17, which holds for every platform).
func classify(p Platform, summary, description, status string) classification {
	s := strings.ToLower(summary)
	c := classification{kind: KindUnknown, tentative: status == "TENTATIVE"}
	switch p {
	case PlatformAirbnb:
		// "Reserved" is a guest's booking, with the code and the phone's last 4 digits
		// in DESCRIPTION; "Airbnb (Not available)" is a host block or the window's end.
		switch {
		case strings.HasPrefix(s, "reserved"):
			c.kind = KindReservation
			if m := airbnbCode.FindStringSubmatch(description); m != nil {
				c.code = strings.ToUpper(m[1])
			}
			if m := airbnbPhone.FindStringSubmatch(description); m != nil {
				c.phoneLast4 = m[1]
			}
		case strings.Contains(s, "not available"):
			c.kind = KindBlock
		default:
			c.kind = keywordKind(s)
		}
	case PlatformBooking:
		// "CLOSED - Not available" is written for bookings and closed dates alike.
		c.kind = KindUnknown
	case PlatformVrbo:
		switch {
		case containsAny(s, holdWords):
			c.kind, c.tentative = KindReservation, true
		case strings.HasPrefix(s, "reserved"):
			c.kind = KindReservation
		case strings.HasPrefix(s, "blocked"):
			c.kind = KindBlock
		default:
			c.kind = keywordKind(s)
		}
	case PlatformGoogle:
		// An owner's own calendar: everything on it is the owner's use unless it says
		// it is a booking.
		c.kind = KindBlock
		if containsAny(s, reserveWords) && !containsAny(s, blockWords) {
			c.kind = KindReservation
		}
	default:
		c.kind = keywordKind(s)
		if containsAny(s, holdWords) {
			c.tentative = true
		}
	}
	return c
}

func keywordKind(s string) Kind {
	switch {
	case containsAny(s, blockWords):
		return KindBlock
	case containsAny(s, reserveWords):
		return KindReservation
	}
	return KindUnknown
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
