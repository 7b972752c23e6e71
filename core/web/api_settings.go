package web

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// SettingsService is what the settings API needs (*settings.Service).
type SettingsService interface {
	Property(ctx context.Context) (settings.Property, error)
	SaveProperty(ctx context.Context, actor string, p settings.Property) (settings.Property, error)
	Unit(ctx context.Context, id int64) (settings.Unit, error)
	CreateUnit(ctx context.Context, actor string, u settings.Unit) (settings.Unit, error)
	UpdateUnit(ctx context.Context, actor string, u settings.Unit) (settings.Unit, error)
	Rules(ctx context.Context) ([]settings.Rule, error)
	Rule(ctx context.Context, id int64) (settings.Rule, error)
	CreateRule(ctx context.Context, actor string, r settings.Rule) (settings.Rule, error)
	UpdateRule(ctx context.Context, actor string, r settings.Rule) (settings.Rule, error)
	DeleteRule(ctx context.Context, actor string, id int64) error
	Feeds(ctx context.Context) ([]store.CalendarFeed, error)
	AddFeed(ctx context.Context, actor string, in calendar.NewFeed) (store.CalendarFeed, error)
	RemoveFeed(ctx context.Context, actor string, id int64) error
	SetFeedPaused(ctx context.Context, actor string, id int64, paused bool) (store.CalendarFeed, error)
}

var _ SettingsService = (*settings.Service)(nil)

// apiActor names the bearer API in the settings audit.
const apiActor = "api"

// SettingsAPI lets scripts set up the property, units, pricing rules and portal feeds
// under /api/v1 with the booking API's bearer token (docs/settings.md).
type SettingsAPI struct {
	svc  SettingsService
	auth fiber.Handler
}

var _ Mounter = (*SettingsAPI)(nil)

// NewSettingsAPI returns the settings API over svc, behind the token of api.
func NewSettingsAPI(svc SettingsService, api *BookingAPI) *SettingsAPI {
	return &SettingsAPI{svc: svc, auth: api.auth}
}

// Mount implements Mounter.
func (h *SettingsAPI) Mount(r fiber.Router) {
	g := r.Group("/api/v1")
	g.Post("/accommodations", h.auth, h.createUnit)
	g.Patch("/accommodations/:id", h.auth, h.patchUnit)
	g.Get("/property", h.auth, h.getProperty)
	g.Patch("/property", h.auth, h.patchProperty)
	g.Get("/pricing-rules", h.auth, h.listRules)
	g.Post("/pricing-rules", h.auth, h.createRule)
	g.Patch("/pricing-rules/:id", h.auth, h.patchRule)
	g.Delete("/pricing-rules/:id", h.auth, h.deleteRule)
	g.Get("/calendar-feeds", h.auth, h.listFeeds)
	g.Post("/calendar-feeds", h.auth, h.createFeed)
	g.Patch("/calendar-feeds/:id", h.auth, h.patchFeed)
	g.Delete("/calendar-feeds/:id", h.auth, h.deleteFeed)
}

// settingsError maps the settings' outcomes to API errors.
func settingsError(err error, what string) error {
	var ve *settings.ValidationError
	switch {
	case errors.As(err, &ve):
		return invalid(ve.Fields)
	case errors.Is(err, settings.ErrNotFound):
		return &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such " + what}
	}
	return err
}

func pathID(c *fiber.Ctx, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such " + what}
	}
	return id, nil
}

// unitBody is what POST /accommodations accepts: the fields GET returns (id and slug
// are assigned) plus base_occupancy and photos_url.
type unitBody struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Capacity       int      `json:"capacity"`
	BaseOccupancy  int      `json:"base_occupancy"`
	BasePriceCents int64    `json:"base_price_cents"`
	Amenities      []string `json:"amenities"`
	Description    string   `json:"description"`
	PhotosURL      string   `json:"photos_url"`
}

