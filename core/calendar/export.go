package calendar

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// ErrUnknownExport means no export feed matches the unit and token (or the unit is gone).
var ErrUnknownExport = errors.New("calendar: unknown export feed")

// ExportPortals are the portals that read conserje's export feeds, one URL each per unit.
// They are the import platforms: a portal's own imported blocks are left out of its feed.
func ExportPortals() []string {
	out := make([]string, len(Platforms))
	for i, p := range Platforms {
		out[i] = string(p)
	}
	return out
}

// exportPast is how far back the feed reaches: portals only need current and future
// stays, and a short past keeps a departed guest's stay visible for a while.
const exportPast = 30 * 24 * time.Hour

// fetchRetention bounds ical_export_fetches: older rows of a unit and portal are pruned
// when a new fetch is recorded (staleness only needs the latest).
const fetchRetention = 7 * 24 * time.Hour

// Exporter renders the per-unit, per-portal iCal feeds and checks their tokens.
type Exporter struct {
	db   *store.DB
	salt []byte
	now  func() time.Time
	zone *time.Location
	// holds puts live holds in the feeds too (calendar.export_holds).
	holds bool
}

// ExportOptions tune an Exporter; zero values take defaults.
type ExportOptions struct {
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Zone is where "today" is decided (America/Argentina/Buenos_Aires by default).
	Zone *time.Location
	// ExportHolds puts live 30-minute holds in the feeds as "Reservado" too. Off by
	// default: portals poll every 1–3 hours, so a hold shows there for hours after it
	// lapsed, and whoever can make holds could take a unit off every portal.
	ExportHolds bool
}

