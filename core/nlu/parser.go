package nlu

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/core/booking/holidays"
)

// The intents every default dialog declares (docs/nlu-spec.md).
const (
	IntentSaludo            = "saludo"
	IntentDisponibilidad    = "disponibilidad"
	IntentPrecio            = "precio"
	IntentReservar          = "reservar"
	IntentServicios         = "servicios"
	IntentPoliticas         = "politicas"
	IntentUbicacion         = "ubicacion"
	IntentCancelarModificar = "cancelar_modificar"
	IntentHablarHumano      = "hablar_humano"
	IntentFallback          = "fallback"
)

// DefaultFallbackThreshold is the confidence under which a message is fallback. With
// ten intents a calibrated 0.35 already puts one intent well ahead of the others; on
// the project's development set any value from 0.30 to 0.50 scores the same, and on
// fresh messages 0.35 turns fewer real questions into fallback than 0.45.
const DefaultFallbackThreshold = 0.35

// weakEvidenceOverride: a lone day ("el sábado") turns saludo or fallback into
// disponibilidad only when the classifier is less sure than this ("mi vieja cumple años
// el sábado" stays fallback).
const weakEvidenceOverride = 0.7

// Errors Train returns; callers branch on them with errors.Is.
var (
	ErrNoExamples        = errors.New("no intent examples")
	ErrInvalidIntentName = errors.New("invalid intent name")
)

var intentName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Options tune a Parser.
type Options struct {
	// FallbackThreshold: below this calibrated confidence the intent is fallback.
	// Zero means DefaultFallbackThreshold.
	FallbackThreshold float64
	// Holidays answers "finde largo", "carnaval", "semana santa". Nil means
	// holidays.Default().
	Holidays *holidays.Calendar
}

// Parser understands guest messages. It is immutable after Train and safe for
// concurrent use.
type Parser struct {
	model     *model
	threshold float64
	cal       *holidays.Calendar
	fallback  int // index of the fallback label, -1 when the dialog has none
	labelIdx  map[string]int
	cues      []map[string]bool // per label: word stems that mark it (learned from the examples)
	pool      sync.Pool
}

// IntentScore is the calibrated probability of one intent.
type IntentScore struct {
	Intent      string  `json:"intent"`
	Probability float64 `json:"probability"`
}

// Result is what a message says. The fields up to Ambiguous are the contract of
// docs/nlu-spec.md; the rest serve the dialog engine.
type Result struct {
	Text       string   `json:"text"`
	Intent     string   `json:"intent"`
	Confidence float64  `json:"confidence"`
	CheckIn    *Date    `json:"check_in"`
	CheckOut   *Date    `json:"check_out"`
	Guests     *int     `json:"guests"`
	Adults     *int     `json:"adults"`
	Children   *int     `json:"children"`
	UnitType   *string  `json:"unit_type"`
	Amenities  []string `json:"amenities"`
	Ambiguous  []string `json:"ambiguous"`

	// Language is "es", "en" or "pt", guessed from stopwords (Spanish by default).
	Language string `json:"language"`
	// LanguageKnown says the message had words of some language: without them (a bare
	// "4", "ok") Language is only the default.
	LanguageKnown bool `json:"-"`
	// Nights is the stay length when known (from the dates or said alone: "4 noches").
	Nights *int `json:"nights"`
	// DateText is the part of the message the dates were read from ("" when none).
	DateText string `json:"date_text"`
	// Reasons says why each field in Ambiguous is there (Reason* constants).
	Reasons map[string]string `json:"reasons,omitempty"`
	// WeekendChoice is set when a short message answers "¿este fin de semana o el
	// siguiente?" ("el siguiente", "este"); see WeekendRange.
	WeekendChoice WeekendChoice `json:"weekend_choice,omitempty"`
	// Scores are the calibrated probabilities of every intent, highest first.
	Scores []IntentScore `json:"scores,omitempty"`
	// Month is a month said without days ("para febrero", "no, de marzo"), as its first
	// day in the year it falls in; nil when none.
	Month *Date `json:"month,omitempty"`
	// Impossible is a day named that does not exist ("31/4"); the dates it belonged to
	// are null (a valid check-in before an impossible check-out stays).
	Impossible *ImpossibleDate `json:"impossible_date,omitempty"`
}

