package receptionist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/dialog/nluparser"
	"github.com/conserje/conserje/core/store"
)

// Options are what a receptionist is built from.
type Options struct {
	// DB holds the property, its policies and the holidays table.
	DB *store.DB
	// Booking is the booking engine the actions search, quote and hold on.
	Booking *booking.Service
	// Payments makes payment links (nil: the seña is paid by bank transfer).
	Payments builtin.PaymentLinks
	// Staff is told when a conversation is handed to a person (nil: nobody is notified).
	Staff builtin.StaffNotifier
	// Sources are the dialog and its messages.
	Sources dialog.Sources
	// MaxNights is the longest stay taken (booking.max_nights).
	MaxNights int
	// MaxAdvanceDays is how far ahead a stay may start (booking.max_advance_days): the bot
	// says so instead of offering.
	MaxAdvanceDays int
	// FallbackThreshold is the NLU's (nlu.fallback_threshold).
	FallbackThreshold float64
	// Models, when set, shares trained NLU models between receptionists (one per story
	// replayed, one per chat session): a model is trained once per intents and calendar.
	Models *Models
	Logger *slog.Logger
}

// Receptionist is the wired dialog.
type Receptionist struct {
	Actions  *builtin.Actions
	Reloader *dialog.Reloader

	booking *booking.Service
	nlu     nluparser.Options
	models  *Models

	mu       sync.Mutex // serializes RefreshHolidays
	calendar string     // fingerprint of the calendar the NLU was trained with
}

// New wires the receptionist: actions, NLU and dialog reloader (not yet watching files).
func New(ctx context.Context, opts Options) (*Receptionist, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.DB == nil || opts.Booking == nil {
		return nil, fmt.Errorf("receptionist: a database and a booking engine are required")
	}
	acts, err := builtin.New(builtin.Deps{Booking: opts.Booking, Payments: opts.Payments, Staff: opts.Staff,
		Policies: builtin.StorePolicies{DB: opts.DB}, Logger: log, MaxNights: opts.MaxNights,
		MaxAdvanceDays: opts.MaxAdvanceDays, BotMaxNights: opts.Booking.BotMaxNights()})
	if err != nil {
		return nil, fmt.Errorf("receptionist: %w", err)
	}
	reg := dialog.NewRegistry()
	if err := acts.Register(reg); err != nil {
		return nil, fmt.Errorf("receptionist: %w", err)
	}
	// The NLU reads "finde largo" from the same holiday calendar pricing uses, host edits
	// of the holidays table included (RefreshHolidays retrains it after an edit).
	cal, err := opts.Booking.Holidays(ctx)
	if err != nil {
		return nil, fmt.Errorf("receptionist: %w", err)
	}
	r := &Receptionist{Actions: acts, booking: opts.Booking, models: opts.Models,
		nlu: nluparser.Options{FallbackThreshold: opts.FallbackThreshold}, calendar: fingerprint(cal)}
	rl, err := dialog.NewReloader(opts.Sources, reg, r.trainer(cal), dialog.Options{Ambient: acts, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("dialogs in %s and %s: %w", opts.Sources.Dialogs, opts.Sources.Locales, err)
	}
	r.Reloader = rl
	return r, nil
}

// trainer trains the NLU with the holiday calendar cal.
func (r *Receptionist) trainer(cal *holidays.Calendar) dialog.TrainFunc {
	o := r.nlu
	o.Holidays = cal
	if r.models != nil {
		return r.models.trainer(o)
	}
	return nluparser.Trainer(o)
}

// SettingsChanged drops what the bot keeps of the settings: the property it quotes in
// its messages, and the NLU's holiday calendar when the holidays changed. The settings
// broadcast calls it on every replica after any settings change.
func (r *Receptionist) SettingsChanged(ctx context.Context) error {
	r.Actions.InvalidateProperty()
	_, err := r.RefreshHolidays(ctx)
	return err
}

// RefreshHolidays retrains the NLU when the effective holiday calendar (the booking
// engine's, read anew after InvalidateCatalog) differs from the one it was trained with,
// so "el finde largo" names the host's new long weekend on the next message. The engine
// is swapped atomically: turns in flight finish on the previous one. It reports whether
// it retrained.
func (r *Receptionist) RefreshHolidays(ctx context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cal, err := r.booking.Holidays(ctx)
	if err != nil {
		return false, fmt.Errorf("refresh the bot's holidays: %w", err)
	}
	fp := fingerprint(cal)
	if fp == r.calendar {
		return false, nil
	}
	if err := r.Reloader.Retrain(r.trainer(cal)); err != nil {
		return false, fmt.Errorf("refresh the bot's holidays: %w", err)
	}
	r.calendar = fp
	return true, nil
}

// fingerprint identifies a calendar by its holidays: two reads of an unchanged holidays
// table give the same one.
func fingerprint(cal *holidays.Calendar) string {
	h := sha256.New()
	fmt.Fprintln(h, cal.Years())
	for _, d := range cal.All() {
		fmt.Fprintln(h, d.Date.Format(time.DateOnly), d.Key, d.Name, d.Kind, d.MovedFrom.Format(time.DateOnly), d.Provisional)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BookingOptions are the booking engine's limits from the configuration; the caller adds
// its clock, lock and logger.
func BookingOptions(c config.Booking) booking.Options {
	return booking.Options{
		HoldTTL:   c.HoldTTL,
		ExtendBy:  c.Extension,
		MaxNights: c.MaxNights,
		// Limits on the holds the bot makes (issue: one address took every unit off sale).
		BotMaxNights:   c.BotMaxNights,
		HoldsPerHour:   c.HoldsPerHour,
		MaxAdvanceDays: c.MaxAdvanceDays,
	}
}

// Models shares trained NLU models; the zero value is ready to use.
type Models struct {
	mu      sync.Mutex
	cache   map[string]dialog.Understander
	trained int
}

// Trained is how many models were trained (the rest were shared).
func (m *Models) Trained() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.trained
}

// trainer trains with opts, once per set of intents, threshold and holiday calendar.
func (m *Models) trainer(opts nluparser.Options) dialog.TrainFunc {
	train := nluparser.Trainer(opts)
	calendar := fmt.Sprintf("%g %v", opts.FallbackThreshold, opts.Holidays)
	return func(examples map[string][]string) (dialog.Understander, error) {
		key, err := json.Marshal(examples) // map keys marshal sorted: a stable key
		if err != nil {
			return nil, fmt.Errorf("nlu model key: %w", err)
		}
		k := calendar + "\x00" + string(key)
		m.mu.Lock()
		defer m.mu.Unlock()
		if u, ok := m.cache[k]; ok {
			return u, nil
		}
		u, err := train(examples)
		if err != nil {
			return nil, err
		}
		if m.cache == nil {
			m.cache = map[string]dialog.Understander{}
		}
		m.cache[k] = u
		m.trained++
		return u, nil
	}
}
