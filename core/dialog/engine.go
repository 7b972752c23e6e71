package dialog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

// Ambient supplies data every template and condition may read as `property` (the host's
// name, address, check-in times...). It is asked once per turn.
type Ambient interface {
	Ambient(ctx context.Context) (map[string]any, error)
}

// Options tune an Engine.
type Options struct {
	Ambient Ambient
	Logger  *slog.Logger
}

// Engine runs one dialog. It is immutable and safe for concurrent turns on different
// states; the Reloader swaps whole engines.
type Engine struct {
	dialog      *spec.Dialog
	catalog     *Catalog
	registry    *Registry
	und         Understander
	opts        Options
	log         *slog.Logger
	flows       map[string]*flow
	slots       map[string]*slot
	byIntent    map[string]*flow
	byKeyword   []*flow
	complaints  []string
	resultNames []string
	handoff     Action
}

type flow struct {
	*spec.Flow
	steps    []*step
	keywords []string
}

type step struct {
	*spec.Step
	cond    *spec.Expr
	with    map[string]*spec.Expr
	from    *spec.Expr
	action  Action
	then    int
	els     int
	gotoIdx int
}

type slot struct {
	*spec.Slot
	validate *spec.Expr
	options  *spec.Expr
}

// maxSteps bounds one turn, so a goto loop in a dialog can never hang a conversation.
const maxSteps = 200

// New checks the dialog against the catalog and registry and compiles it. und may be nil
// when every Input carries its Understanding.
func New(d *spec.Dialog, cat *Catalog, reg *Registry, und Understander, opts Options) (*Engine, error) {
	problems := spec.Check(d, spec.CheckEnv{
		MissingTemplate: cat.Missing,
		HasAction:       func(name string) bool { _, ok := reg.Lookup(name); return ok },
	})
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %w", spec.ErrInvalid, problems)
	}
	e := &Engine{
		dialog: d, catalog: cat, registry: reg, und: und, opts: opts, log: opts.Logger,
		flows: map[string]*flow{}, slots: map[string]*slot{}, byIntent: map[string]*flow{},
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	var compileErr error
	compile := func(src string) *spec.Expr {
		if src == "" {
			return nil
		}
		x, err := spec.CompileExpr(src)
		if err != nil && compileErr == nil {
			compileErr = fmt.Errorf("compile %q: %w", src, err)
		}
		return x
	}
	for _, s := range d.Slots {
		e.slots[s.Name] = &slot{Slot: s, validate: compile(s.Validate), options: compile(s.Options)}
	}
	seenResult := map[string]bool{}
	for _, f := range d.Flows {
		cf := &flow{Flow: f}
		for _, k := range f.Keywords {
			cf.keywords = append(cf.keywords, fold(k))
		}
		for _, s := range f.Steps {
			cs := &step{Step: s, cond: compile(s.If), from: nil, then: -1, els: -1, gotoIdx: -1}
			if s.Buttons != nil {
				cs.from = compile(s.Buttons.From)
			}
			if s.Kind == spec.StepAction {
				cs.action, _ = reg.Lookup(s.Action)
				cs.with = map[string]*spec.Expr{}
				for k, v := range s.With {
					cs.with[k] = compile(v)
				}
				if n := s.ResultName(); !seenResult[n] {
					seenResult[n] = true
					e.resultNames = append(e.resultNames, n)
				}
			}
			cs.then, cs.els, cs.gotoIdx = stepIndex(f, s.Then), stepIndex(f, s.Else), stepIndex(f, s.Goto)
			cf.steps = append(cf.steps, cs)
		}
		e.flows[f.Name] = cf
		for _, in := range f.Intents {
			e.byIntent[in] = cf
		}
		if len(cf.keywords) > 0 {
			e.byKeyword = append(e.byKeyword, cf)
		}
	}
	for _, k := range d.Settings.Escalation.ComplaintKeywords {
		e.complaints = append(e.complaints, fold(k))
	}
	if compileErr != nil {
		return nil, compileErr
	}
	if a, ok := reg.Lookup("derivar_humano"); ok {
		e.handoff = a
		if !seenResult["derivar_humano"] {
			e.resultNames = append(e.resultNames, "derivar_humano")
		}
	}
	return e, nil
}

// stepIndex is the index of the step with id, -1 when id is empty or unknown.
func stepIndex(f *spec.Flow, id string) int {
	if id == "" {
		return -1
	}
	return f.StepIndex(id)
}

// Dialog is the dialog the engine runs.
func (e *Engine) Dialog() *spec.Dialog { return e.dialog }

// Catalog is the engine's templates.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// Location is the dialog's time zone.
func (e *Engine) Location() *time.Location { return e.dialog.Settings.Location }