// Contract is the result as the command line prints it: exactly the fields of the
// contract, in its order, confidence rounded to two decimals.
type Contract struct {
	Text       string   `json:"text"`
	Intent     string   `json:"intent"`
	Confidence float64  `json:"confidence"`
	CheckIn    *Date    `json:"check_in"`
	CheckOut   *Date    `json:"check_out"`
	Guests     *int     `json:"guests"`
	Adults     *int     `json:"adults"`
	Children   *int     `json:"children"`
	UnitType   *string  `json:"unit_type"`
	Amenities  []string `json:"amenities"`
	Ambiguous  []string `json:"ambiguous"`
}

// Contract returns the contract view of r.
func (r Result) Contract() Contract {
	c := Contract{
		Text: r.Text, Intent: r.Intent, Confidence: math.Round(r.Confidence*100) / 100,
		CheckIn: r.CheckIn, CheckOut: r.CheckOut, Guests: r.Guests, Adults: r.Adults,
		Children: r.Children, UnitType: r.UnitType, Amenities: r.Amenities, Ambiguous: r.Ambiguous,
	}
	if c.Amenities == nil {
		c.Amenities = []string{}
	}
	if c.Ambiguous == nil {
		c.Ambiguous = []string{}
	}
	return c
}

// Train builds a parser from intent examples (intent name → phrases), as declared in
// the dialog YAML. Intent names are ASCII snake_case. Training is deterministic.
func Train(examples map[string][]string, opts Options) (*Parser, error) {
	labels := make([]string, 0, len(examples))
	for name, ex := range examples {
		if !intentName.MatchString(name) {
			return nil, fmt.Errorf("intent %q: %w (want ASCII snake_case)", name, ErrInvalidIntentName)
		}
		if len(ex) > 0 {
			labels = append(labels, name)
		}
	}
	if len(labels) < 2 {
		return nil, fmt.Errorf("train: %w (need examples for at least two intents, got %d)", ErrNoExamples, len(labels))
	}
	sort.Strings(labels)
	if opts.FallbackThreshold < 0 || opts.FallbackThreshold > 1 {
		return nil, fmt.Errorf("fallback threshold %v is outside [0, 1]", opts.FallbackThreshold)
	}
	p := &Parser{threshold: opts.FallbackThreshold, cal: opts.Holidays, fallback: -1, labelIdx: map[string]int{}}
	if p.threshold == 0 {
		p.threshold = DefaultFallbackThreshold
	}
	if p.cal == nil {
		p.cal = holidays.Default()
	}
	for i, l := range labels {
		p.labelIdx[l] = i
		if l == IntentFallback {
			p.fallback = i
		}
	}
	// Examples are read against a fixed Wednesday so their entity flags do not depend on
	// when the bot starts.
	ref := mkDay(2026, 3, 4)
	var docs [][]token
	var roles [][]uint8
	var ents []uint16
	var y []int
	for li, l := range labels {
		for _, ex := range examples[l] {
			ex = strings.TrimSpace(ex)
			if ex == "" {
				continue
			}
			a := p.analyze(ex, ref)
			docs = append(docs, a.toks)
			roles = append(roles, a.role)
			ents = append(ents, a.ents)
			y = append(y, li)
		}
	}
	p.model = buildModel(labels, docs, ents, y)
	p.cues = learnCues(len(labels), docs, roles, y, p.labelIdxOr(IntentDisponibilidad))
	p.pool.New = func() any { return &workspace{} }
	return p, nil
}

