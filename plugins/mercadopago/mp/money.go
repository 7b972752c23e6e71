package mp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errAmount means a JSON number is not an amount of money with at most two decimals.
var errAmount = errors.New("not an amount in pesos with at most 2 decimals")

// centsFromDecimal parses a JSON decimal of pesos ("41317.45", "0.0", "12") into
// centavos without a float: 41317.45 * 100 in float64 is 4131744.9999999995. Digits past
// the second decimal must be zeros; exponents are refused.
func centsFromDecimal(n json.Number) (int64, error) {
	s := string(n)
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (frac != "" && !digits(frac)) || strings.ContainsAny(s, "eE+") {
		return 0, fmt.Errorf("%q: %w", string(n), errAmount)
	}
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, fmt.Errorf("%q: %w", string(n), errAmount)
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", string(n), errAmount)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// decimalFromCents renders centavos as the JSON decimal Mercado Pago takes: 4131745 →
// 41317.45, 1500000 → 15000.00.
func decimalFromCents(c int64) json.Number {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return json.Number(fmt.Sprintf("%s%d.%02d", sign, c/100, c%100))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
