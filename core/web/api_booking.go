package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/store"
)

// BookingService is what the JSON API needs of the booking engine.
type BookingService interface {
	Units(ctx context.Context) ([]booking.Unit, error)
	Search(ctx context.Context, req booking.SearchRequest) (booking.SearchResult, error)
	Hold(ctx context.Context, req booking.HoldRequest) (booking.Reservation, error)
	Extend(ctx context.Context, code string) (booking.Reservation, error)
	Get(ctx context.Context, code string) (booking.Reservation, error)
	History(ctx context.Context, code string) ([]booking.Event, error)
	Confirm(ctx context.Context, code string, in booking.ConfirmInput) (booking.Reservation, error)
	Cancel(ctx context.Context, code, reason string) (booking.Reservation, error)
	Move(ctx context.Context, code string, m booking.MoveRequest) (booking.Reservation, error)
}

var _ BookingService = (*booking.Service)(nil)

// maxAPIBody is the request body cap of the API (api.md: 1 MiB), enforced here too in
// case the server's global limit is raised for uploads.
const maxAPIBody = 1 << 20

// BookingAPI serves the integrations' JSON API under /api/v1, behind a bearer token.
type BookingAPI struct {
	svc       BookingService
	tokenHash [32]byte
	log       *slog.Logger
}

var _ Mounter = (*BookingAPI)(nil)

// NewBookingAPI returns the API over svc, accepting `Authorization: Bearer <token>`.
func NewBookingAPI(svc BookingService, token string, log *slog.Logger) (*BookingAPI, error) {
	if len(token) < 16 {
		return nil, errors.New("booking api: api.token must be at least 16 characters")
	}
	if log == nil {
		log = slog.Default()
	}
	return &BookingAPI{svc: svc, tokenHash: sha256.Sum256([]byte(token)), log: log}, nil
}

// Mount implements Mounter. Each route carries the auth check itself so the public
// /api/v1/chat mounted by the web chat stays outside the bearer token.
func (h *BookingAPI) Mount(r fiber.Router) {
	g := r.Group("/api/v1")
	g.Get("/accommodations", h.auth, h.listUnits)
	g.Get("/availability", h.auth, h.availability)
	g.Post("/pre-reservations", h.auth, h.createHold)
	g.Post("/pre-reservations/:code/extend", h.auth, h.extend)
	g.Get("/reservations/:code", h.auth, h.getReservation)
	g.Patch("/reservations/:code", h.auth, h.moveReservation)
	g.Post("/reservations/:code/confirm", h.auth, h.confirm)
	g.Post("/reservations/:code/cancel", h.auth, h.cancel)
}

