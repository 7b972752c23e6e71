package dialog_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/dialog"
)

func TestOptionsText(t *testing.T) {
	cases := []struct {
		name    string
		buttons []dialog.Button
		want    string
	}{
		{"no buttons", nil, "Hola"},
		{"options are numbered", []dialog.Button{{ID: "u:1", Title: "Cabaña Robles"}, {ID: "u:2", Title: "Cabaña Coihue"}},
			"Hola\n1. Cabaña Robles\n2. Cabaña Coihue"},
		{"actions are phrases, never numbers", []dialog.Button{{ID: "hold_pagar_transferencia", Title: "Transferir la seña", Action: true},
			{ID: "hold_liberar", Title: "Liberar la reserva", Action: true}},
			"Hola\n• Transferir la seña\n• Liberar la reserva"},
		{"numbers count options only", []dialog.Button{{ID: "a", Title: "Ver fotos", Action: true}, {ID: "u:1", Title: "Cabaña Robles"}},
			"Hola\n• Ver fotos\n1. Cabaña Robles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, dialog.OptionsText("Hola", tc.buttons))
		})
	}
}