// Intents lists the intents the parser knows, sorted.
func (p *Parser) Intents() []string { return append([]string(nil), p.model.labels...) }

// workspace holds the buffers of one Parse call.
type workspace struct {
	toks  []token
	role  []uint8
	skip  []bool
	fz    featurizer
	vec   []feature
	probs []float64
	alt   []float64
}

// analysis is everything extracted from one message before classification.
type analysis struct {
	toks     []token
	role     []uint8
	dates    dateFinding
	guests   guestFinding
	unit     string
	units2   bool
	amen     uint8
	ents     uint16
	greeting []bool // tokens that are part of a greeting
	content  int    // tokens that are neither greeting nor filler
}

func (p *Parser) analyze(text string, ref int) analysis {
	return p.analyzeInto(text, ref, stayCtx{}, nil)
}

func (p *Parser) analyzeInto(text string, ref int, stay stayCtx, ws *workspace) analysis {
	var a analysis
	if ws != nil {
		ws.toks = tokenize(text, ws.toks[:0])
		a.toks = ws.toks
		ws.role = resize(ws.role, len(a.toks))
		a.role = ws.role
		ws.skip = resizeBool(ws.skip, len(a.toks))
		a.greeting = ws.skip
	} else {
		a.toks = tokenize(text, nil)
		a.role = make([]uint8, len(a.toks))
		a.greeting = make([]bool, len(a.toks))
	}
	markTimesAndAddresses(a.toks, a.role)
	dc := &dateCtx{toks: a.toks, role: a.role, ref: ref, cal: p.cal, stay: stay}
	a.dates = dc.extractDates()
	a.guests = guestCtx{dc}.extractGuests()
	a.unit, a.units2, a.amen = unitsAndAmenities(a.toks)
	if a.dates.hasIn && a.dates.hasOut {
		a.ents |= entDates
	} else if a.dates.hasIn {
		a.ents |= entCheckInOnly
	}
	if a.dates.reason == ReasonWeekendThisOrNext || a.dates.reason == ReasonVaguePeriod || a.dates.reason == ReasonNoLongWeekend {
		a.ents |= entVague
	}
	if a.guests.has {
		a.ents |= entGuests
	}
	if a.dates.nights > 0 {
		a.ents |= entNights
	}
	if a.unit != "" {
		a.ents |= entUnit
	}
	if a.amen != 0 {
		a.ents |= entAmenity
	}
	if hasPriceWords(a.toks) {
		a.ents |= entPrice
	}
	a.content = markGreeting(a.toks, a.greeting)
	for i, g := range a.greeting {
		if g && a.toks[i].kind == tWord {
			a.ents |= entGreeting
			break
		}
	}
	return a
}

func resize(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func resizeBool(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// markTimesAndAddresses takes the numbers that are clock times, ages, phone or street
// numbers out of play before dates and guests are read: "a las 10", "10 hs", "cumple
// 90", "San Martín 1234", "+54 9 11...".
func markTimesAndAddresses(toks []token, role []uint8) {
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tTime:
			role[i] = roleOther
		case tNum:
			prev := ""
			if i > 0 && toks[i-1].kind == tWord {
				prev = toks[i-1].w
			}
			next := ""
			if i+1 < len(toks) && toks[i+1].kind == tWord {
				next = toks[i+1].w
			}
			switch {
			case prev == "las" || prev == "la" && t.n == 1 || prev == "cumple" || prev == "cumplo" || prev == "tiene" && next == "anos" || prev == "numero" || prev == "calle" || prev == "altura" || prev == "km" || prev == "ruta":
				role[i] = roleOther
			case next == "horas" || next == "hora" || next == "am" || next == "pm" || next == "anos" || next == "ano" || next == "metros" || next == "cuadras" || next == "km" || next == "minutos" || next == "min" || next == "kilometros" || next == "estrellas" || next == "grados":
				role[i] = roleOther
			case t.has(fPlusSign) || (!t.has(fNumWord) && t.digits >= 5):
				role[i] = roleOther
			case t.has(fMoney):
				role[i] = roleOther
			case !t.has(fNumWord) && t.digits >= 3 && i > 0 && toks[i-1].kind == tWord && !isCountTrigger(prev) && !(t.digits == 4 && t.n >= 2000 && t.n <= 2100):
				// "Rivadavia 1234", "al 500": a street number.
				role[i] = roleOther
			}
		}
	}
}

