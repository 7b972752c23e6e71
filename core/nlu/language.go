package nlu

// Languages the parser tells apart.
const (
	LangES = "es"
	LangEN = "en"
	LangPT = "pt"
)

// Stopwords that mostly belong to one of the three languages (folded forms). Words
// shared by Spanish and Portuguese ("de", "para", "a") count for neither.
var langWords = map[string]uint8{
	// Spanish
	"el": 1, "la": 1, "los": 1, "las": 1, "que": 1, "hay": 1, "y": 1, "es": 1, "esta": 1, "del": 1,
	"al": 1, "con": 1, "tienen": 1, "tenes": 1, "hola": 1, "somos": 1, "noches": 1, "por": 1,
	"cuanto": 1, "quiero": 1, "precio": 1, "lugar": 1, "buenas": 1, "gracias": 1, "personas": 1,
	"finde": 1, "sale": 1, "hasta": 1, "desde": 1, "puedo": 1, "como": 1, "donde": 1, "mi": 1, "yo": 1,
	"pero": 1, "muy": 1, "tiene": 1, "disponible": 1, "algo": 1, "cabana": 1, "queda": 1, "necesito": 1,
	"porfavor": 1, "se": 1, "me": 1, "lo": 1, "una": 1, "un": 1, "le": 1, "nos": 1, "dias": 1,
	"semana": 1, "manana": 1, "hoy": 1, "mascotas": 1, "quisiera": 1, "podes": 1, "cuando": 1,
	// English
	"the": 2, "is": 2, "are": 2, "do": 2, "you": 2, "we": 2, "for": 2, "to": 2, "and": 2, "have": 2,
	"how": 2, "much": 2, "what": 2, "hi": 2, "hello": 2, "nights": 2, "night": 2, "people": 2,
	"guests": 2, "available": 2, "can": 2, "i": 2, "it": 2, "of": 2, "there": 2, "any": 2, "from": 2,
	"with": 2, "thanks": 2, "would": 2, "like": 2, "book": 2, "where": 2, "price": 2, "weekend": 2,
	"does": 2, "my": 2, "want": 2, "need": 2, "this": 2, "next": 2, "hey": 2, "thank": 2, "cost": 2,
	"please": 2, "be": 2, "an": 2, "in": 2, "at": 2, "on": 2, "will": 2, "room": 2, "place": 2,
	// Portuguese
	"voce": 3, "voces": 3, "nao": 3, "tem": 3, "o": 3, "os": 3, "um": 3, "uma": 3, "com": 3,
	"da": 3, "dos": 3, "das": 3, "no": 3, "na": 3, "pessoas": 3, "quanto": 3, "preco": 3, "ola": 3,
	"oi": 3, "obrigado": 3, "obrigada": 3, "tudo": 3, "bem": 3, "noites": 3, "ate": 3, "gostaria": 3,
	"vcs": 3, "e": 3, "eu": 3, "vagas": 3, "disponivel": 3, "custa": 3, "diaria": 3, "diarias": 3,
	"estou": 3, "queria": 3, "fim": 3, "onde": 3, "fica": 3, "pode": 3, "posso": 3, "aceita": 3,
	"aceitam": 3, "quero": 3, "ao": 3, "pra": 3, "tambem": 3, "muito": 3, "hoje": 3, "amanha": 3,
	"dia": 3, "valeu": 3, "legal": 3, "janeiro": 3, "fevereiro": 3, "marco": 3, "cachorro": 3,
	"qual": 3, "quais": 3, "meu": 3, "minha": 3, "vou": 3, "falar": 3, "cancelamento": 3, "pagamento": 3,
	"cartao": 3, "sim": 3, "otimo": 3, "otima": 3, "casal": 3, "entao": 3, "obrigadao": 3,
}

// detectLanguage guesses es, en or pt from stopwords; Spanish wins ties and silence.
func detectLanguage(toks []token) string {
	lang, _ := languageOf(toks)
	return lang
}

// languageOf is detectLanguage that also says whether the message had any evidence at all
// ("4", "ok", "5/1" have none: the conversation keeps its language).
func languageOf(toks []token) (string, bool) {
	var score [4]int
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord && !(t.kind == tNum && t.has(fNumWord)) {
			continue
		}
		w := t.w
		if l, ok := langWords[w]; ok {
			// "do" is English and Portuguese; "no" is Spanish and Portuguese.
			if w == "do" {
				score[2]++
				score[3]++
				continue
			}
			if w == "no" || w == "me" || w == "se" || w == "como" || w == "una" {
				score[1]++
				continue
			}
			score[l] += 2
		}
	}
	best, lang := score[1], LangES
	if score[2] > best {
		best, lang = score[2], LangEN
	}
	if score[3] > best {
		lang = LangPT
	}
	return lang, score[1]+score[2]+score[3] > 0
}
