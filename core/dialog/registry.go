package dialog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// BuiltinNamespace is the namespace of the actions conserje ships; dialogs name them
// without a prefix (buscar_disponibilidad), others with theirs (mercadopago.link).
const BuiltinNamespace = "builtin"

// ErrDuplicateAction means two actions were registered under one name.
var ErrDuplicateAction = errors.New("action registered twice")

// Action is a built-in step a dialog can run: search availability, hold a unit, hand off.
type Action interface {
	Run(ctx context.Context, call Call) (Result, error)
}

// ActionFunc adapts a function to Action.
type ActionFunc func(ctx context.Context, call Call) (Result, error)

// Run calls f.
func (f ActionFunc) Run(ctx context.Context, call Call) (Result, error) { return f(ctx, call) }

// Guest is who the conversation is with.
type Guest struct {
	ConversationID int64
	// Channel is the channel instance's configured name (e.g. "whatsapp", "wa-robles"):
	// for logs only, never to decide what Contact is.
	Channel string
	Contact string
	// AddressKind says what Contact is: AddressPhone, AddressEmail, AddressWeb, or
	// "opaque"/"" when unknown.
	AddressKind string
	Name        string
	// Constraints are the relay rules answers to this guest obey (Constraint*): set by
	// the engine from the conversation's state.
	Constraints []string
}

// Allows reports whether answers to the guest may carry what constraint forbids.
func (g Guest) Allows(constraint string) bool { return !slices.Contains(g.Constraints, constraint) }

// Relay constraints a channel puts on the answers to a guest (the channel contract's
// names, sdk/channel Constraint*).
const (
	// ConstraintNoExternalLinks: no URLs, payment links included.
	ConstraintNoExternalLinks = "no_external_links"
	// ConstraintNoContactDetails: no phone numbers or e-mail addresses.
	ConstraintNoContactDetails = "no_contact_details"
	// ConstraintNoOffPlatformPayment: no payment outside the portal (no link, no transfer).
	ConstraintNoOffPlatformPayment = "no_off_platform_payment"
	// ConstraintStayOnRelay: the conversation stays on the portal's alias (Booking.com):
	// answers go only to it and invite no other way of contact.
	ConstraintStayOnRelay = "stay_on_relay"
)

// Address kinds of Guest.Contact.
const (
	AddressPhone = "phone"
	AddressEmail = "email"
	AddressWeb   = "web"
)

// Call is what an action gets: its arguments (the step's with:, evaluated) and the
// conversation around it.
type Call struct {
	Args     map[string]any
	Slots    map[string]any
	Results  map[string]any
	Message  Understanding
	Text     string
	Language string
	Now      time.Time
	Location *time.Location
	Guest    Guest
	// Reason is why the conversation is escalating, for derivar_humano.
	Reason string
}

// Arg returns the argument name, or else the slot of that name.
func (c Call) Arg(name string) any {
	if v, ok := c.Args[name]; ok && v != nil {
		return v
	}
	return c.Slots[name]
}

// Result is what an action returns: data stored under the step's result name (visible to
// conditions and templates), slots it fills, and whether to hand the guest to a person.
type Result struct {
	Data    map[string]any
	Slots   map[string]any
	Handoff string
	// Events name business events the action caused (EventOffer), for the booking funnel.
	Events []string
}

// Business events an action reports in Result.Events; the turn's Output carries them.
const (
	// EventOffer: the guest was shown at least one unit free for their stay, with its price.
	EventOffer = "offer"
)

// Registry maps namespaced names to actions. It is filled at start and read afterwards.
type Registry struct {
	mu      sync.RWMutex
	actions map[string]Action
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{actions: map[string]Action{}} }

var namePart = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Register adds an action as namespace.name; a name taken twice fails with
// ErrDuplicateAction, so two plugins can never silently shadow each other.
func (r *Registry) Register(namespace, name string, a Action) error {
	if !namePart.MatchString(namespace) || !namePart.MatchString(name) {
		return fmt.Errorf("register action %s.%s: names are lower case snake_case", namespace, name)
	}
	if a == nil {
		return fmt.Errorf("register action %s.%s: nil action", namespace, name)
	}
	full := namespace + "." + name
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.actions[full]; dup {
		return fmt.Errorf("register action %s: %w", full, ErrDuplicateAction)
	}
	r.actions[full] = a
	return nil
}

// qualify turns a dialog's reference into the registered name.
func qualify(ref string) string {
	if strings.Contains(ref, ".") {
		return ref
	}
	return BuiltinNamespace + "." + ref
}

// Lookup finds the action a dialog names (bare names are built-ins).
func (r *Registry) Lookup(ref string) (Action, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, ok := r.actions[qualify(ref)]
	return a, ok
}

// Names lists every registered name, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.actions))
	for n := range r.actions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
