package dialog

import (
	"fmt"
	"sort"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

// Sources says where a dialog lives on disk.
type Sources struct {
	Dialogs string // the dialogs folder (every *.yaml in it)
	Locales string // the locales folder (<tag>.yaml)
}

// Validate reports every problem of the dialog and its templates against the registry's
// actions, with file:line:column, without building an engine.
func Validate(src Sources, reg *Registry) spec.Problems {
	_, _, problems := load(src, reg)
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i].Pos, problems[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return problems
}

func load(src Sources, reg *Registry) (*spec.Dialog, *Catalog, spec.Problems) {
	d, problems := spec.Load(src.Dialogs)
	loc := d.Settings.Location
	if loc == nil {
		loc = time.UTC
	}
	cat, catProblems := LoadCatalog(src.Locales, d.Settings.DefaultLanguage, loc)
	problems = append(problems, catProblems...)
	// Check the rest even when a file had problems, so one run reports everything.
	problems = append(problems, spec.Check(d, spec.CheckEnv{
		MissingTemplate: cat.Missing,
		HasAction:       func(name string) bool { _, ok := reg.Lookup(name); return ok },
	})...)
	for _, key := range SystemTemplates {
		if missing := cat.Missing(key); len(missing) > 0 {
			problems = append(problems, spec.Problem{Pos: spec.Pos{File: src.Locales}, Message: fmt.Sprintf("message %q is required by conserje itself and missing in %v", key, missing)})
		}
	}
	return d, cat, problems
}

// SystemTemplates are messages conserje sends outside any flow, so every locale must have
// them: the booking confirmation sent when the payment is confirmed, and the notice that a
// payment arriving after its nights were taken was refunded.
var SystemTemplates = []string{ConfirmationTemplate, LateRefundTemplate}

// LateRefundTemplate tells a guest their payment came after the hold lapsed and its
// nights were taken, so it was refunded in full; its data has `reserva` (code, check_in,
// check_out) and `pago` (amount_cents).
const LateRefundTemplate = "pago_tardio_reembolsado"

// ConfirmationTemplate is sent when a reservation is confirmed; its data has `reserva`
// (code, name, check_in, check_out, total_cents, deposit_cents) beside `property`.
const ConfirmationTemplate = "reserva_confirmada"

// Build loads, checks and compiles a dialog, training the Understander from its intents
// (train may be nil when every Input carries its Understanding).
func Build(src Sources, reg *Registry, train TrainFunc, opts Options) (*Engine, spec.Problems) {
	d, cat, problems := load(src, reg)
	if len(problems) > 0 {
		return nil, problems
	}
	var und Understander
	if train != nil {
		u, err := train(d.Examples())
		if err != nil {
			return nil, spec.Problems{{Pos: spec.Pos{File: src.Dialogs}, Message: fmt.Sprintf("train the intent classifier: %v", err)}}
		}
		und = u
	}
	e, err := New(d, cat, reg, und, opts)
	if err != nil {
		return nil, spec.Problems{{Pos: spec.Pos{File: src.Dialogs}, Message: err.Error()}}
	}
	return e, nil
}
