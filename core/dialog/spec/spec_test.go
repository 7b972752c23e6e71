package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const validDialog = `# yaml-language-server: $schema=./schema.json
intents:
  saludo:
    examples: ["hola"]
  disponibilidad:
    examples: ["tienen lugar?"]
slots:
  check_in:
    entity: check_in
    prompt: pedir_fechas
    validate: check_in >= today
    invalid: fecha_pasada
  guests:
    entity: guests
    prompt: pedir_personas
  unidad:
    entity: option
    options: buscar_disponibilidad.offers
    fills: {guests: capacity}
flows:
  saludo:
    intents: [saludo]
    steps:
      - say: saludo
  reserva:
    intents: [disponibilidad]
    steps:
      - ask: [check_in, guests]
      - action: buscar_disponibilidad
      - if: len(buscar_disponibilidad.offers) == 0
        then: nada
      - ask: [unidad]
        prompt: oferta
      - end: true
      - id: nada
        say: sin_lugar
  derivar:
    steps:
      - handoff: derivacion
        night: derivacion_noche
settings:
  session_timeout: 12h
  quiet_hours: {start: "21:00", end: "08:00"}
  fallback: fallback
  error: error_tecnico
  escalation:
    flow: derivar
    fallbacks_in_a_row: 2
`

func allTemplates(string) []string { return nil }

func TestParseValidDialog(t *testing.T) {
	d, problems := spec.ParseFile("d.yaml", []byte(validDialog))
	require.Empty(t, problems)
	require.Empty(t, spec.Check(d, spec.CheckEnv{MissingTemplate: allTemplates, HasAction: func(string) bool { return true }}))

	assert.Len(t, d.Intents, 2)
	assert.Equal(t, []string{"check_in", "guests", "unidad"}, []string{d.Slots[0].Name, d.Slots[1].Name, d.Slots[2].Name})
	assert.Equal(t, 12*time.Hour, d.Settings.SessionTimeout)
	assert.Equal(t, "21:00", d.Settings.QuietStart.String())
	assert.Equal(t, "08:00", d.Settings.QuietEnd.String())
	assert.Equal(t, 0.6, d.Settings.Escalation.MinSpeechConfidence, "default kept when not written")
	reserva := d.Flow("reserva")
	require.NotNil(t, reserva)
	require.Len(t, reserva.Steps, 6)
	assert.Equal(t, spec.StepIf, reserva.Steps[2].Kind)
	assert.Equal(t, 5, reserva.StepIndex("nada"))
	assert.Equal(t, "buscar_disponibilidad", reserva.Steps[1].ResultName())
	assert.Equal(t, spec.Pos{File: "d.yaml", Line: 30, Column: 9}, reserva.Steps[2].Pos)
	assert.Equal(t, map[string][]string{"saludo": {"hola"}, "disponibilidad": {"tienen lugar?"}}, d.Examples())
}

func TestProblemsCarryPositions(t *testing.T) {
	cases := []struct {
		name string
		// edit replaces old with new in validDialog
		old, new string
		want     string
	}{
		{"unknown top-level key", "slots:\n", "slotz: {}\nslots:\n", `d.yaml:7:1: schema: /: additional properties 'slotz' not allowed`},
		{"step with no kind", "      - say: saludo\n", "      - id: solo\n", `d.yaml:24:9: schema: /flows/saludo/steps/0: a step needs exactly one of say`},
		{"bad entity", "entity: guests", "entity: persons", `d.yaml:14:13: schema: /slots/guests/entity: value must be one of`},
		{"bad clock", `start: "21:00"`, `start: "25:00"`, `d.yaml:43:24: schema: /settings/quiet_hours/start: '25:00' does not match pattern`},
		{"undeclared slot", "ask: [check_in, guests]", "ask: [check_in, personas]", `d.yaml:28:25: undeclared slot "personas"`},
		{"unknown step id", "then: nada", "then: nadie", `d.yaml:31:15: no step with id "nadie" in flow "reserva"`},
		{"bad expression", "validate: check_in >= today", "validate: check_in >=", `d.yaml:11:15: bad expression "check_in >=": unexpected token EOF`},
		{"expression with unknown name", "validate: check_in >= today", "validate: check_in >= hoy", `d.yaml:11:15: expression "check_in >= hoy" uses "hoy"`},
		{"unreachable step", "      - id: nada\n        say: sin_lugar\n", "      - id: nada\n        say: sin_lugar\n      - end: true\n      - say: huerfano\n", `d.yaml:38:9: unreachable step 8 of flow "reserva"`},
		{"unknown intent", "intents: [saludo]", "intents: [hola]", `d.yaml:22:15: flow "saludo" is started by intent "hola", which is not declared in intents`},
		{"prompt outside ask", "      - say: saludo\n", "      - say: saludo\n        prompt: x\n", `d.yaml:25:17: prompt only applies to ask steps`},
		{"unknown escalation flow", "flow: derivar", "flow: derivame", `d.yaml:47:11: settings.escalation.flow names unknown flow "derivame"`},
		{"not yaml", `examples: ["hola"]`, `examples: ["hola"`, `d.yaml:4:1: not valid YAML: did not find expected`},
		{"fills undeclared slot", "fills: {guests: capacity}", "fills: {huespedes: capacity}", `d.yaml:19:13: undeclared slot "huespedes"`},
		{"button starting an unknown flow", "      - say: saludo\n", "      - say: saludo\n        buttons:\n          - {id: b, title: t, flow: nadie}\n", `d.yaml:26:37: button "b" starts flow "nadie", which does not exist`},
		{"one button id, two flows", "      - say: saludo\n", "      - say: saludo\n        buttons:\n          - {id: b, title: t, flow: saludo}\n          - {id: b, title: u, flow: derivar}\n", `d.yaml:27:37: button id "b" already starts flow "saludo"`},
		{"button condition with unknown name", "      - say: saludo\n", "      - say: saludo\n        buttons:\n          - {id: b, title: t, if: hoy == 1}\n", `d.yaml:26:35: expression "hoy == 1" uses "hoy"`},
		{"button with an unknown field", "      - say: saludo\n", "      - say: saludo\n        buttons:\n          - {id: b, title: t, goto: x}\n", `additional properties 'goto' not allowed`},
		{"duplicate step id", "      - id: nada\n", "      - id: nada\n        say: x\n      - id: nada\n", `step id "nada" is already used by step 6`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(validDialog, tc.old, tc.new, 1)
			require.NotEqual(t, validDialog, src, "the edit must apply")
			d, problems := spec.ParseFile("d.yaml", []byte(src))
			if len(problems) == 0 {
				problems = spec.Check(d, spec.CheckEnv{MissingTemplate: allTemplates, HasAction: func(string) bool { return true }})
			}
			var lines []string
			for _, p := range problems {
				lines = append(lines, p.String())
			}
			joined := strings.Join(lines, "\n")
			assert.Contains(t, joined, tc.want)
		})
	}
}