// NewExporter returns the exporter; salt is the secret behind the tokens (ics_salt).
func NewExporter(db *store.DB, salt string, opts ExportOptions) (*Exporter, error) {
	if len(salt) < 16 {
		return nil, errors.New("calendar export: ics_salt must be at least 16 characters")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Zone == nil {
		loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
		if err != nil {
			return nil, fmt.Errorf("calendar export: load zone: %w", err)
		}
		opts.Zone = loc
	}
	return &Exporter{db: db, salt: []byte(salt), now: opts.Now, zone: opts.Zone, holds: opts.ExportHolds}, nil
}

// Token is the secret part of the export URL of unit for portal: HMAC-SHA256 of both
// under the salt, in hex.
func (e *Exporter) Token(unitID int64, portal string) string {
	mac := hmac.New(sha256.New, e.salt)
	mac.Write([]byte("conserje-ics-export\x00" + strconv.FormatInt(unitID, 10) + "\x00" + portal))
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify finds which portal's token was presented for unit. Every portal's token is
// compared in constant time and the loop never exits early, so timing reveals nothing.
func (e *Exporter) Verify(unitID int64, token string) (portal string, ok bool) {
	for _, p := range ExportPortals() {
		if hmac.Equal([]byte(e.Token(unitID, p)), []byte(token)) {
			portal, ok = p, true
		}
	}
	return portal, ok
}

// URL is the export URL of unit for portal under publicURL (http.public_url).
func (e *Exporter) URL(publicURL string, unitID int64, portal string) string {
	return fmt.Sprintf("%s/ical/accommodation/%d/%s.ics", strings.TrimRight(publicURL, "/"), unitID, e.Token(unitID, portal))
}

// ExportURL is one URL to paste into a portal.
type ExportURL struct {
	UnitID   int64
	UnitName string
	Portal   string
	URL      string
}

// URLs lists the export URL of every active unit for every portal.
func (e *Exporter) URLs(ctx context.Context, publicURL string) ([]ExportURL, error) {
	var units []store.Accommodation
	if err := e.db.NewSelect().Model(&units).Where("active = ?", true).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	var out []ExportURL
	for _, u := range units {
		for _, p := range ExportPortals() {
			out = append(out, ExportURL{UnitID: u.ID, UnitName: u.Name, Portal: p, URL: e.URL(publicURL, u.ID, p)})
		}
	}
	return out, nil
}

// exportEvent is one blocked range in a feed.
type exportEvent struct {
	uid     string
	summary string
	start   store.Date
	end     store.Date
}

// Feed renders the unit's calendar as portal should see it: confirmed bookings, holds
// that have not lapsed, manual blocks and the blocks imported from every other portal.
// Events carry no guest data: a booking is "Reservado", anything else "No disponible".
func (e *Exporter) Feed(ctx context.Context, unitID int64, portal string) ([]byte, error) {
	var unit store.Accommodation
	err := e.db.NewSelect().Model(&unit).Where("id = ? AND active = ?", unitID, true).Limit(1).Scan(ctx)
	if err != nil {
		if errors.Is(err, errNoRows) {
			return nil, ErrUnknownExport
		}
		return nil, fmt.Errorf("load unit %d: %w", unitID, err)
	}
	now := e.now().UTC()
	events, err := e.events(ctx, e.db.DB, unitID, portal, now)
	if err != nil {
		return nil, err
	}
	return renderFeed(unit.Name, portal, events, now)
}

func (e *Exporter) events(ctx context.Context, db bun.IDB, unitID int64, portal string, now time.Time) ([]exportEvent, error) {
	since := store.DateOf(now.In(e.zone).Add(-exportPast))
	var out []exportEvent

	var res []store.Reservation
	q := db.NewSelect().Model(&res).Column("id", "code", "check_in", "check_out").
		Where("accommodation_id = ? AND check_out > ?", unitID, since)
	if e.holds {
		q = q.Where("(status = ? OR (status = ? AND expires_at > ?))", store.StatusConfirmed, store.StatusPreReserved, now)
	} else {
		q = q.Where("status = ?", store.StatusConfirmed)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("export bookings of unit %d: %w", unitID, err)
	}
	for _, r := range res {
		// Keyed by code, so a hold keeps its UID when it is confirmed.
		out = append(out, exportEvent{uid: "stay-" + r.Code + "@conserje", summary: "Reservado", start: r.CheckIn, end: r.CheckOut})
	}

	var blocks []store.AvailabilityEntry
	if err := db.NewSelect().Model(&blocks).Column("id", "start_date", "end_date").
		Where("accommodation_id = ? AND kind = 'block' AND end_date > ?", unitID, since).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("export blocks of unit %d: %w", unitID, err)
	}
	for _, b := range blocks {
		out = append(out, exportEvent{uid: "block-" + strconv.FormatInt(b.ID, 10) + "@conserje", summary: "No disponible", start: b.StartDate, end: b.EndDate})
	}

	var imported []struct {
		FeedID int64      `bun:"feed_id"`
		UID    string     `bun:"uid"`
		Start  store.Date `bun:"start_date"`
		End    store.Date `bun:"end_date"`
	}
	if err := db.NewRaw(`SELECT b.feed_id, b.uid, b.start_date, b.end_date
FROM imported_blocks b JOIN calendar_feeds f ON f.id = b.feed_id
WHERE b.accommodation_id = ? AND b.end_date > ? AND f.platform <> ?`, unitID, since, portal).Scan(ctx, &imported); err != nil {
		return nil, fmt.Errorf("export imported blocks of unit %d: %w", unitID, err)
	}
	for _, b := range imported {
		// The portal's UID may carry its booking code; hash it so nothing of it leaks to
		// other portals, and keep it stable for as long as the import keeps it.
		sum := sha256.Sum256([]byte(strconv.FormatInt(b.FeedID, 10) + "\x00" + b.UID))
		out = append(out, exportEvent{uid: "imported-" + hex.EncodeToString(sum[:12]) + "@conserje", summary: "No disponible", start: b.Start, end: b.End})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].start.Time().Equal(out[j].start.Time()) {
			return out[i].start.Before(out[j].start)
		}
		return out[i].uid < out[j].uid
	})
	return out, nil
}