// Understand runs the engine's Understander (zero Understanding without one).
func (e *Engine) Understand(text string, ref time.Time) Understanding {
	if e.und == nil {
		return Understanding{}
	}
	return e.und.Understand(text, ref)
}

// QuietHours reports whether now falls in the dialog's quiet hours and, if so, when they
// end: proactive messages wait until then.
func (e *Engine) QuietHours(now time.Time) (bool, time.Time) {
	s := e.dialog.Settings
	local := now.In(s.Location)
	m := spec.Clock(local.Hour()*60 + local.Minute())
	var quiet bool
	if s.QuietStart <= s.QuietEnd {
		quiet = m >= s.QuietStart && m < s.QuietEnd
	} else {
		quiet = m >= s.QuietStart || m < s.QuietEnd
	}
	if !quiet {
		return false, time.Time{}
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), int(s.QuietEnd)/60, int(s.QuietEnd)%60, 0, 0, s.Location)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return true, end.UTC()
}

// Input is one guest message.
type Input struct {
	Text string
	Now  time.Time
	// Understanding, when set, is used instead of running the engine's Understander.
	Understanding *Understanding
	// SpeechConfidence is the transcription's confidence for voice notes (nil for text).
	SpeechConfidence *float64
	Guest            Guest
	// Kind is what the guest sent: "" or "text", "option" (a tap on one of our options,
	// OptionID), or media the dialog cannot read: "audio" (a voice note not transcribed),
	// "image", "video", "document", "location", "unsupported".
	Kind string
	// OptionID is the id of the option the guest tapped (Text is its title).
	OptionID string
}

// Inputs the dialog answers with a fixed message instead of reading them (the message
// key, rendered in the guest's language; the fallback message when a catalog lacks it).
var mediaReplies = map[string]string{
	"audio": "media_voz",
	// Voice notes the core could not transcribe: too long, or the recognizer failed.
	"audio_long":   "media_voz_largo",
	"audio_failed": "media_voz_error",
	"image":        "media_imagen",
	"video":        "media_no_soportado",
	"document":     "media_no_soportado",
	"location":     "media_ubicacion",
	"unsupported":  "media_no_soportado",
}

// Button is a quick reply.
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Reply is one message to the guest.
type Reply struct {
	Text     string   `json:"text"`
	Buttons  []Button `json:"buttons,omitempty"`
	Template string   `json:"template,omitempty"`
}

// Handoff asks the caller to pause the bot and call a person.
type Handoff struct {
	Reason string `json:"reason"`
}

// Handoff reasons the engine raises by itself.
const (
	ReasonExplicit         = "explicit"
	ReasonComplaint        = "complaint"
	ReasonFallbacks        = "fallbacks"
	ReasonPaymentRejected  = "payment_rejected"
	ReasonSpeechConfidence = "low_speech_confidence"
)

// Output is what one turn produced.
type Output struct {
	Replies        []Reply
	Understanding  Understanding
	Flow           string
	Handoff        *Handoff
	SessionExpired bool
	Language       string
	// Events are the business events the turn's actions caused (EventOffer, ...).
	Events []string
}

// Turn answers one guest message, changing st. A returned error means the turn could not
// complete (the context ended); the caller should not store st and may retry the message.
func (e *Engine) Turn(ctx context.Context, st *State, in Input) (*Output, error) {
	t := e.newTurn(ctx, st, in)
	if in.Understanding != nil {
		t.u = *in.Understanding
	} else {
		t.u = e.Understand(in.Text, in.Now)
	}
	t.out.Understanding = t.u
	t.expireSession()
	t.detectLanguage()
	st.GuestTurns++
	st.LastSeen = in.Now
	mediaKey, isMedia := mediaReplies[in.Kind]
	if in.Kind == "audio" && in.Text != "" {
		isMedia = false // a transcribed voice note reads as text
	}
	switch {
	case isMedia:
		t.sayMedia(mediaKey)
	case in.SpeechConfidence != nil && *in.SpeechConfidence < e.dialog.Settings.Escalation.MinSpeechConfidence:
		t.escalate(ReasonSpeechConfidence)
	case t.complaint():
		t.escalate(ReasonComplaint)
	default:
		t.route()
	}
	if t.err != nil {
		return nil, t.err
	}
	t.out.Language = st.Language
	return t.out, nil
}

// PaymentRejected records a rejected payment; at the configured count the conversation is
// escalated (the Output then carries the handoff message).
func (e *Engine) PaymentRejected(ctx context.Context, st *State, now time.Time, g Guest) (*Output, error) {
	t := e.newTurn(ctx, st, Input{Now: now, Guest: g})
	st.PaymentRejections++
	if st.PaymentRejections >= e.dialog.Settings.Escalation.PaymentRejections {
		t.escalate(ReasonPaymentRejected)
	}
	if t.err != nil {
		return nil, t.err
	}
	t.out.Language = st.Language
	return t.out, nil
}

