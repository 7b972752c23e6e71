package dialog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// base is the language family of a tag: "es-AR" → "es".
func base(lang string) string {
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		return strings.ToLower(lang[:i])
	}
	return strings.ToLower(lang)
}

// FormatMoney shows integer centavos of ARS the way the guest's language expects:
// es-AR "$135.000" (dot for thousands, no decimals when whole), en "ARS 135,000",
// pt-BR "ARS 135.000" (a bare "$" reads as reais or dollars there).
func FormatMoney(lang string, cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	thousands, decimal, prefix := ".", ",", "$"
	switch base(lang) {
	case "en":
		thousands, decimal, prefix = ",", ".", "ARS "
	case "pt":
		prefix = "ARS "
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(prefix)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	if c := cents % 100; c != 0 {
		fmt.Fprintf(&b, "%s%02d", decimal, c)
	}
	return b.String()
}

var (
	weekdaysES = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	weekdaysPT = [...]string{"domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"}
)

// parseDay reads a calendar date (YYYY-MM-DD, or an RFC 3339 instant in loc).
func parseDay(v any, loc *time.Location) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.In(loc), true
	case string:
		if t, err := time.ParseInLocation(time.DateOnly, x, loc); err == nil {
			return t, true
		}
		if t, err := time.Parse(time.RFC3339, x); err == nil {
			return t.In(loc), true
		}
	}
	return time.Time{}, false
}

// FormatDate shows a stay date short: "5/1" (es, pt: day/month, as Argentines write it),
// "Jan 5" (en).
func FormatDate(lang string, v any, loc *time.Location) string {
	t, ok := parseDay(v, loc)
	if !ok {
		return fmt.Sprint(v)
	}
	if base(lang) == "en" {
		return t.Format("Jan 2")
	}
	return fmt.Sprintf("%d/%d", t.Day(), int(t.Month()))
}

// FormatLongDate adds the weekday: "martes 5/1", "Tue, Jan 5", "terça 5/1".
func FormatLongDate(lang string, v any, loc *time.Location) string {
	t, ok := parseDay(v, loc)
	if !ok {
		return fmt.Sprint(v)
	}
	switch base(lang) {
	case "en":
		return t.Format("Mon, Jan 2")
	case "pt":
		return weekdaysPT[t.Weekday()] + " " + FormatDate(lang, t, loc)
	default:
		return weekdaysES[t.Weekday()] + " " + FormatDate(lang, t, loc)
	}
}

// FormatClock shows the time of an instant in loc as 24-hour "10:42".
func FormatClock(v any, loc *time.Location) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		p, err := time.Parse(time.RFC3339, x)
		if err != nil {
			return x // already a clock such as "14:00"
		}
		t = p
	default:
		return fmt.Sprint(v)
	}
	return t.In(loc).Format("15:04")
}

// toInt64 reads a whole number from the types results and slots hold.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		return int64(x), x == float64(int64(x))
	case float32:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}
