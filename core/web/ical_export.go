package web

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/web/clientip"
)

// ICalExporter is what the export route needs of core/calendar.
type ICalExporter interface {
	Verify(unitID int64, token string) (portal string, ok bool)
	Feed(ctx context.Context, unitID int64, portal string) ([]byte, error)
	RecordFetch(ctx context.Context, unitID int64, portal, userAgent, remoteAddr string) error
}

var _ ICalExporter = (*calendar.Exporter)(nil)

// ICalExport serves GET /ical/accommodation/{id}/{token}.ics to the portals.
type ICalExport struct {
	exp ICalExporter
	log *slog.Logger
}

var _ Mounter = (*ICalExport)(nil)

// NewICalExport returns the export route over exp.
func NewICalExport(exp ICalExporter, log *slog.Logger) *ICalExport {
	if log == nil {
		log = slog.Default()
	}
	return &ICalExport{exp: exp, log: log}
}

// Mount implements Mounter.
func (h *ICalExport) Mount(r fiber.Router) {
	r.Get("/ical/accommodation/:id/:file", h.serve)
}

// serve answers every failure (bad id, bad token, unknown unit) with the same 404, so the
// route tells nothing to someone guessing URLs.
func (h *ICalExport) serve(c *fiber.Ctx) error {
	notFound := &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such calendar"}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	token, isICS := strings.CutSuffix(c.Params("file"), ".ics")
	if err != nil || id <= 0 || !isICS {
		return notFound
	}
	portal, ok := h.exp.Verify(id, token)
	if !ok {
		return notFound
	}
	ctx := c.UserContext()
	body, err := h.exp.Feed(ctx, id, portal)
	if errors.Is(err, calendar.ErrUnknownExport) {
		return notFound
	}
	if err != nil {
		return err
	}
	// A failed record must not cost the portal its calendar: log it and serve.
	if err := h.exp.RecordFetch(ctx, id, portal, c.Get(fiber.HeaderUserAgent), clientip.From(c)); err != nil {
		h.log.WarnContext(ctx, "record ical export fetch", "unit", id, "portal", portal, "err", err)
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="conserje-`+strconv.FormatInt(id, 10)+`.ics"`)
	return c.Send(body)
}
