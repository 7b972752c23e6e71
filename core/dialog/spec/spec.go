package spec

import (
	"fmt"
	"time"
)

// Pos is where an element was written: file, line and column (1-based).
type Pos struct {
	File   string
	Line   int
	Column int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Problem is one thing wrong with a dialog, at the place a host must edit.
type Problem struct {
	Pos     Pos
	Message string
}

func (p Problem) String() string { return p.Pos.String() + ": " + p.Message }

// Problems is every problem found, in file order; it is an error when not empty.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return fmt.Sprintf("%s (and %d more problems)", ps[0].String(), len(ps)-1)
}

// Fields remembers where each field of an element was written, for precise problems.
type Fields map[string]Pos

// At is the position of a field, or of the element when the field was not written.
func (f Fields) At(field string, fallback Pos) Pos {
	if p, ok := f[field]; ok {
		return p
	}
	return fallback
}

// Dialog is every file of a dialogs folder merged.
type Dialog struct {
	Dir      string
	Files    []string
	Intents  []*Intent
	Slots    []*Slot
	Flows    []*Flow
	Settings Settings
}

// Intent is something guests may want, with the phrases that train the classifier.
type Intent struct {
	Name        string
	Description string
	Examples    []string
	Pos         Pos
}

// Entity kinds a slot can be filled with.
const (
	EntityCheckIn   = "check_in"
	EntityCheckOut  = "check_out"
	EntityGuests    = "guests"
	EntityAdults    = "adults"
	EntityChildren  = "children"
	EntityUnitType  = "unit_type"
	EntityAmenities = "amenities"
	EntityOption    = "option"
	EntityText      = "text"
	EntityName      = "name"
	EntityEmail     = "email"
	EntityPhone     = "phone"
	EntityYesNo     = "yes_no"
)

// Entities lists every entity kind, in the order the schema documents them.
var Entities = []string{
	EntityCheckIn, EntityCheckOut, EntityGuests, EntityAdults, EntityChildren, EntityUnitType,
	EntityAmenities, EntityOption, EntityText, EntityName, EntityEmail, EntityPhone, EntityYesNo,
}

// Slot is a value the bot collects from the guest.
type Slot struct {
	Name      string
	Entity    string
	Prompt    string
	Retry     string
	Ambiguous string
	Validate  string
	Invalid   string
	Options   string
	Fills     map[string]string
	FillOrder []string
	Pos       Pos
	Fields    Fields
}

// Flow is a conversation the bot runs when one of its intents or keywords arrives.
type Flow struct {
	Name        string
	Description string
	Intents     []string
	Keywords    []string
	Interrupt   bool
	// NoReask, with Interrupt: the interrupted flow resumes without repeating its
	// question (a "thanks, I'll think about it" needs no "which one shall I book?").
	NoReask bool
	Steps   []*Step
	Pos     Pos
	Fields  Fields
}

// StepKind is what a step does.
type StepKind string

// The kinds of step.
const (
	StepSay     StepKind = "say"
	StepAsk     StepKind = "ask"
	StepAction  StepKind = "action"
	StepIf      StepKind = "if"
	StepGoto    StepKind = "goto"
	StepHandoff StepKind = "handoff"
	StepEnd     StepKind = "end"
)

// Step is one instruction of a flow.
type Step struct {
	ID      string
	Kind    StepKind
	Say     string
	Ask     []string
	Prompt  string
	Action  string
	As      string
	With    map[string]string
	If      string
	Then    string
	Else    string
	Goto    string
	Handoff string
	Night   string
	Reason  string
	Clear   []string
	Buttons *Buttons
	Pos     Pos
	Fields  Fields
}

// ResultName is the name an action step's result is stored under.
func (s *Step) ResultName() string {
	if s.As != "" {
		return s.As
	}
	return ActionResultName(s.Action)
}

// ActionResultName is the default result name of an action: its name without namespace.
func ActionResultName(action string) string {
	for i := len(action) - 1; i >= 0; i-- {
		if action[i] == '.' {
			return action[i+1:]
		}
	}
	return action
}

// Buttons are quick replies: a fixed list, or one per element of a list (From).
type Buttons struct {
	Static  []StaticButton
	From    string
	IDField string
	Title   string
	Pos     Pos
}

// StaticButton is a fixed quick reply whose title is a template key. With Flow, a tap on
// it (its id comes back from the channel) starts that flow: the tap is read exactly, in
// any language, whatever the title says. With If, the button is shown only when the
// expression is true (the payment link's button only when there is a link).
type StaticButton struct {
	ID     string
	Title  string
	Flow   string
	If     string
	Pos    Pos
	Fields Fields
}

// Settings tune the whole dialog.
type Settings struct {
	DefaultLanguage string
	TimeZone        string
	Location        *time.Location
	SessionTimeout  time.Duration
	QuietStart      Clock
	QuietEnd        Clock
	MinConfidence   float64
	Fallback        string
	Error           string
	Resume          string
	Escalation      Escalation
	Pos             Pos
	Fields          Fields
}

// Escalation says when the bot hands a conversation to a person by itself.
type Escalation struct {
	Flow                string
	FallbacksInARow     int
	PaymentRejections   int
	MinSpeechConfidence float64
	ComplaintKeywords   []string
	Fields              Fields
}

// Clock is a time of day in minutes after midnight.
type Clock int

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Defaults used when the settings leave a value out.
const (
	DefaultLanguage             = "es-AR"
	DefaultTimeZone             = "America/Argentina/Buenos_Aires"
	DefaultSessionTimeout       = 12 * time.Hour
	DefaultQuietStart     Clock = 21 * 60
	DefaultQuietEnd       Clock = 8 * 60
	DefaultFallbacks            = 2
	DefaultRejections           = 2
	DefaultMinSpeech            = 0.6
)

// Flow returns the flow with that name, or nil.
func (d *Dialog) Flow(name string) *Flow {
	for _, f := range d.Flows {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Slot returns the slot with that name, or nil.
func (d *Dialog) Slot(name string) *Slot {
	for _, s := range d.Slots {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Intent returns the intent with that name, or nil.
func (d *Dialog) Intent(name string) *Intent {
	for _, in := range d.Intents {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Examples is the training data of the intent classifier: intent name → example phrases.
func (d *Dialog) Examples() map[string][]string {
	out := make(map[string][]string, len(d.Intents))
	for _, in := range d.Intents {
		out[in.Name] = append([]string(nil), in.Examples...)
	}
	return out
}

// StepIndex returns the index of the step with that id in the flow, or -1.
func (f *Flow) StepIndex(id string) int {
	if id == "" {
		return -1
	}
	for i, s := range f.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}