func (h *SettingsAPI) createUnit(c *fiber.Ctx) error {
	var b unitBody
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	u, err := h.svc.CreateUnit(c.UserContext(), apiActor, settings.Unit{Name: b.Name, Type: b.Type, Capacity: b.Capacity,
		BaseOccupancy: b.BaseOccupancy, BasePriceCents: b.BasePriceCents, Amenities: b.Amenities, Description: b.Description, PhotosURL: b.PhotosURL})
	if err != nil {
		return settingsError(err, "accommodation")
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

// patchUnit changes the fields sent (name, type, capacity, base_occupancy,
// base_price_cents, amenities, description, photos_url, active).
func (h *SettingsAPI) patchUnit(c *fiber.Ctx) error {
	id, err := pathID(c, "accommodation")
	if err != nil {
		return err
	}
	cur, err := h.svc.Unit(c.UserContext(), id)
	if err != nil {
		return settingsError(err, "accommodation")
	}
	b := struct {
		unitBody
		Active bool `json:"active"`
	}{unitBody{Name: cur.Name, Type: cur.Type, Capacity: cur.Capacity, BaseOccupancy: cur.BaseOccupancy, BasePriceCents: cur.BasePriceCents,
		Amenities: cur.Amenities, Description: cur.Description, PhotosURL: cur.PhotosURL}, cur.Active}
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	u, err := h.svc.UpdateUnit(c.UserContext(), apiActor, settings.Unit{ID: id, Name: b.Name, Type: b.Type, Capacity: b.Capacity,
		BaseOccupancy: b.BaseOccupancy, BasePriceCents: b.BasePriceCents, Amenities: b.Amenities, Description: b.Description,
		PhotosURL: b.PhotosURL, Active: b.Active})
	if err != nil {
		return settingsError(err, "accommodation")
	}
	return c.JSON(u)
}

func (h *SettingsAPI) getProperty(c *fiber.Ctx) error {
	p, err := h.svc.Property(c.UserContext())
	if err != nil {
		return settingsError(err, "property (set it up with PATCH /api/v1/property)")
	}
	return c.JSON(p)
}

// patchProperty changes the fields sent; on a fresh install it creates the property.
func (h *SettingsAPI) patchProperty(c *fiber.Ctx) error {
	p, err := h.svc.Property(c.UserContext())
	if errors.Is(err, settings.ErrNotFound) {
		p = settings.NewProperty()
	} else if err != nil {
		return err
	}
	id := p.ID
	if err := decodeStrict(c, &p, false); err != nil {
		return err
	}
	p.ID = id
	saved, err := h.svc.SaveProperty(c.UserContext(), apiActor, p)
	if err != nil {
		return settingsError(err, "property")
	}
	return c.JSON(saved)
}

func (h *SettingsAPI) listRules(c *fiber.Ctx) error {
	rules, err := h.svc.Rules(c.UserContext())
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []settings.Rule{}
	}
	return c.JSON(fiber.Map{"pricing_rules": rules})
}

// ruleBody is a pricing rule as sent (id and active are not set by POST).
type ruleBody struct {
	AccommodationID *int64      `json:"accommodation_id"`
	Kind            string      `json:"kind"`
	Name            string      `json:"name"`
	StartDate       *store.Date `json:"start_date"`
	EndDate         *store.Date `json:"end_date"`
	Priority        int         `json:"priority"`
	MultiplierBP    *int        `json:"multiplier_bp"`
	AmountCents     *int64      `json:"amount_cents"`
	PercentBP       *int        `json:"percent_bp"`
	Nights          *int        `json:"nights"`
}

func (b ruleBody) rule() settings.Rule {
	return settings.Rule{AccommodationID: b.AccommodationID, Kind: b.Kind, Name: b.Name, StartDate: b.StartDate, EndDate: b.EndDate,
		Priority: b.Priority, MultiplierBP: b.MultiplierBP, AmountCents: b.AmountCents, PercentBP: b.PercentBP, Nights: b.Nights}
}

func (h *SettingsAPI) createRule(c *fiber.Ctx) error {
	var b ruleBody
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	r, err := h.svc.CreateRule(c.UserContext(), apiActor, b.rule())
	if err != nil {
		return settingsError(err, "pricing rule")
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (h *SettingsAPI) patchRule(c *fiber.Ctx) error {
	id, err := pathID(c, "pricing rule")
	if err != nil {
		return err
	}
	cur, err := h.svc.Rule(c.UserContext(), id)
	if err != nil {
		return settingsError(err, "pricing rule")
	}
	b := struct {
		ruleBody
		Active bool `json:"active"`
	}{ruleBody{AccommodationID: cur.AccommodationID, Kind: cur.Kind, Name: cur.Name, StartDate: cur.StartDate, EndDate: cur.EndDate,
		Priority: cur.Priority, MultiplierBP: cur.MultiplierBP, AmountCents: cur.AmountCents, PercentBP: cur.PercentBP, Nights: cur.Nights}, cur.Active}
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	r := b.rule()
	r.ID, r.Active = id, b.Active
	saved, err := h.svc.UpdateRule(c.UserContext(), apiActor, r)
	if err != nil {
		return settingsError(err, "pricing rule")
	}
	return c.JSON(saved)
}

func (h *SettingsAPI) deleteRule(c *fiber.Ctx) error {
	id, err := pathID(c, "pricing rule")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteRule(c.UserContext(), apiActor, id); err != nil {
		return settingsError(err, "pricing rule")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type feedJSON struct {
	ID              int64  `json:"id"`
	AccommodationID int64  `json:"accommodation_id"`
	Platform        string `json:"platform"`
	URL             string `json:"url"`
	Enabled         bool   `json:"enabled"`
	// Paused is !Enabled, the name PATCH takes.
	Paused        bool   `json:"paused"`
	EndInclusive  bool   `json:"end_inclusive"`
	LastStatus    string `json:"last_status"`
	LastError     string `json:"last_error"`
	LastSuccessAt any    `json:"last_success_at"`
	EventCount    int    `json:"event_count"`
}

func feedFrom(f store.CalendarFeed) feedJSON {
	return feedJSON{ID: f.ID, AccommodationID: f.AccommodationID, Platform: f.Platform, URL: f.URL, Enabled: f.Enabled, Paused: !f.Enabled,
		EndInclusive: f.EndInclusive, LastStatus: f.LastStatus, LastError: f.LastError, LastSuccessAt: rfc3339(f.LastSuccessAt), EventCount: f.EventCount}
}

func (h *SettingsAPI) listFeeds(c *fiber.Ctx) error {
	feeds, err := h.svc.Feeds(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]feedJSON, len(feeds))
	for i, f := range feeds {
		out[i] = feedFrom(f)
	}
	return c.JSON(fiber.Map{"calendar_feeds": out})
}

type feedBody struct {
	AccommodationID int64  `json:"accommodation_id"`
	Platform        string `json:"platform"`
	URL             string `json:"url"`
	EndInclusive    bool   `json:"end_inclusive"`
}

func (h *SettingsAPI) createFeed(c *fiber.Ctx) error {
	var b feedBody
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	f, err := h.svc.AddFeed(c.UserContext(), apiActor, calendar.NewFeed{AccommodationID: b.AccommodationID, Platform: b.Platform, URL: b.URL, EndInclusive: b.EndInclusive})
	if err != nil {
		return settingsError(err, "calendar feed")
	}
	return c.Status(fiber.StatusCreated).JSON(feedFrom(f))
}

// feedPatch is what PATCH /calendar-feeds/{id} accepts: pause or resume the feed.
type feedPatch struct {
	Paused *bool `json:"paused"`
}

// patchFeed pauses ({"paused": true}) or resumes ({"paused": false}, read at once) a
// feed and returns it.
func (h *SettingsAPI) patchFeed(c *fiber.Ctx) error {
	id, err := pathID(c, "calendar feed")
	if err != nil {
		return err
	}
	var b feedPatch
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	if b.Paused == nil {
		return invalid(map[string]string{"paused": "required: true to pause the feed, false to resume it"})
	}
	f, err := h.svc.SetFeedPaused(c.UserContext(), apiActor, id, *b.Paused)
	if err != nil {
		return settingsError(err, "calendar feed")
	}
	return c.JSON(feedFrom(f))
}

func (h *SettingsAPI) deleteFeed(c *fiber.Ctx) error {
	id, err := pathID(c, "calendar feed")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveFeed(c.UserContext(), apiActor, id); err != nil {
		return settingsError(err, "calendar feed")
	}
	return c.SendStatus(fiber.StatusNoContent)
}
