package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/settings"
)

// FeedTester reads one feed at once ("test now"; *calendar.Syncer).
type FeedTester interface {
	SyncFeed(ctx context.Context, feedID int64) (calendar.FeedReport, error)
}

var _ FeedTester = (*calendar.Syncer)(nil)

type feedData struct {
	Feeds     []feedRow
	Units     []settings.Unit
	Platforms []string
	Exports   []calendar.ExportURL
	CanTest   bool
	Errors    map[string]string
	Form      map[string]string
}

func (h *Handler) feedTester() FeedTester {
	t, _ := h.opts.Calendar.(FeedTester)
	return t
}

func (h *Handler) feedList(c *fiber.Ctx) error {
	return h.renderFeeds(c, fiber.StatusOK, nil, map[string]string{})
}

func (h *Handler) renderFeeds(c *fiber.Ctx, status int, errs, form map[string]string) error {
	ctx := c.UserContext()
	feeds, err := h.feeds(ctx, false)
	if err != nil {
		return err
	}
	units, err := h.opts.Settings.Units(ctx)
	if err != nil {
		return err
	}
	d := feedData{Feeds: feeds, Units: units, CanTest: h.feedTester() != nil, Errors: errs, Form: form}
	for _, p := range calendar.Platforms {
		d.Platforms = append(d.Platforms, string(p))
	}
	if h.opts.ExportURLs != nil {
		if d.Exports, err = h.opts.ExportURLs(ctx); err != nil {
			return err
		}
	}
	p := page{Title: "Calendarios de portales", Data: d}
	if len(errs) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_feeds", p)
}

func (h *Handler) feedAdd(c *fiber.Ctx) error {
	form := map[string]string{"unit": c.FormValue("unit"), "platform": c.FormValue("platform"), "url": c.FormValue("url")}
	unitID, err := strconv.ParseInt(form["unit"], 10, 64)
	if err != nil {
		return h.renderFeeds(c, fiber.StatusUnprocessableEntity, map[string]string{"unit": "elegí una unidad"}, form)
	}
	_, err = h.opts.Settings.AddFeed(c.UserContext(), actor(c), calendar.NewFeed{
		AccommodationID: unitID, Platform: form["platform"], URL: form["url"], EndInclusive: c.FormValue("end_inclusive") == "on",
	})
	if fields, ok := fieldErrors(err); ok {
		if m, ok := fields["accommodation_id"]; ok {
			fields["unit"] = m
		}
		return h.renderFeeds(c, fiber.StatusUnprocessableEntity, fields, form)
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/feeds", "Calendario agregado: se lee en la próxima sincronización (o probalo ahora)")
}

func (h *Handler) feedRemove(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	err = h.opts.Settings.RemoveFeed(c.UserContext(), actor(c), id)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such feed")
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/feeds", "Calendario quitado: sus noches quedan libres")
}

func (h *Handler) feedTest(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t := h.feedTester()
	if t == nil {
		return fiber.NewError(fiber.StatusNotFound, "no calendar plugin configured")
	}
	rep, err := t.SyncFeed(c.UserContext(), id)
	if errors.Is(err, calendar.ErrFeedNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such feed")
	}
	if err != nil {
		return redirectWith(c, "/admin/settings/feeds", "La lectura falló: "+err.Error())
	}
	msg := fmt.Sprintf("Leído (%s): %d bloqueos, %d nuevos, %d quitados", rep.Status, rep.Events, rep.Added, rep.Removed)
	if rep.Err != nil {
		msg = "La lectura falló: " + rep.Err.Error()
	}
	return redirectWith(c, "/admin/settings/feeds", msg)
}

func (h *Handler) feedPause(c *fiber.Ctx) error { return h.feedSetPaused(c, true) }

func (h *Handler) feedResume(c *fiber.Ctx) error { return h.feedSetPaused(c, false) }

// feedSetPaused pauses or resumes a feed; resuming reads it at once (when a calendar
// plugin is configured) and says how the read went.
func (h *Handler) feedSetPaused(c *fiber.Ctx, paused bool) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	feed, err := h.opts.Settings.SetFeedPaused(c.UserContext(), actor(c), id, paused)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such feed")
	}
	if err != nil {
		return err
	}
	switch {
	case paused:
		return redirectWith(c, "/admin/settings/feeds", "Calendario pausado: no se lee y sus bloqueos quedan como en la última lectura")
	case h.feedTester() == nil:
		return redirectWith(c, "/admin/settings/feeds", "Calendario reanudado: se lee en la próxima sincronización")
	case feed.LastError != "":
		return redirectWith(c, "/admin/settings/feeds", "Calendario reanudado, pero la lectura falló: "+feed.LastError)
	}
	return redirectWith(c, "/admin/settings/feeds", fmt.Sprintf("Calendario reanudado y leído: %d bloqueos", feed.EventCount))
}
