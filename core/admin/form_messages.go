package admin

import (
	"regexp"
	"strings"
)

// formMessages says the settings' and the booking engine's field messages (written for
// the API, in English) in the admin's Spanish; anything not listed shows as is.
var formMessages = []struct {
	pattern *regexp.Regexp
	es      string
}{
	{regexp.MustCompile(`^required \(YYYY-MM-DD\)$`), "obligatoria (AAAA-MM-DD)"},
	{regexp.MustCompile(`^required for a season \(the first night after it\)$`), "obligatoria en una temporada (el primer día después)"},
	{regexp.MustCompile(`^required for a season$`), "obligatoria en una temporada"},
	{regexp.MustCompile(`^required \(12000 = ×1\.20\)$`), "obligatorio (1,20 = +20 %)"},
	{regexp.MustCompile(`^required \((1000 = 10|3000 = 30) %\)$`), "obligatorio (un porcentaje)"},
	{regexp.MustCompile(`^required \(centavos\)$`), "obligatorio (un monto)"},
	{regexp.MustCompile(`^required \(stays of at least this many nights\)$`), "obligatorio (desde cuántas noches)"},
	{regexp.MustCompile(`^required$`), "obligatorio"},
	{regexp.MustCompile(`^at most (\d+) characters$`), "como máximo $1 caracteres"},
	{regexp.MustCompile(`^each at most (\d+) characters$`), "cada una de $1 caracteres como máximo"},
	{regexp.MustCompile(`^at most (\d+)$`), "como máximo $1"},
	{regexp.MustCompile(`^at least (\d+) characters$`), "al menos $1 caracteres"},
	{regexp.MustCompile(`^an http\(s\) address$`), "una dirección http(s)"},
	{regexp.MustCompile(`^is not an e-?mail address$`), "no es un e-mail"},
	{regexp.MustCompile(`^unknown time zone.*`), "zona horaria desconocida (p. ej. America/Argentina/Buenos_Aires)"},
	{regexp.MustCompile(`^use HH:MM, e\.g\. (.*)$`), "con el formato HH:MM, p. ej. $1"},
	{regexp.MustCompile(`^between 0 and 100$`), "entre 0 y 100"},
	{regexp.MustCompile(`^6 to 20 letters, digits, dots or dashes$`), "de 6 a 20 letras, dígitos, puntos o guiones"},
	{regexp.MustCompile(`^22 digits with valid check digits.*`), "22 dígitos con dígitos verificadores válidos (CBU o CVU)"},
	{regexp.MustCompile(`^one of cabaña, departamento, casa$`), "cabaña, departamento o casa"},
	{regexp.MustCompile(`^between 1 and 50 guests$`), "entre 1 y 50 personas"},
	{regexp.MustCompile(`^between 1 and the capacity$`), "entre 1 y la capacidad"},
	{regexp.MustCompile(`^a nightly price above 0.*`), "un precio por noche mayor que 0"},
	{regexp.MustCompile(`^a season needs multiplier_bp or amount_cents.*`), "una temporada lleva multiplicador o precio fijo por noche"},
	{regexp.MustCompile(`^between 1000 \(×0\.10\) and 100000 \(×10\)$`), "entre 0,1 y 10"},
	{regexp.MustCompile(`^between 0 and 10000 \(100 %\)$`), "entre 0 y 100 %"},
	{regexp.MustCompile(`^between 0 and 100\.000\.000,00$`), "entre 0 y 100.000.000,00 pesos"},
	{regexp.MustCompile(`^between 1 and 365$`), "entre 1 y 365"},
	{regexp.MustCompile(`^between -1000 and 1000$`), "entre -1000 y 1000"},
	{regexp.MustCompile(`^give both dates or neither$`), "las dos fechas o ninguna"},
	{regexp.MustCompile(`^must be after start_date$`), "posterior al inicio"},
	{regexp.MustCompile(`^must be after check_in$`), "posterior a la entrada"},
	{regexp.MustCompile(`^is in the past \(today is (.*)\)$`), "ya pasó (hoy es $1)"},
	{regexp.MustCompile(`^must be at least 1$`), "al menos 1"},
	{regexp.MustCompile(`^must not be negative$`), "no puede ser negativo"},
	{regexp.MustCompile(`^(.*) sleeps at most (\d+)$`), "$1 admite hasta $2 personas"},
	{regexp.MustCompile(`^unknown unit.*`), "unidad desconocida"},
	{regexp.MustCompile(`^set up the property first$`), "primero cargá los datos del complejo"},
	{regexp.MustCompile(`^this unit already imports that feed$`), "esa unidad ya importa ese calendario"},
	{regexp.MustCompile(`^a block is at most 366 nights$`), "un bloqueo es de 366 noches como máximo"},
}

// spanishFields translates each message of fields in place and returns fields.
func spanishFields(fields map[string]string) map[string]string {
	for k, msg := range fields {
		for _, m := range formMessages {
			if m.pattern.MatchString(msg) {
				fields[k] = m.pattern.ReplaceAllString(msg, m.es)
				break
			}
		}
		if strings.HasPrefix(fields[k], "unknown field") {
			fields[k] = "campo desconocido"
		}
	}
	return fields
}