func isCountTrigger(w string) bool {
	return w == "somos" || w == "para" || w == "seremos" || w == "for" || w == "de"
}

var priceWords = map[string]bool{
	"precio": true, "precios": true, "valor": true, "valores": true, "tarifa": true, "tarifas": true,
	"cuesta": true, "cuestan": true, "costo": true, "costos": true, "cobran": true, "cobras": true,
	"presupuesto": true, "cotizacion": true, "price": true, "prices": true, "rate": true, "rates": true,
	"cost": true, "preco": true, "precos": true, "custa": true, "sale": true,
	"salen": true, "saldria": true, "seria": true, "cotizar": true, "cotizas": true, "tarifario": true,
}

// hasPriceWords spots price questions: "precio", "cuánto sale", "cuánto cuesta", "how
// much", "quanto custa".
func hasPriceWords(toks []token) bool {
	for i := range toks {
		t := &toks[i]
		if t.kind != tWord {
			continue
		}
		switch t.w {
		case "precio", "precios", "valor", "tarifa", "tarifas", "cuesta", "costo", "cobran", "presupuesto",
			"cotizacion", "price", "prices", "rate", "rates", "cost", "preco", "precos", "custa", "cotizar",
			"tarifario", "cuestan", "salen":
			return true
		case "cuanto", "quanto", "much":
			// "cuánto?" alone, at the end of a message, asks the price.
			if i+1 == len(toks) || toks[i+1].kind == tPunct && (toks[i+1].w == "?" || toks[i+1].w == "!") {
				return true
			}
			for k := i + 1; k < len(toks) && k <= i+3; k++ {
				if toks[k].kind == tWord && priceWords[toks[k].w] || toks[k].is("es") || toks[k].is("seria") || toks[k].is("sale") || toks[k].is("is") || toks[k].is("me") || toks[k].is("fica") {
					return true
				}
			}
		}
	}
	return false
}

// greetingWords open a chat without asking anything.
var greetingWords = map[string]bool{
	"hola": true, "buenas": true, "buenos": true, "buen": true, "dia": true, "dias": true,
	"tardes": true, "noches": true, "tarde": true, "hello": true, "hi": true, "hey": true,
	"good": true, "morning": true, "afternoon": true, "evening": true, "oi": true, "ola": true,
	"bom": true, "boa": true, "buena": true, "saludos": true, "saludo": true, "holas": true,
	"gente": true, "todos": true, "todas": true, "alo": true, "hallo": true, "there": true,
}