// renderFeed writes the calendar with go-ical, then folds it (go-ical does not).
func renderFeed(unitName, portal string, events []exportEvent, now time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	// No version in PRODID: a feed's bytes change only when its calendar does.
	cal.Props.SetText(ical.PropProductID, "-//conserje//conserje//ES")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	// Set by hand: go-ical would add VALUE=TEXT to an X- property.
	name := ical.NewProp("X-WR-CALNAME")
	name.Value = escapeText(unitName + " · conserje → " + portal)
	cal.Props.Set(name)
	for _, ev := range events {
		ve := ical.NewEvent()
		ve.Props.SetText(ical.PropUID, ev.uid)
		ve.Props.SetDateTime(ical.PropDateTimeStamp, now)
		ve.Props.SetDate(ical.PropDateTimeStart, ev.start.Time())
		ve.Props.SetDate(ical.PropDateTimeEnd, ev.end.Time())
		ve.Props.SetText(ical.PropSummary, ev.summary)
		ve.Props.SetText(ical.PropTransparency, "OPAQUE")
		ve.Props.SetText(ical.PropStatus, "CONFIRMED")
		cal.Children = append(cal.Children, ve.Component)
	}
	if len(events) == 0 {
		// go-ical refuses an empty calendar; an empty feed is legitimate (nothing booked),
		// so it is written by hand.
		return foldLines([]byte(emptyCalendar(cal))), nil
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode feed: %w", err)
	}
	return foldLines(buf.Bytes()), nil
}

func emptyCalendar(cal *ical.Calendar) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\n")
	for _, name := range []string{ical.PropVersion, ical.PropProductID, ical.PropCalendarScale, ical.PropMethod, "X-WR-CALNAME"} {
		if p := cal.Props.Get(name); p != nil {
			b.WriteString(name + ":" + p.Value + "\r\n") // Value holds the escaped text
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// maxLineOctets is the longest content line RFC 5545 allows, excluding the CRLF.
const maxLineOctets = 75

// foldLines rewrites every line of an iCalendar body to end in CRLF and to be at most 75
// octets, continuing longer ones on lines that start with a space (RFC 5545 §3.1). A fold
// never splits a UTF-8 sequence: a multi-byte character moves whole to the next line.
func foldLines(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/60*3)
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		limit := maxLineOctets
		for len(line) > limit {
			cut := limit
			for cut > 0 && line[cut]&0xC0 == 0x80 { // continuation byte: back up to the rune start
				cut--
			}
			out.Write(line[:cut])
			out.WriteString("\r\n ")
			line = line[cut:]
			limit = maxLineOctets - 1 // the leading space counts
		}
		out.Write(line)
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

// RecordFetch records that portal fetched unit's feed and prunes that pair's rows older
// than a week, so the table stays small while staff can still see how stale each
// portal's copy is.
func (e *Exporter) RecordFetch(ctx context.Context, unitID int64, portal, userAgent, remoteAddr string) error {
	now := e.now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	return e.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := store.ICalExportFetch{AccommodationID: unitID, Portal: portal, FetchedAt: now, UserAgent: userAgent, RemoteAddr: remoteAddr}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("record export fetch: %w", err)
		}
		if _, err := tx.NewDelete().Model((*store.ICalExportFetch)(nil)).
			Where("accommodation_id = ? AND portal = ? AND fetched_at < ?", unitID, portal, now.Add(-fetchRetention)).
			Exec(ctx); err != nil {
			return fmt.Errorf("prune export fetches: %w", err)
		}
		return nil
	})
}

// ExportFreshness is when a portal last fetched a unit's feed.
type ExportFreshness struct {
	UnitID      int64     `bun:"accommodation_id"`
	Portal      string    `bun:"portal"`
	LastFetched time.Time `bun:"last_fetched"`
}

// Freshness lists the last fetch of every unit and portal that fetched within the
// retention window: the age of a portal's copy is the double-booking window.
func (e *Exporter) Freshness(ctx context.Context) ([]ExportFreshness, error) {
	var rows []ExportFreshness
	err := e.db.NewSelect().Model((*store.ICalExportFetch)(nil)).
		ColumnExpr("accommodation_id, portal, max(fetched_at) AS last_fetched").
		Group("accommodation_id", "portal").Order("accommodation_id", "portal").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("export freshness: %w", err)
	}
	return rows, nil
}