func TestCheckUsesTemplatesAndActions(t *testing.T) {
	d, problems := spec.ParseFile("d.yaml", []byte(validDialog))
	require.Empty(t, problems)
	got := spec.Check(d, spec.CheckEnv{
		MissingTemplate: func(key string) []string {
			if key == "oferta" {
				return []string{"en", "pt-BR"}
			}
			return nil
		},
		HasAction: func(name string) bool { return name != "buscar_disponibilidad" },
	})
	require.Len(t, got, 2)
	assert.Equal(t, `d.yaml:29:17: unknown action "buscar_disponibilidad"`, got[0].String())
	assert.Equal(t, `d.yaml:33:17: unknown template key "oferta" (missing in en, pt-BR)`, got[1].String())
}

func TestLoadMergesFilesAndReportsDuplicates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("intents.yaml", "intents:\n  saludo:\n    examples: [hola]\n")
	write("flows.yaml", "flows:\n  saludo:\n    intents: [saludo]\n    steps:\n      - say: saludo\n")
	write("more.yaml", "intents:\n  saludo:\n    examples: [buenas]\n")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tests"), 0o755))
	write("tests/story.yaml", "not: a dialog file\n")

	d, problems := spec.Load(dir)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].String(), filepath.Join(dir, "more.yaml")+`:2:3: intent "saludo" is already declared at `+filepath.Join(dir, "intents.yaml")+":2:3")
	assert.Len(t, d.Files, 3)
	assert.NotNil(t, d.Flow("saludo"))
}

func TestUnreachable(t *testing.T) {
	step := func(kind spec.StepKind, id, target string) *spec.Step {
		s := &spec.Step{Kind: kind, ID: id}
		switch kind {
		case spec.StepGoto:
			s.Goto = target
		case spec.StepIf:
			s.Then = target
		}
		return s
	}
	cases := []struct {
		name  string
		steps []*spec.Step
		want  []int
	}{
		{"straight", []*spec.Step{step(spec.StepSay, "", ""), step(spec.StepEnd, "", "")}, nil},
		{"after end", []*spec.Step{step(spec.StepEnd, "", ""), step(spec.StepSay, "", "")}, []int{1}},
		{"jumped to", []*spec.Step{step(spec.StepIf, "", "b"), step(spec.StepEnd, "", ""), step(spec.StepSay, "b", "")}, nil},
		{"goto skips", []*spec.Step{step(spec.StepGoto, "", "c"), step(spec.StepSay, "", ""), step(spec.StepSay, "c", "")}, []int{1}},
		{"loop", []*spec.Step{step(spec.StepSay, "a", ""), step(spec.StepGoto, "", "a"), step(spec.StepSay, "", "")}, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, spec.Unreachable(&spec.Flow{Steps: tc.steps}))
		})
	}
}

// A flow without intents or keywords is started when a button names it.
func TestAButtonStartsAFlow(t *testing.T) {
	src := strings.Replace(validDialog, "      - say: saludo\n", "      - say: saludo\n        buttons:\n          - {id: hold_pagar, title: boton_pagar, flow: pagar, if: guests > 0}\n", 1)
	src = strings.Replace(src, "settings:\n", "  pagar:\n    steps:\n      - say: pago\n  huerfano:\n    steps:\n      - say: pago\nsettings:\n", 1)
	d, problems := spec.ParseFile("d.yaml", []byte(src))
	require.Empty(t, problems)
	got := spec.Check(d, spec.CheckEnv{MissingTemplate: allTemplates, HasAction: func(string) bool { return true }})
	require.Len(t, got, 1, "%v", got)
	assert.Contains(t, got[0].Message, `flow "huerfano" is never started`)
	b := d.Flow("saludo").Steps[0].Buttons.Static[0]
	assert.Equal(t, spec.StaticButton{ID: "hold_pagar", Title: "boton_pagar", Flow: "pagar", If: "guests > 0"},
		spec.StaticButton{ID: b.ID, Title: b.Title, Flow: b.Flow, If: b.If})
}