// markGreeting flags greeting tokens and fillers ("hola", "buenas tardes", "qué tal",
// "cómo andan", "todo bien", punctuation, emoji) and returns how many tokens are
// neither.
func markGreeting(toks []token, g []bool) int {
	content := 0
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tPunct, tEmoji:
			g[i] = true
			continue
		case tWord:
		default:
			content++
			continue
		}
		w := t.w
		prev, next := "", ""
		if i > 0 {
			prev = toks[i-1].w
		}
		if i+1 < len(toks) {
			next = toks[i+1].w
		}
		switch {
		case greetingWords[w] && (w != "dia" && w != "dias" && w != "tardes" && w != "noches" && w != "tarde" && w != "todos" && w != "todas" && w != "gente" && w != "there" || prev == "buen" || prev == "buenos" || prev == "buenas" || prev == "bom" || prev == "boa" || prev == "a" || prev == "hola" || prev == "hi" || prev == "hello"):
			g[i] = true
		case (w == "que" || w == "q") && next == "tal":
			g[i] = true
		case w == "tal" && prev == "que":
			g[i] = true
		case (w == "como" || w == "todo" || w == "tudo") && (next == "andan" || next == "estan" || next == "va" || next == "estas" || next == "anda" || next == "andas" || next == "bien" || next == "bem" || next == "le" || next == "les" || next == "vai"):
			g[i] = true
		case (w == "andan" || w == "estan" || w == "estas" || w == "anda" || w == "andas" || w == "va" || w == "vai") && (prev == "como" || prev == "le" || prev == "les"):
			g[i] = true
		case (w == "bien" || w == "bem") && (prev == "todo" || prev == "tudo" || prev == "muy"):
			g[i] = true
		case (w == "le" || w == "les") && prev == "como":
			g[i] = true
		case w == "a" && (next == "todos" || next == "todas"):
			g[i] = true
		case (w == "how" && (next == "are" || next == "is")) || ((w == "are" || w == "is") && prev == "how") || (w == "you" && prev == "are"):
			g[i] = true
		default:
			content++
		}
	}
	return content
}

// Parse reads one message received at ref. It never fails; what it cannot decide is
// null and listed in Ambiguous.
func (p *Parser) Parse(text string, ref time.Time) Result {
	return p.ParseIn(text, ref, Context{})
}

// ParseIn reads one message received at ref against what the conversation already holds
// (see Context). With a zero Context it is Parse.
func (p *Parser) ParseIn(text string, ref time.Time, ctx Context) Result {
	ws := p.pool.Get().(*workspace)
	defer p.pool.Put(ws)
	day := refDay(ref)
	a := p.analyzeInto(text, day, ctx.days(), ws)

	r := Result{Text: text}
	r.Language, r.LanguageKnown = languageOf(a.toks)
	k := len(p.model.labels)
	if cap(ws.probs) < k {
		ws.probs = make([]float64, k)
		ws.alt = make([]float64, k)
	}
	probs := ws.probs[:k]
	ws.vec = p.model.vectorize(&ws.fz, a.toks, nil, a.ents, ws.vec)
	p.model.scores(ws.vec, probs)
	best := argmax(probs)

	// A greeting with a request: the request decides ("Hola, para 4 del 5 al 8/1").
	if best == p.labelIdxOr(IntentSaludo) && a.content > 0 && a.ents&entGreeting != 0 {
		alt := ws.alt[:k]
		ws.vec = p.model.vectorize(&ws.fz, a.toks, a.greeting, a.ents&^entGreeting, ws.vec)
		p.model.scores(ws.vec, alt)
		if b := argmax(alt); b != best && alt[b] >= p.threshold && b != p.fallback {
			copy(probs, alt)
			best = b
		}
	}
	intent := p.model.labels[best]
	conf := probs[best]

	// Entities decide what the words alone left open. A full stay (both dates) or a head
	// count is strong evidence of a booking question; a single day or an undecided
	// weekend only overrides a hesitant saludo or fallback.
	strong := a.dates.hasIn && a.dates.hasOut || a.guests.has
	weak := a.dates.hasIn || a.dates.reason == ReasonWeekendThisOrNext || a.dates.reason == ReasonNoLongWeekend
	price := a.ents&entPrice != 0
	hasStayEvidence := strong || weak
	open := intent == IntentSaludo || intent == IntentFallback || conf < p.threshold
	if open && (strong || weak && conf < weakEvidenceOverride) {
		// Dates or guests with nothing else asked: availability (or price, if asked).
		want := IntentDisponibilidad
		if price {
			want = IntentPrecio
		}
		if _, ok := p.labelIdx[want]; ok {
			intent, conf = want, p.merged(probs, want, intent)
		}
	} else if price && hasStayEvidence && (intent == IntentDisponibilidad || intent == IntentReservar) || price && intent == IntentDisponibilidad {
		if _, ok := p.labelIdx[IntentPrecio]; ok {
			intent, conf = IntentPrecio, p.merged(probs, IntentPrecio, intent)
		}
	}
	hasStay := strong || weak
	// A stay with no word of the chosen intent asks nothing else: availability ("el 14/1
	// por 3 noches hay dpto?" is not a booking until the guest says "reservo"). Amenities
	// named with a full stay are requirements of the search, not a question about them.
	if hasStay && intent != IntentDisponibilidad && intent != IntentFallback && intent != IntentSaludo {
		li := p.labelIdx[intent]
		if !p.hasCue(a.toks, a.role, li) || (intent == IntentServicios && strong) {
			want := IntentDisponibilidad
			if price && intent != IntentPrecio {
				want = IntentPrecio
			}
			if _, ok := p.labelIdx[want]; ok {
				intent, conf = want, p.merged(probs, want, intent)
			}
		}
	}
	if conf < p.threshold && intent != IntentFallback && !(hasStay && (intent == IntentDisponibilidad || intent == IntentPrecio || intent == IntentReservar)) {
		intent = IntentFallback
		if p.fallback >= 0 {
			conf = math.Max(probs[p.fallback], 1-conf)
		} else {
			conf = 1 - conf
		}
	}
	r.Intent, r.Confidence = intent, round3(conf)
	r.Scores = make([]IntentScore, k)
	for i, l := range p.model.labels {
		r.Scores[i] = IntentScore{Intent: l, Probability: round3(probs[i])}
	}
	slices.SortStableFunc(r.Scores, func(a, b IntentScore) int { return cmp.Compare(b.Probability, a.Probability) })

	p.fillEntities(&r, &a, text)
	if a.dates.reason == "" && !a.dates.hasIn && len(a.toks) <= 8 {
		if c, ok := weekendChoiceOf(a.toks); ok {
			r.WeekendChoice = c
		}
	}
	return r
}