// Render produces one template for a conversation outside a turn (a confirmation, a
// reminder), with extra data beside the usual slots, results and property.
func (e *Engine) Render(ctx context.Context, st *State, key string, extra map[string]any, now time.Time) (Reply, error) {
	t := e.newTurn(ctx, st, Input{Now: now})
	if st.Language == "" {
		st.Language = e.catalog.Default()
	}
	env := t.env()
	for k, v := range extra {
		env[k] = Normalize(v)
	}
	text, err := e.catalog.Render(st.Language, key, env)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: text, Template: key}, nil
}

func (e *Engine) newTurn(ctx context.Context, st *State, in Input) *turn {
	if st.Slots == nil {
		st.Slots = map[string]any{}
	}
	if st.Results == nil {
		st.Results = map[string]any{}
	}
	if st.Language == "" {
		st.Language = e.catalog.Default()
	}
	return &turn{e: e, ctx: ctx, st: st, in: in, folded: fold(in.Text), out: &Output{}}
}

type turn struct {
	e      *Engine
	ctx    context.Context
	st     *State
	in     Input
	u      Understanding
	folded string
	out    *Output
	err    error

	ambient    map[string]any
	ambientSet bool
	// envCache is what conditions and templates see; changed() drops it whenever the
	// state changes.
	envCache map[string]any
	reason   string
	joinNext bool
	// askedAmbiguous is set once the ambiguity of this message's dates was asked about.
	askedAmbiguous bool
	// quietResume: the flow that just ended asked not to repeat the question it interrupted.
	quietResume bool
}

func (t *turn) settings() spec.Settings { return t.e.dialog.Settings }

func (t *turn) today() time.Time {
	l := t.in.Now.In(t.settings().Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, t.settings().Location)
}

func (t *turn) expireSession() {
	st := t.st
	if st.LastSeen.IsZero() || t.in.Now.Sub(st.LastSeen) <= t.settings().SessionTimeout {
		return
	}
	st.Slots = map[string]any{}
	st.Results = map[string]any{}
	st.Stack = nil
	st.Pending = nil
	st.Fallbacks = 0
	t.out.SessionExpired = true
	t.changed()
}

// detectLanguage keeps one language per conversation, decided by one detector (the
// NLU's): the first message written in some language sets it; afterwards it changes only
// when two messages in a row are in another one, so a word Spanish shares with Portuguese
// ("semana", "para") or a lone "ok" never switches a conversation.
func (t *turn) detectLanguage() {
	guess := t.e.catalog.Match(t.u.Language)
	if t.u.Language == "" || guess == "" {
		return
	}
	st := t.st
	switch {
	case !st.LanguageSet:
		st.Language, st.LanguageSet = guess, true
	case guess == st.Language:
	case st.LastLanguage == guess:
		st.Language = guess
	}
	st.LastLanguage = guess
}

func (t *turn) complaint() bool {
	return anyPhrase(t.folded, t.e.complaints...)
}

// trigger is the flow this message starts, by keyword first, then by intent.
func (t *turn) trigger() *flow {
	for _, f := range t.e.byKeyword {
		if anyPhrase(t.folded, f.keywords...) {
			return f
		}
	}
	if t.u.Intent == "" || t.u.Confidence < t.settings().MinConfidence {
		return nil
	}
	return t.e.byIntent[t.u.Intent]
}

func (t *turn) route() {
	fr := t.st.top()
	awaited := ""
	if fr != nil {
		awaited = fr.Asked
	}
	vals, hit, strong := t.extract(awaited)
	trig := t.reread(t.trigger(), vals)
	switch {
	case awaited != "" && hit && strong:
		t.continueWith(vals)
	case trig != nil && trig.Interrupt && fr != nil:
		t.interrupt(trig, vals)
	case awaited != "" && hit:
		t.continueWith(vals)
	case trig != nil:
		t.start(trig, vals)
	case fr != nil && t.touchesFlow(fr, vals):
		t.start(t.e.flows[fr.Flow], vals)
	case fr == nil && t.e.askingFlow(vals) != nil:
		// "somos 2" with no intent recognised: dates or people alone start the flow that
		// asks for them.
		t.start(t.e.askingFlow(vals), vals)
	default:
		t.fallback()
	}
}

// askingFlow is the first flow (in dialog order) that asks for one of the slots given.
func (e *Engine) askingFlow(vals map[string]any) *flow {
	for _, f := range e.dialog.Flows {
		cf := e.flows[f.Name]
		if cf.Interrupt {
			continue
		}
		for name := range vals {
			if cf.asksBefore(name, len(cf.steps)) {
				return cf
			}
		}
	}
	return nil
}

