package dialog

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"
)

// State is one conversation's session as the engine sees it. The caller stores it between
// turns (as JSON); the engine changes it in place.
type State struct {
	Language string `json:"language,omitempty"`
	// LanguageSet says a guest message decided Language; LastLanguage is the language of
	// the last message that showed one.
	LanguageSet  bool           `json:"language_set,omitempty"`
	LastLanguage string         `json:"last_language,omitempty"`
	GuestTurns   int            `json:"guest_turns,omitempty"`
	Slots        map[string]any `json:"slots,omitempty"`
	Results      map[string]any `json:"results,omitempty"`
	Stack        []Frame        `json:"stack,omitempty"`
	Pending      *Pending       `json:"pending,omitempty"`
	// Month is a month the guest said without days (YYYY-MM), for the days said later.
	Month string `json:"month,omitempty"`
	// Fallbacks counts turns in a row the bot did not understand.
	Fallbacks int `json:"fallbacks,omitempty"`
	// PaymentRejections counts rejected payments since the last escalation.
	PaymentRejections int       `json:"payment_rejections,omitempty"`
	LastSeen          time.Time `json:"last_seen,omitzero"`
	// Constraints are the relay rules of the guest's address (Constraint*), as the
	// channel last said; they outlive sessions (the address does not change).
	Constraints []string `json:"constraints,omitempty"`
	// Discussed are the amenities the guest asked about while choosing among the options
	// shown: "reservame esa" after "¿se puede llevar a la perra?" is the one that takes pets.
	Discussed []string `json:"discussed,omitempty"`
	// Tappable are the ids of the buttons with a flow (spec.StaticButton.Flow) among the
	// last buttons the bot showed: their titles typed count as taps. Only those: "transferir
	// la seña" typed before any hold is a payment question, not the hold's button.
	Tappable []string `json:"tappable,omitempty"`
}

// Frame is a running flow: the step it is at and the slot it asked for, if waiting.
type Frame struct {
	Flow  string `json:"flow"`
	Step  int    `json:"step"`
	Asked string `json:"asked,omitempty"`
}

// Pending is a question the bot asked back whose answer picks one of Options.
type Pending struct {
	Kind    string       `json:"kind"` // "weekend"
	Options []DateOption `json:"options"`
}

// DateOption is one reading of ambiguous dates.
type DateOption struct {
	Key      string `json:"key"` // "this" or "next"
	CheckIn  string `json:"check_in"`
	CheckOut string `json:"check_out"`
}

// DecodeState reads a stored state; empty input is a new conversation.
func DecodeState(data []byte) (*State, error) {
	st := &State{}
	if len(data) == 0 || string(data) == "{}" || string(data) == "null" {
		return st, nil
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("decode dialog state: %w", err)
	}
	if v, ok := Normalize(st.Slots).(map[string]any); ok {
		st.Slots = v
	}
	if v, ok := Normalize(st.Results).(map[string]any); ok {
		st.Results = v
	}
	return st, nil
}

// Encode serializes the state for storage.
func (st *State) Encode() ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode dialog state: %w", err)
	}
	return b, nil
}

func (st *State) top() *Frame {
	if len(st.Stack) == 0 {
		return nil
	}
	return &st.Stack[len(st.Stack)-1]
}

// Normalize turns values into the few types expressions and templates handle the same
// whether or not the state went through JSON: map[string]any, []any, string, bool, int64
// (whole numbers), float64, nil. Instants become RFC 3339 strings in UTC.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string, bool, int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float64:
		if x == float64(int64(x)) && x < 1<<53 && x > -(1<<53) {
			return int64(x)
		}
		return x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case map[string]any:
		if x == nil {
			return nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			// Past int64 JSON decoding gives a float64 too.
			return float64(u)
		}
		return int64(u)
	case reflect.Float32:
		return Normalize(rv.Float())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	// Anything else (structs, typed slices) goes through JSON, as storing it would.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var back any
	if err := json.Unmarshal(b, &back); err != nil {
		return fmt.Sprint(v)
	}
	return Normalize(back)
}
