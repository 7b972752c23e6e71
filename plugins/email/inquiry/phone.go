package inquiry

import (
	"regexp"
	"strings"
)

// phoneRe finds a phone number as people write it: optional +, area code in
// parentheses, groups split by spaces, dots or dashes; 8 to 15 digits.
var phoneRe = regexp.MustCompile(`\+?\(?\d[\d ().\-]{6,20}\d`)

// findPhone returns the first phone-like run of 8-15 digits in s, as written.
func findPhone(s string) string {
	for _, m := range phoneRe.FindAllString(s, -1) {
		m = strings.TrimRight(strings.TrimSpace(m), ".-")
		if n := countDigits(m); n >= 8 && n <= 15 && !strings.Contains(m, "..") {
			return m
		}
	}
	return ""
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// E164 normalizes an Argentine phone as written to E.164 when the written form fixes
// mobile or landline: "+54 9 223 555-0231", "0341 15-555-0248" (mobile: trunk 0, area,
// 15), "011 4555-0263" (landline), "11 15-5555-0297". Without a country code, trunk 0
// or a 15 after the area code ("351 555-0284") it cannot tell, and returns "".
func E164(written string) string {
	w := strings.TrimSpace(written)
	groups := strings.FieldsFunc(w, func(r rune) bool { return r < '0' || r > '9' })
	if len(groups) == 0 {
		return ""
	}
	all := strings.Join(groups, "")
	switch {
	case strings.HasPrefix(w, "+"):
		if len(all) < 8 || len(all) > 15 {
			return ""
		}
		return "+" + all
	case strings.HasPrefix(all, "00"):
		return E164("+" + all[2:])
	}
	trunk := strings.HasPrefix(all, "0")
	mobile := false
	var digits strings.Builder
	for i, g := range groups {
		if i > 0 && g == "15" && !mobile {
			mobile = true
			continue
		}
		digits.WriteString(g)
	}
	national := strings.TrimPrefix(digits.String(), "0")
	if len(national) != 10 || (!trunk && !mobile) {
		return ""
	}
	if mobile {
		return "+549" + national
	}
	return "+54" + national
}
