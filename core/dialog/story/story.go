// Package story owns the dialog's story tests: YAML files (dialogs/tests/*.yaml) that play
// a guest's lines against a fresh bot at a fixed clock and check what the bot answered
// (text contained or matching a pattern, quick replies), what it understood (intent,
// slots) and whether it handed the conversation to a person. The bot is anything that
// implements Bot; `conserje dialog test` and the Go test run them on the demo database.
package story

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Story is one conversation to replay.
type Story struct {
	Name  string
	File  string
	Line  int
	Now   time.Time
	Steps []Step
}

// Step is one thing that happens: a guest line, staff confirming a payment or releasing
// the conversation, a rejected payment; optionally after some time passes.
type Step struct {
	Line int
	// After advances the clock before the step ("13h", "1m").
	After time.Duration

	Guest string
	// Tap is the title of a quick reply the guest taps, the latest one the bot showed
	// with that title (WhatsApp keeps earlier messages' buttons tappable): the bot
	// receives that button's id, as a channel sends it back.
	Tap             string
	Confirm         string // a reservation code staff confirm the payment of
	Release         bool   // staff hand the conversation back to the bot
	PaymentRejected bool

	Expect Expect
}

// Expect is what a step must produce; empty fields are not checked.
type Expect struct {
	Contains    []string
	NotContains []string
	Regex       []string
	Exact       *string
	Replies     *int
	Silent      bool
	Buttons     []string
	Intent      string
	Slots       map[string]any
	Handoff     *bool
	Language    string
}

// Reply is one bot message as a story sees it: its text and its quick replies' titles
// and ids (ButtonIDs[i] is the id of Buttons[i]; nil when the bot gives no ids).
type Reply struct {
	Text      string
	Buttons   []string
	ButtonIDs []string
}

// Turn is what a step produced and the conversation's state afterwards.
type Turn struct {
	Replies   []Reply
	Intent    string
	Slots     map[string]any
	Language  string
	Escalated bool
}

// Bot is a conversation under test, with its own clock.
type Bot interface {
	Say(ctx context.Context, text string, at time.Time) (Turn, error)
	// Tap is the guest tapping a quick reply: id is the button's id, title what it showed.
	Tap(ctx context.Context, id, title string, at time.Time) (Turn, error)
	Confirm(ctx context.Context, code string, at time.Time) (Turn, error)
	Release(ctx context.Context, at time.Time) (Turn, error)
	PaymentRejected(ctx context.Context, at time.Time) (Turn, error)
	Close() error
}

// NewBot starts a fresh bot (a fresh demo database) for a story at its clock.
type NewBot func(ctx context.Context, s *Story) (Bot, error)

// Result is the outcome of one story.
type Result struct {
	Story    *Story
	Failures []string
	// Transcript is the conversation as it went, for reports.
	Transcript []string
}

// Passed reports whether every expectation held.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// LoadDir reads every *.yaml story of dir, sorted by file name.
func LoadDir(dir string) ([]*Story, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no stories (*.yaml) in %s", dir)
	}
	sort.Strings(files)
	var out []*Story
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := Parse(f, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s...)
	}
	return out, errors.Join(errs...)
}