// cueStem is the part of a word compared when looking for intent cues: its first five
// letters, so "reservame", "reservo" and "reserva" agree.
func cueStem(w string) string {
	if len(w) > 5 {
		return w[:5]
	}
	return w
}

// learnCues finds, for each intent, the word stems that are at least three times more
// frequent in its examples than in the others' and than in availability questions (and
// seen twice): the words that say what the guest wants ("reserv", "señar", "cambi",
// "cuant").
func learnCues(k int, docs [][]token, roles [][]uint8, y []int, avail int) []map[string]bool {
	count := make([]map[string]int, k)
	for i := range count {
		count[i] = map[string]int{}
	}
	n := make([]int, k)
	total := map[string]int{}
	for d, toks := range docs {
		n[y[d]]++
		seen := map[string]bool{}
		for i := range toks {
			if !cueCandidate(&toks[i]) || roles[d][i] != roleNone {
				continue
			}
			s := cueStem(toks[i].w)
			if !seen[s] {
				seen[s] = true
				count[y[d]][s]++
				total[s]++
			}
		}
	}
	all := len(docs)
	cues := make([]map[string]bool, k)
	for c := range cues {
		cues[c] = map[string]bool{}
		for s, cnt := range count[c] {
			if cnt < 2 {
				continue
			}
			in := float64(cnt) / float64(n[c])
			rest := (float64(total[s]-cnt) + 0.5) / float64(all-n[c]+1)
			if in < 3*rest {
				continue
			}
			// A cue must also be rare in plain availability questions: cues decide
			// whether a message with a stay asks anything beyond availability.
			if avail >= 0 && c != avail && n[avail] > 0 && in < 3*float64(count[avail][s])/float64(n[avail]) {
				continue
			}
			cues[c][s] = true
		}
	}
	return cues
}