// extract reads slot values from the message: the NLU's entities for every declared slot,
// the answer to a pending question, and what only makes sense as the answer to the slot
// being asked (an option, a bare number, a name, yes or no).
func (t *turn) extract(awaited string) (vals map[string]any, hit, strong bool) {
	u := t.u
	if u.DaysOnly && u.CheckIn != "" {
		if prev, ok := t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string); ok {
			u.CheckIn, u.CheckOut = reanchor(prev, u.CheckIn, u.CheckOut, t.today())
		}
	}
	vals = map[string]any{}
	for _, s := range t.e.dialog.Slots {
		switch s.Entity {
		case spec.EntityCheckIn:
			if u.CheckIn != "" {
				vals[s.Name] = u.CheckIn
			}
		case spec.EntityCheckOut:
			if u.CheckOut != "" {
				vals[s.Name] = u.CheckOut
			}
		case spec.EntityGuests:
			if u.Guests > 0 {
				vals[s.Name] = int64(u.Guests)
			}
		case spec.EntityAdults:
			if u.Adults > 0 {
				vals[s.Name] = int64(u.Adults)
			}
		case spec.EntityChildren:
			if u.Children > 0 {
				vals[s.Name] = int64(u.Children)
			}
		case spec.EntityUnitType:
			if u.UnitType != "" {
				vals[s.Name] = u.UnitType
			}
		case spec.EntityAmenities:
			if len(u.Amenities) > 0 {
				vals[s.Name] = Normalize(u.Amenities)
			}
		}
	}
	if p := t.st.Pending; p != nil {
		t.st.Pending = nil
		opt, ok := resolveWeekendID(t.in.OptionID, p)
		if !ok {
			opt, ok = resolveWeekend(t.folded, p)
		}
		if ok && u.CheckIn == "" {
			for _, s := range t.e.dialog.Slots {
				switch s.Entity {
				case spec.EntityCheckIn:
					vals[s.Name] = opt.CheckIn
				case spec.EntityCheckOut:
					vals[s.Name] = opt.CheckOut
				}
			}
		}
	}
	if awaited == "" {
		return vals, false, false
	}
	s := t.e.slots[awaited]
	if s == nil {
		return vals, false, false
	}
	strong = true
	switch s.Entity {
	case spec.EntityCheckOut:
		if _, ok := vals[awaited]; !ok {
			in, _ := t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string)
			if in != "" && u.CheckIn > in && u.CheckOut == "" {
				vals[awaited] = u.CheckIn
				delete(vals, t.slotFor(spec.EntityCheckIn))
			} else if n, ok := nightsIn(t.folded); ok && in != "" {
				if d, err := time.Parse(time.DateOnly, in); err == nil {
					vals[awaited] = d.AddDate(0, 0, n).Format(time.DateOnly)
				}
			}
		}
	case spec.EntityGuests, spec.EntityAdults, spec.EntityChildren:
		if _, ok := vals[awaited]; !ok {
			if n, ok := bareNumber(t.folded); ok {
				vals[awaited] = int64(n)
			}
		}
	case spec.EntityOption:
		opts := t.options(s)
		m, ok := matchOptionID(s.Name, t.in.OptionID, opts)
		if !ok {
			m, ok = pickOption(s.Name, t.in.Text, u, opts, t.changesStay(vals))
		}
		if ok {
			vals[awaited] = opts[m.index]["id"]
			strong = m.strong
			for _, target := range s.FillOrder {
				vals[target] = opts[m.index][s.Fills[target]]
			}
		}
	case spec.EntityText:
		if txt := strings.TrimSpace(t.in.Text); txt != "" {
			vals[awaited] = txt
		}
	case spec.EntityName:
		if n, ok := nameIn(t.in.Text); ok {
			vals[awaited] = n
		}
	case spec.EntityEmail:
		if m := emailPattern.FindString(t.in.Text); m != "" {
			vals[awaited] = strings.ToLower(m)
		}
	case spec.EntityPhone:
		if m := phonePattern.FindString(t.in.Text); m != "" {
			vals[awaited] = strings.NewReplacer(" ", "", "-", "").Replace(m)
		}
	case spec.EntityYesNo:
		if yes, ok := yesNo(t.folded); ok {
			vals[awaited] = yes
		}
	}
	_, hit = vals[awaited]
	return vals, hit, strong && hit
}

