package dialog

import "time"

// Understanding is what the NLU made of one message (the contract of nlu-spec.md). Dates
// are calendar dates YYYY-MM-DD; zero values mean unknown.
type Understanding struct {
	Intent     string   `json:"intent"`
	Confidence float64  `json:"confidence"`
	CheckIn    string   `json:"check_in,omitempty"`
	CheckOut   string   `json:"check_out,omitempty"`
	Guests     int      `json:"guests,omitempty"`
	Adults     int      `json:"adults,omitempty"`
	Children   int      `json:"children,omitempty"`
	UnitType   string   `json:"unit_type,omitempty"`
	Amenities  []string `json:"amenities,omitempty"`
	Ambiguous  []string `json:"ambiguous,omitempty"`
	// Language is the language the message is written in, "" when it shows none.
	Language string `json:"language,omitempty"`
	// DaysOnly says the dates were written as bare day numbers ("del 6 al 9"): the NLU
	// placed them in the next such month, but in a conversation already about January
	// they mean January (a correction), which the engine fixes.
	DaysOnly bool `json:"days_only,omitempty"`
	// Month is a month said without days, YYYY-MM ("para febrero"); "" when none.
	Month string `json:"month,omitempty"`
	// Impossible is a day named that does not exist ("31/4"); nil when none.
	Impossible *ImpossibleDay `json:"impossible,omitempty"`
}

// AmbiguousDates says the guest named dates the NLU could not decide (this weekend or the
// next?).
func (u Understanding) AmbiguousDates() bool {
	for _, a := range u.Ambiguous {
		if a == "dates" {
			return true
		}
	}
	return false
}

// Understander reads one guest message received at ref.
type Understander interface {
	Understand(text string, ref time.Time) Understanding
}

// TrainFunc builds an Understander from the dialog's intents (name → example phrases); the
// Reloader calls it again when the intents change.
type TrainFunc func(examples map[string][]string) (Understander, error)