// auth compares SHA-256 digests in constant time, so neither the token's content nor its
// length leaks through timing.
func (h *BookingAPI) auth(c *fiber.Ctx) error {
	if !bearerMatches(c, h.tokenHash) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="conserje"`)
		return &APIError{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "send Authorization: Bearer <api.token>"}
	}
	return c.Next()
}

// bearerMatches reports whether the request carries "Authorization: Bearer <token>" for the
// token whose SHA-256 digest is want, compared in constant time.
func bearerMatches(c *fiber.Ctx, want [32]byte) bool {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return ok && strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

type unitJSON struct {
	ID             int64    `json:"id"`
	Slug           string   `json:"slug"`
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Capacity       int      `json:"capacity"`
	BasePriceCents int64    `json:"base_price_cents"`
	Amenities      []string `json:"amenities"`
	Description    string   `json:"description"`
}

func (h *BookingAPI) listUnits(c *fiber.Ctx) error {
	units, err := h.svc.Units(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]unitJSON, len(units))
	for i, u := range units {
		out[i] = unitJSON{ID: u.ID, Slug: u.Slug, Name: u.Name, Type: u.Type, Capacity: u.Capacity,
			BasePriceCents: u.BasePriceCents, Amenities: u.Amenities, Description: u.Description}
	}
	return c.JSON(fiber.Map{"accommodations": out})
}

type nightJSON struct {
	Date       string `json:"date"`
	PriceCents int64  `json:"price_cents"`
	Reason     string `json:"reason"`
}

type offerJSON struct {
	AccommodationID int64       `json:"accommodation_id"`
	Name            string      `json:"name"`
	CheckIn         string      `json:"check_in"`
	CheckOut        string      `json:"check_out"`
	Nights          int         `json:"nights"`
	TotalCents      int64       `json:"total_cents"`
	DepositCents    int64       `json:"deposit_cents"`
	DiscountCents   int64       `json:"discount_cents,omitempty"`
	CleaningCents   int64       `json:"cleaning_cents,omitempty"`
	Nightly         []nightJSON `json:"nightly"`
}

type alternativeJSON struct {
	Kind string `json:"kind"`
	offerJSON
	ShiftDays int `json:"shift_days,omitempty"`
}

func offerFrom(u booking.Unit, q booking.Quote) offerJSON {
	o := offerJSON{AccommodationID: u.ID, Name: u.Name, CheckIn: q.Stay.CheckIn.String(), CheckOut: q.Stay.CheckOut.String(),
		Nights: q.Stay.Nights(), TotalCents: q.TotalCents, DepositCents: q.DepositCents,
		DiscountCents: q.DiscountCents, CleaningCents: q.CleaningCents, Nightly: make([]nightJSON, len(q.Nights))}
	for i, n := range q.Nights {
		o.Nightly[i] = nightJSON{Date: n.Date.String(), PriceCents: n.PriceCents, Reason: n.Reason}
	}
	return o
}

type conflictJSON struct {
	Kind     string `json:"kind"`
	Code     string `json:"code,omitempty"`
	Portal   string `json:"portal,omitempty"`
	CheckIn  string `json:"check_in"`
	CheckOut string `json:"check_out"`
}

func conflictsJSON(cs []booking.Conflict) []conflictJSON {
	out := make([]conflictJSON, len(cs))
	for i, c := range cs {
		out[i] = conflictJSON{Kind: c.Kind, Code: c.Code, Portal: c.Portal, CheckIn: c.Stay.CheckIn.String(), CheckOut: c.Stay.CheckOut.String()}
	}
	return out
}

func alternativesJSON(alts []booking.Alternative) []alternativeJSON {
	out := make([]alternativeJSON, len(alts))
	for i, a := range alts {
		out[i] = alternativeJSON{Kind: a.Kind, offerJSON: offerFrom(a.Unit, a.Quote), ShiftDays: a.ShiftDays}
	}
	return out
}

func (h *BookingAPI) availability(c *fiber.Ctx) error {
	fields := map[string]string{}
	var req booking.SearchRequest
	req.Stay.CheckIn = parseDateField(c.Query("check_in"), "check_in", fields)
	req.Stay.CheckOut = parseDateField(c.Query("check_out"), "check_out", fields)
	req.Guests = parseIntField(c.Query("guests"), "guests", fields)
	req.UnitType = c.Query("unit_type")
	for _, a := range strings.Split(c.Query("amenities"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			req.Amenities = append(req.Amenities, a)
		}
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	res, err := h.svc.Search(c.UserContext(), req)
	if err != nil {
		return mapBookingError(err)
	}
	offers := make([]offerJSON, len(res.Offers))
	for i, o := range res.Offers {
		offers[i] = offerFrom(o.Unit, o.Quote)
	}
	body := fiber.Map{"offers": offers, "alternatives": alternativesJSON(res.Alternatives)}
	if res.MinStay != nil {
		body["min_stay"] = fiber.Map{"min_nights": res.MinStay.Required, "reason": res.MinStay.Reason}
	}
	return c.JSON(body)
}

type guestJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type holdRequestJSON struct {
	AccommodationID *int64    `json:"accommodation_id"`
	CheckIn         string    `json:"check_in"`
	CheckOut        string    `json:"check_out"`
	Guests          *int      `json:"guests"`
	Guest           guestJSON `json:"guest"`
}

func (h *BookingAPI) createHold(c *fiber.Ctx) error {
	var body holdRequestJSON
	if err := decodeStrict(c, &body, false); err != nil {
		return err
	}
	fields := map[string]string{}
	req := booking.HoldRequest{Source: "api", Guest: booking.Guest(body.Guest)}
	if body.AccommodationID == nil {
		fields["accommodation_id"] = "required"
	} else {
		req.UnitID = *body.AccommodationID
	}
	req.Stay.CheckIn = parseDateField(body.CheckIn, "check_in", fields)
	req.Stay.CheckOut = parseDateField(body.CheckOut, "check_out", fields)
	if body.Guests == nil {
		fields["guests"] = "required"
	} else {
		req.Guests = *body.Guests
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	res, err := h.svc.Hold(c.UserContext(), req)
	if err != nil {
		return mapBookingError(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"code": res.Code, "status": res.Status, "expires_at": rfc3339(res.ExpiresAt),
		"accommodation_id": res.UnitID, "check_in": res.Stay.CheckIn.String(), "check_out": res.Stay.CheckOut.String(),
		"total_cents": res.TotalCents, "deposit_cents": res.DepositCents,
	})
}

func (h *BookingAPI) extend(c *fiber.Ctx) error {
	res, err := h.svc.Extend(c.UserContext(), c.Params("code"))
	if err != nil {
		return mapBookingError(err)
	}
	return c.JSON(fiber.Map{"code": res.Code, "status": res.Status, "expires_at": rfc3339(res.ExpiresAt)})
}

type historyJSON struct {
	Status string `json:"status"`
	Event  string `json:"event"`
	At     string `json:"at"`
}

func (h *BookingAPI) getReservation(c *fiber.Ctx) error {
	code := c.Params("code")
	res, err := h.svc.Get(c.UserContext(), code)
	if err != nil {
		return mapBookingError(err)
	}
	events, err := h.svc.History(c.UserContext(), code)
	if err != nil {
		return err
	}
	hist := make([]historyJSON, len(events))
	for i, e := range events {
		hist[i] = historyJSON{Status: e.StatusAfter(), Event: e.Type, At: e.At.Format(time.RFC3339)}
	}
	return c.JSON(reservationJSON(res, hist))
}

func reservationJSON(r booking.Reservation, hist []historyJSON) fiber.Map {
	nightly := make([]nightJSON, len(r.Quote.Nights))
	for i, n := range r.Quote.Nights {
		nightly[i] = nightJSON{Date: n.Date.String(), PriceCents: n.PriceCents, Reason: n.Reason}
	}
	m := fiber.Map{
		"code": r.Code, "status": r.Status, "accommodation_id": r.UnitID,
		"check_in": r.Stay.CheckIn.String(), "check_out": r.Stay.CheckOut.String(), "nights": r.Stay.Nights(),
		"guests": r.Guests, "guest": guestJSON(r.Guest),
		"total_cents": r.TotalCents, "deposit_cents": r.DepositCents, "paid_cents": r.PaidCents,
		"nightly": nightly, "source": r.Source, "extended": r.ExtendedAt != nil,
		"expires_at": rfc3339(r.ExpiresAt), "confirmed_at": rfc3339(r.ConfirmedAt), "cancelled_at": rfc3339(r.CancelledAt),
		"created_at": r.CreatedAt.Format(time.RFC3339),
	}
	if hist != nil {
		m["history"] = hist
	}
	return m
}

type confirmJSON struct {
	PaidCents *int64 `json:"paid_cents"`
}

func (h *BookingAPI) confirm(c *fiber.Ctx) error {
	var body confirmJSON
	if err := decodeStrict(c, &body, true); err != nil {
		return err
	}
	in := booking.ConfirmInput{By: "api"}
	if body.PaidCents != nil {
		if *body.PaidCents < 0 {
			return invalid(map[string]string{"paid_cents": "must not be negative"})
		}
		in.PaidCents = *body.PaidCents
	}
	res, err := h.svc.Confirm(c.UserContext(), c.Params("code"), in)
	if err != nil {
		return mapBookingError(err)
	}
	return c.JSON(reservationJSON(res, nil))
}

type cancelJSON struct {
	Reason string `json:"reason"`
}

func (h *BookingAPI) cancel(c *fiber.Ctx) error {
	var body cancelJSON
	if err := decodeStrict(c, &body, true); err != nil {
		return err
	}
	if len(body.Reason) > 500 {
		return invalid(map[string]string{"reason": "at most 500 characters"})
	}
	res, err := h.svc.Cancel(c.UserContext(), c.Params("code"), body.Reason)
	if err != nil {
		return mapBookingError(err)
	}
	return c.JSON(reservationJSON(res, nil))
}

type moveJSON struct {
	AccommodationID *int64 `json:"accommodation_id"`
	CheckIn         string `json:"check_in"`
	CheckOut        string `json:"check_out"`
	// Price is "keep" (the agreed total, the default) or "quote" (the new stay's quote).
	Price string `json:"price"`
}

// moveReservation moves a hold or booking to other dates and/or another unit with the
// engine's guards; a field left out keeps the reservation's value.
func (h *BookingAPI) moveReservation(c *fiber.Ctx) error {
	var body moveJSON
	if err := decodeStrict(c, &body, false); err != nil {
		return err
	}
	code := c.Params("code")
	cur, err := h.svc.Get(c.UserContext(), code)
	if err != nil {
		return mapBookingError(err)
	}
	fields := map[string]string{}
	m := booking.MoveRequest{Stay: cur.Stay, By: "api"}
	if body.AccommodationID != nil {
		m.UnitID = *body.AccommodationID
	}
	if body.CheckIn != "" {
		m.Stay.CheckIn = parseDateField(body.CheckIn, "check_in", fields)
	}
	if body.CheckOut != "" {
		m.Stay.CheckOut = parseDateField(body.CheckOut, "check_out", fields)
	}
	switch body.Price {
	case "", "keep":
		m.KeepTotal = true
	case "quote":
	default:
		fields["price"] = `must be "keep" or "quote"`
	}
	if body.AccommodationID == nil && body.CheckIn == "" && body.CheckOut == "" {
		fields["check_in"] = "send check_in, check_out or accommodation_id"
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	res, err := h.svc.Move(c.UserContext(), code, m)
	if err != nil {
		return mapBookingError(err)
	}
	out := reservationJSON(res, nil)
	out["quote_total_cents"] = res.Quote.TotalCents
	return c.JSON(out)
}

// decodeStrict decodes the JSON body into v, rejecting unknown fields and trailing data
// with 422 and malformed JSON with 400. An empty body is accepted when optional.
func decodeStrict(c *fiber.Ctx, v any, optional bool) error {
	body := c.Body()
	if len(body) > maxAPIBody {
		return &APIError{Status: fiber.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "request bodies are capped at 1 MiB"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return &APIError{Status: fiber.StatusBadRequest, Code: "invalid_json", Message: "send a JSON object body"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.Decode(&struct{}{}) != io.EOF {
			return &APIError{Status: fiber.StatusBadRequest, Code: "invalid_json", Message: "the body must be a single JSON object"}
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(map[string]string{name: "unknown field"})
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return invalid(map[string]string{field: fmt.Sprintf("must be a %s", jsonKind(typeErr.Type.Kind().String()))})
	default:
		return &APIError{Status: fiber.StatusBadRequest, Code: "invalid_json", Message: "malformed JSON: " + err.Error()}
	}
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "struct", goKind == "map":
		return "object"
	case goKind == "slice":
		return "list"
	}
	return goKind
}

func parseDateField(v, field string, fields map[string]string) store.Date {
	if v == "" {
		fields[field] = "required (YYYY-MM-DD)"
		return store.Date{}
	}
	d, err := store.ParseDate(v)
	if err != nil {
		fields[field] = "must be a date YYYY-MM-DD"
	}
	return d
}

func parseIntField(v, field string, fields map[string]string) int {
	if v == "" {
		fields[field] = "required"
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fields[field] = "must be a whole number"
	}
	return n
}

func invalid(fields map[string]string) error {
	return &APIError{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "check the fields listed", Fields: fields}
}

func rfc3339(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// mapBookingError turns the engine's outcomes into API errors; anything else is a 500.
func mapBookingError(err error) error {
	var ve *booking.ValidationError
	var ms *booking.MinStayError
	var ue *booking.UnavailableError
	var ce *booking.ConflictError
	var mx *booking.MaxStayError
	var capErr *booking.CapacityError
	switch {
	case errors.As(err, &ve):
		return invalid(ve.Fields)
	case errors.As(err, &ce):
		return &APIError{Status: fiber.StatusConflict, Code: "unavailable",
			Message: "the unit is taken for some of those nights; see the conflicts",
			Extra:   map[string]any{"conflicts": conflictsJSON(ce.Conflicts)}}
	case errors.As(err, &mx):
		return &APIError{Status: fiber.StatusUnprocessableEntity, Code: "max_stay",
			Message: fmt.Sprintf("stays are at most %d nights", mx.Max),
			Fields:  map[string]string{"check_out": mx.Error()}, Extra: map[string]any{"max_nights": mx.Max}}
	case errors.As(err, &capErr):
		return &APIError{Status: fiber.StatusUnprocessableEntity, Code: "over_capacity",
			Message: fmt.Sprintf("the unit sleeps at most %d", capErr.Capacity),
			Fields:  map[string]string{"accommodation_id": capErr.Error()}, Extra: map[string]any{"capacity": capErr.Capacity}}
	case errors.As(err, &ms):
		return &APIError{Status: fiber.StatusUnprocessableEntity, Code: "min_stay",
			Message: fmt.Sprintf("the minimum stay for those dates is %d nights", ms.Required),
			Fields:  map[string]string{"check_out": fmt.Sprintf("minimum stay is %d nights (%s)", ms.Required, ms.Reason)},
			Extra:   map[string]any{"min_nights": ms.Required}}
	case errors.As(err, &ue):
		return &APIError{Status: fiber.StatusConflict, Code: "unavailable",
			Message: "the unit is taken for some of those nights; see the alternatives",
			Extra:   map[string]any{"alternatives": alternativesJSON(ue.Alternatives)}}
	case errors.Is(err, booking.ErrUnavailable):
		return &APIError{Status: fiber.StatusConflict, Code: "unavailable", Message: "the unit is taken for some of those nights",
			Extra: map[string]any{"alternatives": []alternativeJSON{}}}
	case errors.Is(err, booking.ErrAlreadyExtended):
		return &APIError{Status: fiber.StatusConflict, Code: "already_extended", Message: "a hold can be extended only once"}
	case errors.Is(err, booking.ErrExpired):
		return &APIError{Status: fiber.StatusGone, Code: "expired", Message: "the hold expired; create a new pre-reservation"}
	case errors.Is(err, booking.ErrNotHold):
		return &APIError{Status: fiber.StatusConflict, Code: "not_a_hold", Message: "only pending pre-reservations can be extended"}
	case errors.Is(err, booking.ErrCancelled):
		return &APIError{Status: fiber.StatusConflict, Code: "cancelled", Message: "the reservation was cancelled"}
	case errors.Is(err, booking.ErrSequenceExhausted):
		return &APIError{Status: fiber.StatusConflict, Code: "sequence_exhausted", Message: "no reservation codes left for that check-in day"}
	case errors.Is(err, booking.ErrNotFound):
		return &APIError{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such reservation"}
	case errors.Is(err, lock.ErrLocked):
		return &APIError{Status: fiber.StatusServiceUnavailable, Code: "busy", Message: "the unit is busy; retry in a moment"}
	}
	return err
}
