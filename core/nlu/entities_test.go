package nlu

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGuests(t *testing.T) {
	p := defaultParser(t)
	tests := []struct {
		name, text               string
		guests, adults, children int // -1 = null
		ambiguous                bool
	}{
		{"somos", "somos 4", 4, -1, -1, false},
		{"para", "para 4, del 5 al 8", 4, -1, -1, false},
		{"para before a range", "necesito lugar para 3 del 1 al 3", 3, -1, -1, false},
		{"personas", "4 personas", 4, -1, -1, false},
		{"pax", "10 pax", 10, -1, -1, false},
		{"word number", "somos cuatro", 4, -1, -1, false},
		{"para dos", "lugar para dos", 2, -1, -1, false},
		{"veinte", "somos veinte", 20, -1, -1, false},
		{"seriamos", "para marzo tienen algo? seríamos 2", 2, -1, -1, false},
		{"n of us", "there are four of us", 4, -1, -1, false},
		{"split", "2 adultos y 2 nenes", 4, 2, 2, false},
		{"split without y", "2 adultos 2 chicos", 4, 2, 2, false},
		{"split with article", "2 adultos y un nene", 3, 2, 1, false},
		{"children first", "3 chicos y 2 adultos", 5, 2, 3, false},
		{"menores", "3 adultos y 2 menores", 5, 3, 2, false},
		{"adults alone do not split", "mañana 2 noches, 2 adultos", 2, -1, -1, false},
		{"una pareja", "una pareja", 2, -1, -1, false},
		{"pareja alone", "pasado mañana 1 noche, pareja", 2, -1, -1, false},
		{"mi novia y yo", "mi novia y yo", 2, -1, -1, false},
		{"con mi señora", "vamos con mi señora", 2, -1, -1, false},
		{"companions with children", "con mi señora y mis 2 hijos", 4, 2, 2, false},
		{"companions, me and the kids", "somos mi mujer, yo y los dos nenes", 4, 2, 2, false},
		{"pareja con hijos", "pareja con 2 hijos", 4, 2, 2, false},
		{"matrimonios", "somos 2 matrimonios", 4, -1, -1, false},
		{"parejas", "somos 2 parejas", 4, -1, -1, false},
		{"familia tipo", "familia tipo", 4, -1, -1, false},
		{"dos familias tipo", "somos dos familias tipo", 8, -1, -1, false},
		{"familias de", "somos 2 familias de 4", 8, -1, -1, false},
		{"familia de", "somos una familia de 5", 5, -1, -1, false},
		{"amigas", "somos 4 amigas", 4, -1, -1, false},
		{"alone", "para uno solo", 1, -1, -1, false},
		{"voy sola", "voy sola", 1, -1, -1, false},
		{"group", "un grupo de 12 personas", 12, -1, -1, false},
		{"english", "for 4 people", 4, -1, -1, false},
		{"english guests", "4 guests", 4, -1, -1, false},
		{"english split", "2 adults and 2 kids", 4, 2, 2, false},
		{"portuguese", "4 pessoas", 4, -1, -1, false},
		{"portuguese couple", "um casal", 2, -1, -1, false},
		// Numbers that are not guests.
		{"a day", "el 4/1", -1, -1, -1, false},
		{"nights", "para 4 noches", -1, -1, -1, false},
		{"old and new nights", "en vez de 3 noches van a ser 2", -1, -1, -1, false},
		{"a price", "para 4 mil pesos", -1, -1, -1, false},
		{"money sign", "tengo $5000 para 3 noches", -1, -1, -1, false},
		{"an age", "mi abuela cumple 90", -1, -1, -1, false},
		{"a time", "llegamos a las 10", -1, -1, -1, false},
		{"a street number", "estamos en San Martin 1450", -1, -1, -1, false},
		{"a phone number", "llamame al 11 4567 8900", -1, -1, -1, false},
		{"a person to talk to", "necesito hablar con una persona", -1, -1, -1, false},
		{"one more person is a change", "quisiera sumar una persona a mi reserva", -1, -1, -1, false},
		{"two counts", "somos 4... bueno, somos 6", -1, -1, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Parse(tc.text, ts(t, refWed))
			assert.Equal(t, tc.guests, intStr(r.Guests), "guests")
			assert.Equal(t, tc.adults, intStr(r.Adults), "adults")
			assert.Equal(t, tc.children, intStr(r.Children), "children")
			if tc.ambiguous {
				assert.Contains(t, r.Ambiguous, "guests")
			} else {
				assert.NotContains(t, r.Ambiguous, "guests")
			}
		})
	}
}

func TestUnitsAndAmenities(t *testing.T) {
	p := defaultParser(t)
	tests := []struct {
		name, text string
		unit       string // "" = null
		amenities  []string
	}{
		{"cabaña", "la cabaña tiene wifi?", UnitCabana, []string{AmenityWifi}},
		{"without accent", "cabana con pile", UnitCabana, []string{AmenityPileta}},
		{"diminutive", "hay cabañita?", UnitCabana, []string{}},
		{"depto", "el depto tiene cochera?", UnitDepartamento, []string{AmenityCochera}},
		{"dpto", "hay dpto libre?", UnitDepartamento, []string{}},
		{"monoambiente", "el monoambiente", UnitDepartamento, []string{}},
		{"chalet", "tienen chalet?", UnitCasa, []string{}},
		{"casa", "la casa con piscina", UnitCasa, []string{AmenityPileta}},
		{"my house is not a unit", "en mi casa tengo wifi", "", []string{AmenityWifi}},
		{"several types", "tienen casa o cabaña?", "", []string{}},
		{"amenity order", "tiene parrilla, garage, perro, pileta e internet?", "", []string{AmenityWifi, AmenityPileta, AmenityMascotas, AmenityCochera, AmenityParrilla}},
		{"pet friendly", "es pet friendly?", "", []string{AmenityMascotas}},
		{"wi-fi", "tiene wi-fi?", "", []string{AmenityWifi}},
		{"quincho", "hay quincho?", "", []string{AmenityParrilla}},
		{"asador", "tiene asador", "", []string{AmenityParrilla}},
		{"estacionamiento", "hay estacionamiento?", "", []string{AmenityCochera}},
		{"gato", "aceptan gatos?", "", []string{AmenityMascotas}},
		{"none", "hay secador de pelo?", "", []string{}},
		{"english", "does the cabin have a pool?", UnitCabana, []string{AmenityPileta}},
		{"portuguese", "o apartamento tem estacionamento?", UnitDepartamento, []string{AmenityCochera}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Parse(tc.text, ts(t, refWed))
			got := ""
			if r.UnitType != nil {
				got = *r.UnitType
			}
			assert.Equal(t, tc.unit, got)
			assert.Equal(t, tc.amenities, r.Amenities)
		})
	}
}

func TestLanguage(t *testing.T) {
	p := defaultParser(t)
	tests := []struct{ text, want string }{
		{"hola, tienen lugar para el finde?", LangES},
		{"hi, do you have a cabin for this weekend?", LangEN},
		{"oi, vocês tem vaga para o fim de semana?", LangPT},
		{"😂", LangES},
		{"quanto custa a diária?", LangPT},
		{"how much is it per night?", LangEN},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, p.Parse(tc.text, ts(t, refWed)).Language)
		})
	}
}
