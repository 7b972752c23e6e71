// Package builtin owns the actions conserje ships for dialogs: availability, quotes,
// holds and their extension, payment details, property information and the handoff to a
// person. They reach the booking engine, payment plugins and staff through small
// interfaces declared here, and return plain data the dialog's templates and conditions
// read. Register puts them in a dialog.Registry under the "builtin" namespace.
package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
)

// Booking is what the actions need from the booking engine (*booking.Service).
type Booking interface {
	Search(ctx context.Context, req booking.SearchRequest) (booking.SearchResult, error)
	Quote(ctx context.Context, unitID int64, stay booking.Stay, guests int) (booking.Quote, error)
	Hold(ctx context.Context, req booking.HoldRequest) (booking.Reservation, error)
	Extend(ctx context.Context, code string) (booking.Reservation, error)
	Get(ctx context.Context, code string) (booking.Reservation, error)
	Cancel(ctx context.Context, code, reason string) (booking.Reservation, error)
	DefaultProperty(ctx context.Context) (booking.PropertyInfo, error)
}

var _ Booking = (*booking.Service)(nil)

// PaymentLinks creates a payment link for a deposit; it is a payment plugin (Mercado
// Pago) when one is configured. Without it guests pay by bank transfer.
type PaymentLinks interface {
	CreateLink(ctx context.Context, req LinkRequest) (url string, err error)
}

// LinkRequest asks for a link to pay a reservation's deposit.
type LinkRequest struct {
	Code        string
	AmountCents int64
	Description string
	ExpiresAt   time.Time
}

// Policies reads the property's written policies (cancellation, children, pets...).
type Policies interface {
	Policies(ctx context.Context, propertyID int64) (map[string]any, error)
}

// StaffNotifier tells staff a conversation needs a person (a push, an email); optional:
// escalated conversations also show in the admin.
type StaffNotifier interface {
	NotifyHandoff(ctx context.Context, conversationID int64, reason string) error
}

// Deps are the actions' collaborators. Booking is required.
type Deps struct {
	Booking  Booking
	Payments PaymentLinks
	Policies Policies
	Staff    StaffNotifier
	Logger   *slog.Logger
	// PropertyTTL is how long property data is cached (default 30 s): it is read on every
	// turn for templates and changes rarely.
	PropertyTTL time.Duration
	// MaxNights is the longest stay taken (booking.max_nights; booking.MaxNights when 0).
	MaxNights int
	// MaxAdvanceDays is how far ahead a stay may start (booking.max_advance_days;
	// booking.DefaultMaxAdvanceDays when 0): the bot says so instead of "no room".
	MaxAdvanceDays int
	// BotMaxNights is the longest stay the bot holds (booking.bot_max_nights;
	// booking.DefaultBotMaxNights when 0): longer ones go to staff, and the message says
	// the limit.
	BotMaxNights int
}

// Names are the built-in actions, as dialogs name them.
var Names = []string{
	"buscar_disponibilidad", "cotizar", "pre_reservar", "extender_hold", "datos_pago",
	"info_servicios", "info_ubicacion", "info_politicas", "info_pago", "precios_base", "liberar_hold", "derivar_humano",
}

// Actions holds the built-ins and their shared property cache.
type Actions struct {
	deps Deps
	log  *slog.Logger

	mu       sync.Mutex
	prop     *booking.PropertyInfo
	propErr  error
	propTime time.Time
}

// New returns the built-in actions over deps.
func New(deps Deps) (*Actions, error) {
	if deps.Booking == nil {
		return nil, errors.New("builtin actions: a booking engine is required")
	}
	if deps.MaxNights <= 0 {
		deps.MaxNights = booking.MaxNights
	}
	if deps.MaxAdvanceDays <= 0 {
		deps.MaxAdvanceDays = booking.DefaultMaxAdvanceDays
	}
	if deps.BotMaxNights <= 0 {
		deps.BotMaxNights = booking.DefaultBotMaxNights
	}
	if deps.PropertyTTL <= 0 {
		deps.PropertyTTL = 30 * time.Second
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Actions{deps: deps, log: log}, nil
}

// Register adds every built-in to reg; a name already taken fails.
func (a *Actions) Register(reg *dialog.Registry) error {
	fns := map[string]dialog.ActionFunc{
		"buscar_disponibilidad": a.buscarDisponibilidad,
		"cotizar":               a.cotizar,
		"pre_reservar":          a.preReservar,
		"extender_hold":         a.extenderHold,
		"datos_pago":            a.datosPago,
		"info_servicios":        a.infoServicios,
		"info_ubicacion":        a.infoUbicacion,
		"info_politicas":        a.infoPoliticas,
		"info_pago":             a.infoPago,
		"precios_base":          a.preciosBase,
		"liberar_hold":          a.liberarHold,
		"derivar_humano":        a.derivarHumano,
	}
	for _, name := range Names {
		if err := reg.Register(dialog.BuiltinNamespace, name, fns[name]); err != nil {
			return err
		}
	}
	return nil
}

// Ambient gives templates the property as `property`.
func (a *Actions) Ambient(ctx context.Context) (map[string]any, error) {
	p, err := a.property(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"name": p.Name, "address": p.Address, "city": p.City, "province": p.Province,
		"map_url": p.MapURL, "phone": p.Phone, "email": p.Email,
		"check_in_time": p.CheckInTime, "check_out_time": p.CheckOutTime,
		"deposit_percent": p.DepositPercent,
	}, nil
}

var _ dialog.Ambient = (*Actions)(nil)

// InvalidateProperty drops the cached property (after an admin edit).
func (a *Actions) InvalidateProperty() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.prop, a.propErr = nil, nil
}

func (a *Actions) property(ctx context.Context) (booking.PropertyInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prop != nil && time.Since(a.propTime) < a.deps.PropertyTTL {
		return *a.prop, nil
	}
	p, err := a.deps.Booking.DefaultProperty(ctx)
	if err != nil {
		return booking.PropertyInfo{}, fmt.Errorf("property: %w", err)
	}
	a.prop, a.propTime = &p, time.Now()
	return p, nil
}

// StorePolicies reads policies from the properties table.
type StorePolicies struct{ DB *store.DB }

var _ Policies = StorePolicies{}

// Policies returns the property's policies JSON as a map.
func (s StorePolicies) Policies(ctx context.Context, propertyID int64) (map[string]any, error) {
	var raw []byte
	err := s.DB.NewSelect().Table("properties").Column("policies").Where("id = ?", propertyID).Limit(1).Scan(ctx, &raw)
	if err != nil {
		return nil, fmt.Errorf("read policies of property %d: %w", propertyID, err)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("decode policies of property %d: %w", propertyID, err)
		}
	}
	return out, nil
}

// ErrNotConnected is returned by actions declared with Declare: they exist for checking a
// dialog (`conserje dialog validate`) and have no booking engine to act on.
var ErrNotConnected = errors.New("builtin action declared for validation only: not connected to a booking engine")

// Declare registers the built-in names without a booking engine, so a dialog can be
// validated offline; running one fails with ErrNotConnected.
func Declare(reg *dialog.Registry) error {
	for _, name := range Names {
		err := reg.Register(dialog.BuiltinNamespace, name, dialog.ActionFunc(func(context.Context, dialog.Call) (dialog.Result, error) {
			return dialog.Result{}, ErrNotConnected
		}))
		if err != nil {
			return err
		}
	}
	return nil
}