// Parse reads a story file: one story, or a list under `stories:`.
func Parse(file string, data []byte) ([]*Story, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty story file", file)
	}
	root := doc.Content[0]
	var nodes []*yaml.Node
	if list := field(root, "stories"); list != nil {
		nodes = list.Content
	} else {
		nodes = []*yaml.Node{root}
	}
	var out []*Story
	for _, n := range nodes {
		s, err := parseStory(file, n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func errAt(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func parseStory(file string, n *yaml.Node) (*Story, error) {
	var raw struct {
		Name  string      `yaml:"name"`
		Now   string      `yaml:"now"`
		Steps []yaml.Node `yaml:"steps"`
	}
	if err := n.Decode(&raw); err != nil {
		return nil, errAt(file, n, "%v", err)
	}
	if raw.Name == "" {
		return nil, errAt(file, n, "a story needs a name")
	}
	now, err := time.Parse(time.RFC3339, raw.Now)
	if err != nil {
		return nil, errAt(file, n, "now must be an RFC 3339 instant with its offset (2026-11-28T10:00:00-03:00): %v", err)
	}
	if len(raw.Steps) == 0 {
		return nil, errAt(file, n, "story %q has no steps", raw.Name)
	}
	s := &Story{Name: raw.Name, File: file, Line: n.Line, Now: now}
	for i := range raw.Steps {
		st, err := parseStep(file, &raw.Steps[i])
		if err != nil {
			return nil, err
		}
		s.Steps = append(s.Steps, st)
	}
	return s, nil
}

type rawStep struct {
	After           string         `yaml:"after"`
	Guest           string         `yaml:"guest"`
	Tap             string         `yaml:"tap"`
	Confirm         string         `yaml:"confirm_payment"`
	Release         bool           `yaml:"staff_release"`
	PaymentRejected bool           `yaml:"payment_rejected"`
	Bot             yaml.Node      `yaml:"bot"`
	NotContains     []string       `yaml:"not_contains"`
	Regex           []string       `yaml:"regex"`
	Exact           *string        `yaml:"exact"`
	Replies         *int           `yaml:"replies"`
	Silent          bool           `yaml:"silent"`
	Buttons         []string       `yaml:"buttons"`
	Intent          string         `yaml:"intent"`
	Slots           map[string]any `yaml:"slots"`
	Handoff         *bool          `yaml:"handoff"`
	Language        string         `yaml:"language"`
}

func parseStep(file string, n *yaml.Node) (Step, error) {
	var raw rawStep
	dec := n
	if err := dec.Decode(&raw); err != nil {
		return Step{}, errAt(file, n, "%v", err)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "after", "guest", "tap", "confirm_payment", "staff_release", "payment_rejected", "bot", "not_contains",
			"regex", "exact", "replies", "silent", "buttons", "intent", "slots", "handoff", "language":
		default:
			return Step{}, errAt(file, n.Content[i], "unknown step field %q", n.Content[i].Value)
		}
	}
	st := Step{Line: n.Line, Guest: raw.Guest, Tap: raw.Tap, Confirm: raw.Confirm, Release: raw.Release, PaymentRejected: raw.PaymentRejected}
	actions := 0
	for _, set := range []bool{raw.Guest != "", raw.Tap != "", raw.Confirm != "", raw.Release, raw.PaymentRejected} {
		if set {
			actions++
		}
	}
	if actions != 1 {
		return Step{}, errAt(file, n, "a step needs exactly one of guest, tap, confirm_payment, staff_release, payment_rejected")
	}
	if raw.After != "" {
		d, err := time.ParseDuration(raw.After)
		if err != nil || d < 0 {
			return Step{}, errAt(file, n, "after must be a duration such as 13h or 90s")
		}
		st.After = d
	}
	switch raw.Bot.Kind {
	case 0:
	case yaml.ScalarNode:
		st.Expect.Contains = []string{raw.Bot.Value}
	case yaml.SequenceNode:
		if err := raw.Bot.Decode(&st.Expect.Contains); err != nil {
			return Step{}, errAt(file, &raw.Bot, "bot: %v", err)
		}
	default:
		return Step{}, errAt(file, &raw.Bot, "bot is a text the reply contains, or a list of them")
	}
	for _, re := range raw.Regex {
		if _, err := regexp.Compile(re); err != nil {
			return Step{}, errAt(file, n, "bad regex %q: %v", re, err)
		}
	}
	st.Expect.NotContains, st.Expect.Regex, st.Expect.Exact = raw.NotContains, raw.Regex, raw.Exact
	st.Expect.Replies, st.Expect.Silent, st.Expect.Buttons = raw.Replies, raw.Silent, raw.Buttons
	st.Expect.Intent, st.Expect.Handoff, st.Expect.Language = raw.Intent, raw.Handoff, raw.Language
	if raw.Slots != nil {
		st.Expect.Slots = map[string]any{}
		for k, v := range raw.Slots {
			st.Expect.Slots[k] = v
		}
	}
	return st, nil
}

// Run plays one story on a fresh bot.
func Run(ctx context.Context, s *Story, newBot NewBot) Result {
	res := Result{Story: s}
	bot, err := newBot(ctx, s)
	if err != nil {
		res.Failures = append(res.Failures, fmt.Sprintf("start the bot: %v", err))
		return res
	}
	defer bot.Close()
	now := s.Now
	// shown is every reply of the story so far, for taps.
	var shown []Reply
	for i, st := range s.Steps {
		now = now.Add(st.After)
		var turn Turn
		var what string
		switch {
		case st.Guest != "":
			what = fmt.Sprintf("guest %q", st.Guest)
			res.Transcript = append(res.Transcript, "guest: "+st.Guest)
			turn, err = bot.Say(ctx, st.Guest, now)
		case st.Tap != "":
			what = fmt.Sprintf("tap %q", st.Tap)
			res.Transcript = append(res.Transcript, "guest taps: "+st.Tap)
			id, ok := buttonID(shown, st.Tap)
			if !ok {
				res.Failures = append(res.Failures, fmt.Sprintf("%s:%d: step %d (%s): the bot showed no quick reply %q", s.File, st.Line, i+1, what, st.Tap))
				return res
			}
			turn, err = bot.Tap(ctx, id, st.Tap, now)
		case st.Confirm != "":
			what = "confirm payment " + st.Confirm
			res.Transcript = append(res.Transcript, "staff: confirm payment of "+st.Confirm)
			turn, err = bot.Confirm(ctx, st.Confirm, now)
		case st.Release:
			what = "staff release"
			res.Transcript = append(res.Transcript, "staff: release")
			turn, err = bot.Release(ctx, now)
		case st.PaymentRejected:
			what = "payment rejected"
			res.Transcript = append(res.Transcript, "payment: rejected")
			turn, err = bot.PaymentRejected(ctx, now)
		}
		for _, r := range turn.Replies {
			line := "bot: " + r.Text
			if len(r.Buttons) > 0 {
				line += " [" + strings.Join(r.Buttons, " | ") + "]"
			}
			res.Transcript = append(res.Transcript, line)
		}
		where := fmt.Sprintf("%s:%d: step %d (%s)", s.File, st.Line, i+1, what)
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", where, err))
			return res
		}
		for _, f := range check(st.Expect, turn) {
			res.Failures = append(res.Failures, where+": "+f)
		}
		shown = append(shown, turn.Replies...)
	}
	return res
}

// buttonID finds the id of the quick reply titled title among the replies, the latest first.
func buttonID(replies []Reply, title string) (string, bool) {
	for i := len(replies) - 1; i >= 0; i-- {
		r := replies[i]
		for j, b := range r.Buttons {
			if b == title && j < len(r.ButtonIDs) {
				return r.ButtonIDs[j], true
			}
		}
	}
	return "", false
}

func check(e Expect, t Turn) []string {
	var fails []string
	var texts []string
	for _, r := range t.Replies {
		texts = append(texts, r.Text)
	}
	all := strings.Join(texts, "\n")
	for _, c := range e.Contains {
		if !strings.Contains(all, c) {
			fails = append(fails, fmt.Sprintf("bot should say %q; it said %q", c, all))
		}
	}
	for _, c := range e.NotContains {
		if strings.Contains(all, c) {
			fails = append(fails, fmt.Sprintf("bot should not say %q; it said %q", c, all))
		}
	}
	for _, re := range e.Regex {
		if !regexp.MustCompile(re).MatchString(all) {
			fails = append(fails, fmt.Sprintf("bot should match /%s/; it said %q", re, all))
		}
	}
	if e.Exact != nil && all != *e.Exact {
		fails = append(fails, fmt.Sprintf("bot should say exactly %q; it said %q", *e.Exact, all))
	}
	if e.Replies != nil && len(t.Replies) != *e.Replies {
		fails = append(fails, fmt.Sprintf("want %d replies, got %d", *e.Replies, len(t.Replies)))
	}
	if e.Silent && len(t.Replies) > 0 {
		fails = append(fails, fmt.Sprintf("bot should stay silent; it said %q", all))
	}
	if e.Buttons != nil {
		var got []string
		if len(t.Replies) > 0 {
			got = t.Replies[len(t.Replies)-1].Buttons
		}
		if !reflect.DeepEqual(e.Buttons, got) && !(len(e.Buttons) == 0 && len(got) == 0) {
			fails = append(fails, fmt.Sprintf("want buttons %q, got %q", e.Buttons, got))
		}
	}
	if e.Intent != "" && e.Intent != t.Intent {
		fails = append(fails, fmt.Sprintf("want intent %s, got %s", e.Intent, t.Intent))
	}
	keys := make([]string, 0, len(e.Slots))
	for k := range e.Slots {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, got := e.Slots[k], t.Slots[k]
		if !sameValue(want, got) {
			fails = append(fails, fmt.Sprintf("want slot %s = %v, got %v", k, want, got))
		}
	}
	if e.Handoff != nil && *e.Handoff != t.Escalated {
		fails = append(fails, fmt.Sprintf("want handed to a person = %v, got %v", *e.Handoff, t.Escalated))
	}
	if e.Language != "" && e.Language != t.Language {
		fails = append(fails, fmt.Sprintf("want language %s, got %s", e.Language, t.Language))
	}
	return fails
}

// sameValue compares a YAML value with a slot: numbers by value, nil means unset.
func sameValue(want, got any) bool {
	if want == nil {
		return got == nil
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}