// reanchor reads bare day numbers in the month of the stay being discussed: after "del 5
// al 8/1", "mejor del 6 al 9" is January 6 to 9, not the next 6th the calendar offers.
// Dates that would fall before today are left as the NLU read them.
func reanchor(prev, in, out string, today time.Time) (string, string) {
	p, err1 := time.Parse(time.DateOnly, prev)
	ni, err2 := time.Parse(time.DateOnly, in)
	if err1 != nil || err2 != nil || (p.Year() == ni.Year() && p.Month() == ni.Month()) {
		return in, out
	}
	anchored := time.Date(p.Year(), p.Month(), ni.Day(), 0, 0, 0, 0, time.UTC)
	if anchored.Day() != ni.Day() || anchored.Format(time.DateOnly) < today.Format(time.DateOnly) {
		return in, out
	}
	newOut := out
	if no, err := time.Parse(time.DateOnly, out); err == nil {
		nights := int(no.Sub(ni).Hours() / 24)
		newOut = anchored.AddDate(0, 0, nights).Format(time.DateOnly)
	}
	return anchored.Format(time.DateOnly), newOut
}

// slotFor is the first slot filled by an entity kind.
func (t *turn) slotFor(entity string) string {
	for _, s := range t.e.dialog.Slots {
		if s.Entity == entity {
			return s.Name
		}
	}
	return ""
}