// cueCandidate: words of four letters or more that are not a unit type, a month or a
// weekday (those are entities, not what the guest wants).
func cueCandidate(t *token) bool {
	if t.kind != tWord || len(t.w) < 4 {
		return false
	}
	if _, ok := unitWords[t.w]; ok {
		return false
	}
	if _, ok := months[t.w]; ok {
		return false
	}
	if _, ok := weekdays[t.w]; ok {
		return false
	}
	return !modalWords[t.w]
}

// modalWords say that the guest wants or needs something, never what: "quiero cancelar"
// and "quiero ir en diciembre" share "quiero", only "cancelar" is a cue.
var modalWords = map[string]bool{
	"quiero": true, "queremos": true, "quisiera": true, "quisieramos": true, "tengo": true,
	"tenemos": true, "necesito": true, "necesitamos": true, "puedo": true, "podemos": true,
	"podria": true, "podriamos": true, "gustaria": true, "want": true, "need": true,
	"quero": true, "queria": true, "queriamos": true, "preciso": true, "precisamos": true,
}

func (p *Parser) hasCue(toks []token, role []uint8, label int) bool {
	if label < 0 || label >= len(p.cues) {
		return true
	}
	for i := range toks {
		if role[i] == roleNone && cueCandidate(&toks[i]) && p.cues[label][cueStem(toks[i].w)] {
			return true
		}
	}
	return false
}

func (p *Parser) labelIdxOr(name string) int {
	if i, ok := p.labelIdx[name]; ok {
		return i
	}
	return -1
}

// merged is the confidence of an intent chosen by an entity rule: the rule folds the
// readings it overrides (the classifier's pick, greeting and fallback) into the intent
// it picks, so their probabilities add up.
func (p *Parser) merged(probs []float64, to, from string) float64 {
	var idx [4]int
	n := 0
	sum := 0.0
	for _, name := range [...]string{to, from, IntentSaludo, IntentFallback} {
		i, ok := p.labelIdx[name]
		if !ok || slices.Contains(idx[:n], i) {
			continue
		}
		idx[n] = i
		n++
		sum += probs[i]
	}
	return math.Min(1, sum)
}

func argmax(v []float64) int {
	b := 0
	for i := range v {
		if v[i] > v[b] {
			b = i
		}
	}
	return b
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func (p *Parser) fillEntities(r *Result, a *analysis, text string) {
	d := a.dates
	if d.hasIn {
		in := Date{dayTime(d.in)}
		r.CheckIn = &in
	}
	if d.hasOut {
		out := Date{dayTime(d.out)}
		r.CheckOut = &out
	}
	if d.nights > 0 {
		n := d.nights
		r.Nights = &n
	}
	if d.hasSpan && d.spanI < len(a.toks) && d.spanJ > d.spanI {
		j := min(d.spanJ, len(a.toks)) - 1
		r.DateText = text[a.toks[d.spanI].start:a.toks[j].end]
	}
	if d.reason != "" {
		r.addAmbiguous("dates", d.reason)
	}
	if d.month > 0 {
		m := NewDate(d.monthYear, time.Month(d.month), 1)
		r.Month = &m
	}
	if d.hasBad {
		bad := d.bad
		r.Impossible = &bad
	}
	g := a.guests
	if g.has {
		n := g.total
		r.Guests = &n
		if g.split {
			ad, ch := g.adults, g.children
			r.Adults, r.Children = &ad, &ch
		}
	} else if g.reason != "" {
		r.addAmbiguous("guests", g.reason)
	}
	if a.units2 {
		r.addAmbiguous("unit_type", ReasonSeveralUnits)
	} else if a.unit != "" {
		u := a.unit
		r.UnitType = &u
	}
	r.Amenities = amenityList(a.amen)
	if r.Ambiguous == nil {
		r.Ambiguous = []string{}
	}
}

func (r *Result) addAmbiguous(field, reason string) {
	r.Ambiguous = append(r.Ambiguous, field)
	if r.Reasons == nil {
		r.Reasons = map[string]string{}
	}
	r.Reasons[field] = reason
}
