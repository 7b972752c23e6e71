package inquiry

import (
	"strings"
)

// Field kinds of portal forms.
type fieldKind int

const (
	fieldNone fieldKind = iota
	fieldName
	fieldEmail
	fieldPhone
	fieldDates
	fieldCheckIn
	fieldCheckOut
	fieldGuests
	fieldAdults
	fieldChildren
	fieldMessage
)

// labels maps a folded label (without its colon) to its field. A label either ends
// with ':' and carries its value on the same line, or stands alone on its line (a table
// cell) with the value on the next non-empty line.
var labels = map[string]fieldKind{
	"nombre": fieldName, "nombre y apellido": fieldName, "enviada por": fieldName, "enviado por": fieldName,
	"viajero": fieldName, "huesped": fieldName, "guest name": fieldName, "name": fieldName, "interesado": fieldName,
	"email": fieldEmail, "e-mail": fieldEmail, "correo": fieldEmail, "mail": fieldEmail,
	"correo electronico": fieldEmail, "email address": fieldEmail,
	"telefono": fieldPhone, "telefono / whatsapp": fieldPhone, "telefono de contacto": fieldPhone,
	"celular": fieldPhone, "cel": fieldPhone, "tel": fieldPhone, "tel.": fieldPhone, "whatsapp": fieldPhone,
	"su numero": fieldPhone, "phone": fieldPhone, "mi cel": fieldPhone, "movil": fieldPhone,
	"fechas": fieldDates, "fecha": fieldDates, "dates": fieldDates,
	"ingreso": fieldCheckIn, "llegada": fieldCheckIn, "entrada": fieldCheckIn, "check-in": fieldCheckIn,
	"check in": fieldCheckIn, "desde": fieldCheckIn, "arrival": fieldCheckIn,
	"egreso": fieldCheckOut, "salida": fieldCheckOut, "check-out": fieldCheckOut, "check out": fieldCheckOut,
	"hasta": fieldCheckOut, "departure": fieldCheckOut,
	"huespedes": fieldGuests, "total guests": fieldGuests, "personas": fieldGuests, "pasajeros": fieldGuests,
	"guests": fieldGuests, "cantidad de personas": fieldGuests,
	"adultos": fieldAdults, "adults": fieldAdults, "menores": fieldChildren, "ninos": fieldChildren, "children": fieldChildren,
	"consulta": fieldMessage, "mensaje": fieldMessage, "comentarios": fieldMessage, "comentario": fieldMessage,
	"pregunta": fieldMessage, "message": fieldMessage,
}

// fields is what a portal notice's labels say; the first value of each kind wins.
type fields map[fieldKind]string

// readFields reads the labelled values of a notice body. A message value runs until a
// blank line or the next label.
func readFields(body string) fields {
	lines := strings.Split(body, "\n")
	out := fields{}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		kind, value, alone := labelOf(line)
		if kind == fieldNone {
			continue
		}
		if _, seen := out[kind]; seen {
			continue
		}
		j := i + 1
		if alone || value == "" {
			// The value is on the next non-empty line, unless that line is a label.
			for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
				j++
			}
			if j >= len(lines) {
				continue
			}
			if k, _, _ := labelOf(strings.TrimSpace(lines[j])); k != fieldNone {
				continue
			}
			value = strings.TrimSpace(lines[j])
			j++
		}
		if kind == fieldMessage {
			for ; j < len(lines); j++ {
				next := strings.TrimSpace(lines[j])
				if next == "" {
					break
				}
				if k, _, _ := labelOf(next); k != fieldNone {
					break
				}
				value += "\n" + next
			}
		}
		out[kind] = strings.TrimSpace(value)
	}
	return out
}

// labelOf recognizes "Label: value" and a label alone on its line.
func labelOf(line string) (kind fieldKind, value string, alone bool) {
	if line == "" || len(line) > 2000 {
		return fieldNone, "", false
	}
	if k, v, ok := strings.Cut(line, ":"); ok && len(k) <= 40 {
		if kind, ok := labels[strings.TrimSpace(fold(k))]; ok {
			return kind, strings.TrimSpace(v), false
		}
	}
	if len(line) <= 40 {
		if kind, ok := labels[fold(line)]; ok {
			return kind, "", true
		}
	}
	return fieldNone, "", false
}