// options evaluates an option slot's list.
func (t *turn) options(s *slot) []map[string]any {
	if s.options == nil {
		return nil
	}
	v, err := s.options.Run(t.env())
	if err != nil {
		t.e.log.Warn("dialog: options expression failed", "slot", s.Name, "expr", s.Options, "err", err)
		return nil
	}
	list, _ := Normalize(v).([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// fill stores values and validates every slot; it returns the first slot this message
// set that failed validation. Slots that became invalid through another slot's change
// (a check-out before the corrected check-in) are dropped quietly, to be asked again.
func (t *turn) fill(vals map[string]any) (invalid string) {
	changed := map[string]bool{}
	for name, v := range vals {
		if v == nil {
			continue
		}
		t.st.Slots[name] = Normalize(v)
		changed[name] = true
	}
	if len(changed) == 0 {
		return ""
	}
	t.changed()
	for _, s := range t.e.dialog.Slots {
		cs := t.e.slots[s.Name]
		if cs.validate == nil || t.st.Slots[s.Name] == nil {
			continue
		}
		ok, err := t.truth(cs.validate)
		if err != nil {
			t.e.log.Warn("dialog: validate expression failed", "slot", s.Name, "err", err)
		}
		if ok {
			continue
		}
		delete(t.st.Slots, s.Name)
		t.changed()
		if changed[s.Name] && invalid == "" {
			invalid = s.Name
		}
	}
	return invalid
}

// sayInvalid tells the guest why a value was not kept and waits for that slot again.
func (t *turn) sayInvalid(name string) {
	s := t.e.slots[name]
	key := s.Invalid
	if key == "" {
		key = s.Prompt
	}
	t.say(key, nil, s)
	if fr := t.st.top(); fr != nil {
		fr.Asked = name
	}
}

func (t *turn) continueWith(vals map[string]any) {
	t.st.Fallbacks = 0
	fr := t.st.top()
	if s := t.e.slots[fr.Asked]; s != nil && s.Entity == spec.EntityOption {
		// "Cabaña" picks an offer; it must not narrow later searches to cabins.
		for name := range vals {
			if e := t.e.slots[name]; e != nil && (e.Entity == spec.EntityUnitType || e.Entity == spec.EntityAmenities) {
				delete(vals, name)
			}
		}
	}
	restart := false
	f := t.e.flows[fr.Flow]
	for name, v := range vals {
		if name == fr.Asked {
			continue
		}
		if old, ok := t.st.Slots[name]; ok && fmt.Sprint(old) != fmt.Sprint(Normalize(v)) && f != nil && f.asksBefore(name, fr.Step) {
			restart = true
		}
	}
	if restart {
		t.start(f, vals)
		return
	}
	if bad := t.fill(vals); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.run()
}

// asksBefore reports whether a step before i asks for the slot: changing it means the
// steps since then (a search, an offer) are stale.
func (f *flow) asksBefore(name string, i int) bool {
	for j := 0; j < i && j < len(f.steps); j++ {
		for _, a := range f.steps[j].Ask {
			if a == name {
				return true
			}
		}
	}
	return false
}

// touchesFlow reports whether the message gives values for slots the running flow asks:
// a correction ("mejor del 6 al 9") even when the NLU saw no intent.
func (t *turn) touchesFlow(fr *Frame, vals map[string]any) bool {
	f := t.e.flows[fr.Flow]
	if f == nil {
		return false
	}
	for name := range vals {
		if f.asksBefore(name, len(f.steps)) {
			return true
		}
	}
	return false
}

// start runs a flow from its first step. A normal flow replaces whatever was running; the
// options the guest was choosing from are stale, so option slots are forgotten.
func (t *turn) start(f *flow, vals map[string]any) {
	t.st.Fallbacks = 0
	if f.Interrupt && t.st.top() != nil {
		t.interrupt(f, vals)
		return
	}
	t.st.Stack = nil
	for _, s := range t.e.dialog.Slots {
		if s.Entity == spec.EntityOption {
			delete(t.st.Slots, s.Name)
		}
	}
	t.st.Stack = append(t.st.Stack, Frame{Flow: f.Name})
	t.changed()
	t.out.Flow = f.Name
	if bad := t.fill(vals); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.run()
}

// interrupt answers a question in the middle of a flow, which resumes afterwards. Only the
// basic facts of the stay are taken from the question: "¿tiene wifi?" must not turn wifi
// into a search filter.
func (t *turn) interrupt(f *flow, vals map[string]any) {
	t.st.Fallbacks = 0
	basic := map[string]any{}
	for name, v := range vals {
		switch t.e.slots[name].Entity {
		case spec.EntityCheckIn, spec.EntityCheckOut, spec.EntityGuests, spec.EntityAdults, spec.EntityChildren:
			basic[name] = v
		}
	}
	if bad := t.fill(basic); bad != "" {
		t.sayInvalid(bad)
		return
	}
	t.st.Stack = append(t.st.Stack, Frame{Flow: f.Name})
	t.changed()
	t.out.Flow = f.Name
	t.run()
}

func (t *turn) fallback() {
	t.st.Fallbacks++
	if t.st.Fallbacks >= t.settings().Escalation.FallbacksInARow {
		t.escalate(ReasonFallbacks)
		return
	}
	if fr := t.st.top(); fr != nil && fr.Asked != "" {
		s := t.e.slots[fr.Asked]
		if s != nil && s.Retry != "" {
			t.say(s.Retry, nil, s)
			return
		}
		t.say(t.settings().Fallback, nil, s)
		return
	}
	t.say(t.settings().Fallback, nil, nil)
}

// escalate runs the escalation flow for a reason the bot found by itself.
func (t *turn) escalate(reason string) {
	t.reason = reason
	f := t.e.flows[t.settings().Escalation.Flow]
	t.st.Stack = []Frame{{Flow: f.Name}}
	t.changed()
	t.st.Pending = nil
	t.out.Flow = f.Name
	t.run()
}

func (t *turn) run() {
	for guard := 0; guard < maxSteps; guard++ {
		if t.err != nil {
			return
		}
		fr := t.st.top()
		if fr == nil {
			return
		}
		f := t.e.flows[fr.Flow]
		if f == nil || fr.Step >= len(f.steps) {
			// the flow is done, or a reload removed it
			t.endFlow(nil)
			continue
		}
		cs := f.steps[fr.Step]
		switch cs.Kind {
		case spec.StepSay:
			t.say(cs.Say, cs, nil)
			fr.Step++
		case spec.StepAsk:
			if t.ask(fr, cs) {
				return
			}
			fr.Step++
		case spec.StepAction:
			if !t.action(cs) {
				return
			}
			fr.Step++
		case spec.StepIf:
			ok, err := t.truth(cs.cond)
			if err != nil {
				t.e.log.Warn("dialog: condition failed", "flow", f.Name, "step", fr.Step+1, "expr", cs.If, "err", err)
			}
			switch {
			case ok:
				fr.Step = cs.then
			case cs.els >= 0:
				fr.Step = cs.els
			default:
				fr.Step++
			}
		case spec.StepGoto:
			fr.Step = cs.gotoIdx
		case spec.StepHandoff:
			t.handoff(cs)
			return
		case spec.StepEnd:
			t.endFlow(cs)
		default:
			fr.Step++
		}
	}
	t.e.log.Error("dialog: turn ran too many steps (a goto loop?)", "flow", t.st.top().Flow)
	t.st.Stack = nil
	t.changed()
	t.say(t.settings().Error, nil, nil)
}

// endFlow pops the running flow; a flow it interrupted resumes with its question.
func (t *turn) endFlow(cs *step) {
	if cs != nil {
		for _, name := range cs.Clear {
			delete(t.st.Slots, name)
		}
	}
	ended := t.e.flows[t.st.Stack[len(t.st.Stack)-1].Flow]
	t.st.Stack = t.st.Stack[:len(t.st.Stack)-1]
	t.changed()
	if len(t.st.Stack) > 0 {
		t.joinNext = true
		t.quietResume = ended != nil && ended.NoReask
	}
}

// ask waits for the first missing slot of the step; it reports whether it is waiting.
func (t *turn) ask(fr *Frame, cs *step) bool {
	for _, name := range cs.Ask {
		if t.st.Slots[name] != nil {
			continue
		}
		s := t.e.slots[name]
		if t.quietResume && fr.Asked == name {
			// The interruption was a closing: the question stands, unrepeated.
			t.quietResume = false
			return true
		}
		if t.u.AmbiguousDates() && !t.askedAmbiguous && s.Ambiguous != "" && anyPhrase(t.folded, weekendWords...) {
			t.askedAmbiguous = true
			t.st.Pending = &Pending{Kind: "weekend", Options: weekendOptions(t.today())}
			t.sayWith(s.Ambiguous, t.weekendButtons(s.Ambiguous))
			fr.Asked = name
			return true
		}
		key := s.Prompt
		if cs.Prompt != "" && (fr.Asked != name || key == "") {
			key = cs.Prompt
		}
		fr.Asked = name
		t.say(key, cs, s)
		return true
	}
	fr.Asked = ""
	return false
}

// weekendButtons are the quick replies of the "this weekend or the next?" question, from
// the optional messages <key>.this and <key>.next.
func (t *turn) weekendButtons(key string) []Button {
	var out []Button
	for _, which := range []string{"this", "next"} {
		k := key + "." + which
		if len(t.e.catalog.Missing(k)) == len(t.e.catalog.Languages()) {
			return nil
		}
		title, err := t.e.catalog.Render(t.st.Language, k, t.env())
		if err != nil {
			return nil
		}
		out = append(out, Button{ID: which, Title: title})
	}
	return out
}

func (t *turn) action(cs *step) bool {
	env := t.env()
	args := make(map[string]any, len(cs.with))
	for k, x := range cs.with {
		v, err := x.Run(env)
		if err != nil {
			t.e.log.Warn("dialog: action argument failed", "action", cs.Action, "arg", k, "err", err)
			continue
		}
		args[k] = Normalize(v)
	}
	res, err := cs.action.Run(t.ctx, t.call(args))
	if err != nil {
		if ctxErr := t.ctx.Err(); ctxErr != nil {
			t.err = fmt.Errorf("action %s: %w", cs.Action, errors.Join(err, ctxErr))
			return false
		}
		t.e.log.Error("dialog: action failed", "action", cs.Action, "err", err)
		t.st.Stack = nil
		t.changed()
		t.say(t.settings().Error, nil, nil)
		return false
	}
	t.store(cs.ResultName(), res)
	t.out.Events = append(t.out.Events, res.Events...)
	return true
}

func (t *turn) call(args map[string]any) Call {
	return Call{
		Args: args, Slots: t.st.Slots, Results: t.st.Results, Message: t.u, Text: t.in.Text,
		Language: t.st.Language, Now: t.in.Now, Location: t.settings().Location, Guest: t.in.Guest,
		Reason: t.reason,
	}
}

func (t *turn) store(name string, res Result) {
	data := map[string]any{}
	if res.Data != nil {
		data, _ = Normalize(res.Data).(map[string]any)
	}
	t.st.Results[name] = data
	for k, v := range res.Slots {
		t.st.Slots[k] = Normalize(v)
	}
	t.changed()
	if res.Handoff != "" {
		t.out.Handoff = &Handoff{Reason: res.Handoff}
	}
}

// handoff hands the conversation to a person: the derivar_humano action records it, the
// guest is told (with when someone answers, during quiet hours), and the bot pauses.
func (t *turn) handoff(cs *step) {
	reason := t.reason
	if reason == "" {
		reason = cs.Reason
	}
	if reason == "" {
		reason = ReasonExplicit
	}
	t.reason = reason
	t.changed()
	if t.e.handoff != nil {
		res, err := t.e.handoff.Run(t.ctx, t.call(map[string]any{"reason": reason}))
		if err != nil {
			if ctxErr := t.ctx.Err(); ctxErr != nil {
				t.err = fmt.Errorf("hand off: %w", errors.Join(err, ctxErr))
				return
			}
			t.e.log.Error("dialog: derivar_humano failed; handing off anyway", "err", err)
		} else {
			t.store("derivar_humano", res)
		}
	}
	key := cs.Handoff
	if quiet, _ := t.e.QuietHours(t.in.Now); quiet && cs.Night != "" {
		key = cs.Night
	}
	t.say(key, cs, nil)
	t.out.Handoff = &Handoff{Reason: reason}
	t.st.Stack = nil
	t.changed()
	t.st.Pending = nil
	t.st.Fallbacks = 0
	t.st.PaymentRejections = 0
}

// changed marks the state as modified: the next env() is rebuilt.
func (t *turn) changed() { t.envCache = nil }

// env is what conditions and templates see. Callers must not modify it.
func (t *turn) env() map[string]any {
	if t.envCache != nil {
		return t.envCache
	}
	m := make(map[string]any, len(t.e.dialog.Slots)+len(t.e.resultNames)+len(spec.Globals))
	for _, s := range t.e.dialog.Slots {
		m[s.Name] = t.st.Slots[s.Name]
	}
	for _, n := range t.e.resultNames {
		m[n] = t.st.Results[n]
	}
	if !t.ambientSet {
		t.ambientSet = true
		if a := t.e.opts.Ambient; a != nil {
			amb, err := a.Ambient(t.ctx)
			if err != nil {
				t.e.log.Warn("dialog: ambient data unavailable", "err", err)
			}
			t.ambient, _ = Normalize(amb).(map[string]any)
		}
	}
	quiet, until := t.e.QuietHours(t.in.Now)
	m["message"] = map[string]any{
		"text": t.in.Text, "intent": t.u.Intent, "confidence": t.u.Confidence,
		"check_in": t.u.CheckIn, "check_out": t.u.CheckOut, "guests": int64(t.u.Guests),
		"unit_type": t.u.UnitType, "amenities": Normalize(t.u.Amenities),
	}
	m["today"] = t.today().Format(time.DateOnly)
	m["now"] = t.in.Now
	m["language"] = t.st.Language
	m["quiet_hours"] = quiet
	m["quiet_until"] = ""
	if quiet {
		m["quiet_until"] = FormatClock(until, t.settings().Location)
	}
	m["interrupted"] = len(t.st.Stack) > 1
	m["escalation_reason"] = t.reason
	m["property"] = t.ambient
	t.envCache = m
	return m
}

func (t *turn) truth(x *spec.Expr) (bool, error) {
	if x == nil {
		return false, nil
	}
	v, err := x.Run(t.env())
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q gave %T, not true or false", x.Source, v)
	}
	return b, nil
}

// sayMedia answers content the dialog cannot read (a voice note before transcription, an
// image, a location) with its fixed message, or the fallback message when the catalog has
// none; the session and the fallback streak are left as they were.
func (t *turn) sayMedia(key string) {
	if _, err := t.e.catalog.Render(t.st.Language, key, t.env()); err != nil {
		key = t.settings().Fallback
	}
	t.sayWith(key, nil)
}

// say renders a template with the buttons of its step or, for an option slot, one button
// per option.
func (t *turn) say(key string, cs *step, s *slot) {
	var buttons []Button
	if cs != nil && cs.Buttons != nil {
		buttons = t.buttons(cs)
	} else if s != nil && s.Entity == spec.EntityOption {
		for _, o := range t.options(s) {
			buttons = append(buttons, Button{ID: ButtonID(s.Name, o["id"]), Title: fmt.Sprint(o["title"])})
		}
	}
	t.sayWith(key, buttons)
}

func (t *turn) sayWith(key string, buttons []Button) {
	text, err := t.e.catalog.Render(t.st.Language, key, t.env())
	if err != nil {
		t.e.log.Error("dialog: template failed", "key", key, "lang", t.st.Language, "err", err)
		if key == t.settings().Error {
			return
		}
		text, err = t.e.catalog.Render(t.st.Language, t.settings().Error, t.env())
		if err != nil {
			return
		}
		key, buttons = t.settings().Error, nil
	}
	if t.joinNext && len(t.out.Replies) > 0 {
		t.joinNext = false
		last := &t.out.Replies[len(t.out.Replies)-1]
		if r := t.settings().Resume; r != "" {
			if connector, err := t.e.catalog.Render(t.st.Language, r, t.env()); err == nil && connector != "" {
				text = connector + " " + text
			}
		}
		last.Text += "\n\n" + text
		last.Buttons = buttons
		last.Template += "+" + key
		return
	}
	t.joinNext = false
	t.out.Replies = append(t.out.Replies, Reply{Text: text, Buttons: buttons, Template: key})
}

func (t *turn) buttons(cs *step) []Button {
	b := cs.Buttons
	var out []Button
	for _, sb := range b.Static {
		title, err := t.e.catalog.Render(t.st.Language, sb.Title, t.env())
		if err != nil {
			t.e.log.Warn("dialog: button title failed", "key", sb.Title, "err", err)
			continue
		}
		out = append(out, Button{ID: sb.ID, Title: title})
	}
	if cs.from != nil {
		v, err := cs.from.Run(t.env())
		if err != nil {
			t.e.log.Warn("dialog: buttons expression failed", "expr", b.From, "err", err)
			return out
		}
		list, _ := Normalize(v).([]any)
		for _, it := range list {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, Button{ID: fmt.Sprint(m[b.IDField]), Title: fmt.Sprint(m[b.Title])})
		}
	}
	return out
}
