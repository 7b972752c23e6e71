package nlu

import "time"

// abbreviations maps what guests type to the word it stands for (folded forms).
var abbreviations = map[string]string{
	"q": "que", "k": "que", "ke": "que", "qe": "que",
	"xq": "porque", "pq": "porque", "porq": "porque", "xk": "porque",
	"x": "por", "d": "de", "dl": "del",
	"xa": "para", "pa": "para", "p": "para",
	"tb": "tambien", "tmb": "tambien", "tmbn": "tambien", "tambn": "tambien",
	"xfa": "porfavor", "xfavor": "porfavor", "porfa": "porfavor", "porfis": "porfavor",
	"plis": "porfavor", "pls": "porfavor", "plz": "porfavor", "please": "porfavor",
	"depto": "departamento", "dpto": "departamento", "dto": "departamento", "depa": "departamento",
	"deptos": "departamentos", "dptos": "departamentos", "dtos": "departamentos",
	"pile": "pileta", "piles": "piletas",
	"fds": "finde", "weekend": "finde",
	"checkin": "checkin", "chekin": "checkin", "checkout": "checkout", "chekout": "checkout",
	"hs": "horas", "hrs": "horas", "hr": "horas",
	"msj": "mensaje", "mje": "mensaje", "wsp": "whatsapp", "wpp": "whatsapp", "wasap": "whatsapp", "guasap": "whatsapp",
	"tel": "telefono", "cel": "celular",
	"dsp": "despues", "dps": "despues", "bn": "bien", "tdo": "todo", "tds": "todos", "cdo": "cuando",
	"nro": "numero", "aprox": "aproximadamente", "info": "informacion",
	"ola": "hola", "holis": "hola", "holi": "hola", "wenas": "buenas", "wena": "buena", "buenass": "buenas",
	"bue": "bueno", "oki": "ok", "okey": "ok", "okay": "ok", "oka": "ok",
	"grax": "gracias", "grs": "gracias", "grcs": "gracias",
	"usd": "dolares", "dolar": "dolares", "dls": "dolares",
	"pers": "personas", "psn": "personas", "ppl": "people",
	"wi": "wi", "wifii": "wifi", "wiffi": "wifi", "wiifi": "wifi",
	"vc": "voce", "vcs": "voces", "obg": "obrigado", "td": "tudo", "tbm": "tambem",
	"finde": "finde", "findes": "findes",
}

type numberWord struct {
	n       int
	article bool
}

// numberWords are the spelled numbers up to thirty-one in Spanish, English and Portuguese
// (days of the month need them), plus the articles that may mean one.
var numberWords = map[string]numberWord{
	"un": {1, true}, "una": {1, true}, "uno": {1, false}, "dos": {2, false}, "tres": {3, false},
	"cuatro": {4, false}, "cinco": {5, false}, "seis": {6, false}, "siete": {7, false},
	"ocho": {8, false}, "nueve": {9, false}, "diez": {10, false}, "once": {11, false},
	"doce": {12, false}, "trece": {13, false}, "catorce": {14, false}, "quince": {15, false},
	"dieciseis": {16, false}, "diecisiete": {17, false}, "dieciocho": {18, false},
	"diecinueve": {19, false}, "veinte": {20, false}, "veintiuno": {21, false}, "veintiun": {21, false},
	"veintidos": {22, false}, "veintitres": {23, false}, "veinticuatro": {24, false},
	"veinticinco": {25, false}, "veintiseis": {26, false}, "veintisiete": {27, false},
	"veintiocho": {28, false}, "veintinueve": {29, false}, "treinta": {30, false},
	// English
	"one": {1, false}, "two": {2, false}, "three": {3, false}, "four": {4, false}, "five": {5, false},
	"six": {6, false}, "seven": {7, false}, "eight": {8, false}, "nine": {9, false}, "ten": {10, false},
	"eleven": {11, false}, "twelve": {12, false}, "thirteen": {13, false}, "fourteen": {14, false},
	"fifteen": {15, false}, "sixteen": {16, false}, "seventeen": {17, false}, "eighteen": {18, false},
	"nineteen": {19, false}, "twenty": {20, false},
	// Portuguese ("dois", "duas", "três" folds to "tres")
	"um": {1, true}, "uma": {1, true}, "dois": {2, false}, "duas": {2, false}, "quatro": {4, false},
	"sete": {7, false}, "oito": {8, false}, "nove": {9, false}, "dez": {10, false}, "onze": {11, false},
	"doze": {12, false}, "treze": {13, false}, "catorze": {14, false}, "quatorze": {14, false},
	"quinze": {15, false}, "dezesseis": {16, false}, "dezessete": {17, false}, "dezoito": {18, false},
	"dezenove": {19, false}, "vinte": {20, false}, "trinta": {30, false},
}

