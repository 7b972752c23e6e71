package nlu

// Unit types, as the contract spells them.
const (
	UnitCabana       = "cabaña"
	UnitDepartamento = "departamento"
	UnitCasa         = "casa"
)

// Amenities, in the contract's order.
const (
	AmenityWifi     = "wifi"
	AmenityPileta   = "pileta"
	AmenityMascotas = "mascotas"
	AmenityCochera  = "cochera"
	AmenityParrilla = "parrilla"
)

// amenityOrder is the order amenities are listed in a result.
var amenityOrder = [...]string{AmenityWifi, AmenityPileta, AmenityMascotas, AmenityCochera, AmenityParrilla}

var unitWords = map[string]string{
	"cabana": UnitCabana, "cabanas": UnitCabana, "cabanita": UnitCabana, "cabanitas": UnitCabana,
	"cabin": UnitCabana, "cabins": UnitCabana, "cabanha": UnitCabana, "bungalow": UnitCabana, "bungalows": UnitCabana,
	"departamento": UnitDepartamento, "departamentos": UnitDepartamento, "monoambiente": UnitDepartamento,
	"monoambientes": UnitDepartamento, "apartamento": UnitDepartamento, "apartamentos": UnitDepartamento,
	"apartment": UnitDepartamento, "apartments": UnitDepartamento, "apto": UnitDepartamento,
	"flat": UnitDepartamento, "studio": UnitDepartamento, "loft": UnitDepartamento, "deptito": UnitDepartamento,
	"departamentito": UnitDepartamento, "condo": UnitDepartamento, "kitnet": UnitDepartamento,
	"casa": UnitCasa, "casas": UnitCasa, "chalet": UnitCasa, "chalets": UnitCasa, "casita": UnitCasa,
	"house": UnitCasa, "houses": UnitCasa, "chale": UnitCasa, "cottage": UnitCabana,
}

// amenityWords maps a word to its amenity bit (index in amenityOrder).
var amenityWords = map[string]int{
	"wifi": 0, "internet": 0, "wi": 0, "wlan": 0,
	"pileta": 1, "piletas": 1, "piscina": 1, "piscinas": 1, "pool": 1, "pileton": 1, "piscininha": 1,
	"mascotas": 2, "mascota": 2, "perro": 2, "perros": 2, "perrito": 2, "perritos": 2, "perra": 2,
	"gato": 2, "gatos": 2, "gatito": 2, "pets": 2, "pet": 2, "dog": 2, "dogs": 2, "cat": 2,
	"cats": 2, "cachorro": 2, "cachorros": 2, "animales": 2, "animal": 2, "petfriendly": 2,
	"caes": 2, "cao": 2, "cachorra": 2, "perrita": 2,
	"cochera": 3, "cocheras": 3, "estacionamiento": 3, "garage": 3, "garaje": 3, "parking": 3,
	"estacionar": 3, "garagem": 3, "estacionamento": 3, "auto": 3, "autos": 3, "coche": 3, "car": 3, "carro": 3,
	"parrilla": 4, "parrillas": 4, "asador": 4, "quincho": 4, "bbq": 4, "barbecue": 4, "grill": 4,
	"churrasqueira": 4, "parrillero": 4, "fogonero": 4,
}

// unitsAndAmenities reads the unit type and the amenities named in the message.
func unitsAndAmenities(toks []token) (unit string, several bool, amenities uint8) {
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		if u, ok := unitWords[t.w]; ok && !notAUnit(toks, i) {
			if unit == "" {
				unit = u
			} else if unit != u {
				several = true
			}
		}
		if a, ok := amenityWords[t.w]; ok {
			if a == 0 && t.w == "wi" && !(i+1 < len(toks) && toks[i+1].is("fi")) {
				continue
			}
			amenities |= 1 << a
		}
	}
	return unit, several, amenities
}

// notAUnit rejects "casa" as home: "mi casa", "en casa", "a casa", "casa de mi vieja".
func notAUnit(toks []token, i int) bool {
	w := toks[i].w
	if w != "casa" && w != "house" && w != "home" {
		return false
	}
	if i > 0 && toks[i-1].kind == tWord {
		switch toks[i-1].w {
		case "mi", "tu", "su", "nuestra", "en", "a", "my", "your", "our", "minha", "sua", "de":
			return true
		}
	}
	if i+2 < len(toks) && toks[i+1].is("de") {
		switch toks[i+2].w {
		case "mi", "mis", "tu", "un", "una", "gobierno", "cambio", "te", "comida":
			return true
		}
	}
	return false
}

func amenityList(bits uint8) []string {
	out := make([]string, 0, 2)
	for i, a := range amenityOrder {
		if bits&(1<<i) != 0 {
			out = append(out, a)
		}
	}
	return out
}
