package dialog

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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
	dialog    *spec.Dialog
	catalog   *Catalog
	registry  *Registry
	und       Understander
	opts      Options
	log       *slog.Logger
	flows     map[string]*flow
	slots     map[string]*slot
	byIntent  map[string]*flow
	byKeyword []*flow
	// byButton: the flow a tap on a static button starts, by button id; tapTitles are
	// those buttons' title keys, for a title typed instead of tapped.
	byButton    map[string]*flow
	tapTitles   []tapTitle
	complaints  []string
	resultNames []string
	handoff     Action
}

type tapTitle struct {
	id, key string
	flow    *flow
}

type flow struct {
	*spec.Flow
	steps    []*step
	keywords []string
}

type step struct {
	*spec.Step
	cond *spec.Expr
	with map[string]*spec.Expr
	from *spec.Expr
	// shown are the static buttons' if conditions (nil: always shown), by position.
	shown   []*spec.Expr
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
				for _, sb := range s.Buttons.Static {
					cs.shown = append(cs.shown, compile(sb.If))
				}
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
	e.byButton = map[string]*flow{}
	for _, f := range d.Flows {
		for _, s := range f.Steps {
			if s.Buttons == nil {
				continue
			}
			for _, sb := range s.Buttons.Static {
				if sb.Flow != "" {
					e.byButton[sb.ID] = e.flows[sb.Flow]
					e.tapTitles = append(e.tapTitles, tapTitle{id: sb.ID, key: sb.Title, flow: e.flows[sb.Flow]})
				}
			}
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
	// Form is what a portal's inquiry form said, read before the guest's words.
	Form *Form
	// Constraints are the relay rules the channel gave with the message (Constraint*);
	// they stay with the conversation (State.Constraints). Nil leaves them as they were.
	Constraints []string
}

// Form is what a portal's inquiry form said (e-mail inquiries): its dates and people win
// over the guest's free text, and the inquiry is answered as the request for a stay it
// is — the offer with prices first, not questions the form already answered.
type Form struct {
	CheckIn  string // YYYY-MM-DD
	CheckOut string
	Guests   int
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
	// Action marks a button that starts a flow (the hold's "Transferir la seña") rather
	// than picking an option: as text it is a phrase to reply with, never a number, since
	// a typed number picks options only.
	Action bool `json:"action,omitempty"`
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
	t.expireSession()
	if in.Understanding != nil {
		t.u = *in.Understanding
	} else {
		t.u = e.understandIn(in.Text, in.Now, t.stayContext())
	}
	if len(in.Constraints) > 0 {
		st.Constraints = slices.Clone(in.Constraints)
	}
	t.readForm()
	t.out.Understanding = t.u
	t.rememberMonth()
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
	t.noteTappable()
	t.out.Language = st.Language
	return t.out, nil
}

// noteTappable remembers which buttons with a flow the guest now sees: a turn that shows
// buttons replaces them (a new offer's units leave none); a turn without buttons keeps
// them, as the earlier message still shows them.
func (t *turn) noteTappable() {
	shown := false
	var ids []string
	for _, r := range t.out.Replies {
		for _, b := range r.Buttons {
			shown = true
			if t.e.byButton[b.ID] != nil {
				ids = append(ids, b.ID)
			}
		}
	}
	if shown || t.out.Handoff != nil {
		t.st.Tappable = ids
	}
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
	// askedAbove: the question an interruption ends on was asked earlier in this turn
	// (a portal inquiry's offer), so it is not repeated.
	askedAbove bool
	// aside: a question on the side of the message is being answered (asides.go).
	aside bool
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
	st.Month = ""
	st.Tappable = nil
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