// ordinalSuffix are the endings that make "1ro", "2da", "1°", "1st" ordinals.
var ordinalSuffix = map[string]bool{
	"ro": true, "ra": true, "er": true, "era": true, "do": true, "da": true, "to": true, "ta": true,
	"mo": true, "ma": true, "vo": true, "va": true, "no": true, "na": true, "avo": true,
	"st": true, "nd": true, "rd": true, "th": true, "°": true, "º": true, "ª": true, "o": true, "a": true,
}

// months maps month names (full in es/en/pt, and abbreviations) to the month. Short
// forms are marked: they count only next to a day number ("2 oct", "mar 5").
type monthWord struct {
	m     time.Month
	short bool
}

var months = map[string]monthWord{
	"enero": {1, false}, "febrero": {2, false}, "marzo": {3, false}, "abril": {4, false},
	"mayo": {5, false}, "junio": {6, false}, "julio": {7, false}, "agosto": {8, false},
	"septiembre": {9, false}, "setiembre": {9, false}, "octubre": {10, false},
	"noviembre": {11, false}, "diciembre": {12, false},
	"january": {1, false}, "february": {2, false}, "march": {3, false}, "april": {4, false},
	"june": {6, false}, "july": {7, false}, "august": {8, false}, "september": {9, false},
	"october": {10, false}, "november": {11, false}, "december": {12, false},
	"janeiro": {1, false}, "fevereiro": {2, false}, "marco": {3, false}, "maio": {5, false},
	"junho": {6, false}, "julho": {7, false}, "setembro": {9, false}, "outubro": {10, false},
	"novembro": {11, false}, "dezembro": {12, false},
	"ene": {1, true}, "feb": {2, true}, "mar": {3, true}, "abr": {4, true}, "may": {5, true},
	"jun": {6, true}, "jul": {7, true}, "ago": {8, true}, "sep": {9, true}, "sept": {9, true},
	"set": {9, true}, "oct": {10, true}, "nov": {11, true}, "dic": {12, true},
	"jan": {1, true}, "apr": {4, true}, "aug": {8, true}, "dec": {12, true},
	"fev": {2, true}, "mai": {5, true}, "out": {10, true},
}

// weekdays maps weekday names to the weekday.
var weekdays = map[string]time.Weekday{
	"lunes": time.Monday, "martes": time.Tuesday, "miercoles": time.Wednesday,
	"jueves": time.Thursday, "viernes": time.Friday, "sabado": time.Saturday,
	"sabados": time.Saturday, "domingo": time.Sunday, "domingos": time.Sunday,
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	"segundafeira": time.Monday, "tercafeira": time.Tuesday, "quartafeira": time.Wednesday,
	"quintafeira": time.Thursday, "sextafeira": time.Friday, "sexta": time.Friday,
	"vie": time.Friday, "sab": time.Saturday, "dom": time.Sunday, "lun": time.Monday,
	"mie": time.Wednesday, "jue": time.Thursday,
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday,
}

// shortWeekday marks the weekday abbreviations that only count next to a day number or
// in a range ("vie 19").
var shortWeekday = map[string]bool{
	"vie": true, "sab": true, "dom": true, "lun": true, "mie": true, "jue": true,
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true,
}

// interned holds every lexicon word so normalizing a known word does not allocate.
var interned = func() map[string]string {
	m := map[string]string{}
	add := func(w string) { m[w] = w }
	for k, v := range abbreviations {
		add(k)
		add(v)
	}
	for k := range numberWords {
		add(k)
	}
	for k := range months {
		add(k)
	}
	for k := range weekdays {
		add(k)
	}
	for _, w := range commonWords {
		add(w)
	}
	return m
}()

func internWord(b []byte) (string, bool) {
	s, ok := interned[string(b)]
	return s, ok
}

// commonWords are frequent message words, interned to save allocations.
var commonWords = []string{
	"hola", "buenas", "buen", "buenos", "dia", "dias", "tardes", "noches", "noche", "que", "tal",
	"el", "la", "los", "las", "de", "del", "al", "a", "y", "o", "en", "con", "para", "por", "somos",
	"personas", "persona", "pax", "adultos", "adulto", "chicos", "chicas", "ninos", "nenes", "menores",
	"hay", "tienen", "tenes", "tiene", "lugar", "libre", "disponible", "disponibilidad", "cuanto",
	"sale", "precio", "valor", "reservar", "reserva", "quiero", "hasta", "desde", "entre", "este",
	"esta", "otro", "finde", "largo", "semana", "semanas", "manana", "pasado", "hoy", "cabana",
	"departamento", "casa", "wifi", "pileta", "mascotas", "cochera", "parrilla", "me", "mi", "se",
	"es", "no", "si", "un", "una", "quincena", "primera", "segunda", "carnaval", "santa",
}
