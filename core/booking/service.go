package booking

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
	_ "time/tzdata" // property zones must resolve on hosts without zoneinfo

	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Defaults of Options.
const (
	DefaultHoldTTL  = 30 * time.Minute
	DefaultExtendBy = 15 * time.Minute
	// DefaultLockTTL bounds how long a crashed replica can keep a unit's write lock. The
	// lock only covers one short transaction; the hold's 30 minutes live in expires_at.
	DefaultLockTTL = 15 * time.Second
	// DefaultLockWait is how long a writer waits for a unit's lock before giving up; long
	// enough for a burst of writers on one unit to drain one short transaction at a time.
	DefaultLockWait = 30 * time.Second
	// DefaultZone is the time zone of stays when a property names none.
	DefaultZone = "America/Argentina/Buenos_Aires"
	// AlternativeWindow is how far (in days, either way) shifted stays are searched.
	AlternativeWindow = 14
)

// Options configure a Service. The zero value of each field takes its default.
type Options struct {
	// Locker serializes writers of one unit across replicas (in-process by default).
	Locker lock.Locker
	// Now is the clock (time.Now by default); tests pass a fake.
	Now func() time.Time
	// Holidays is the base day-off calendar (holidays.Default() by default); host rows of
	// the holidays table are applied on top.
	Holidays *holidays.Calendar
	HoldTTL  time.Duration
	ExtendBy time.Duration
	LockTTL  time.Duration
	LockWait time.Duration
	// CatalogTTL is how long units, properties and pricing rules are cached (5 s by
	// default; see InvalidateCatalog).
	CatalogTTL time.Duration
	// MaxNights is the longest stay accepted (MaxNights by default).
	MaxNights int
	// BotMaxNights is the longest stay the bot holds (DefaultBotMaxNights); longer
	// holds with source "bot" are ErrLongStay, for staff.
	BotMaxNights int
	// HoldsPerHour caps the holds the bot makes per requester: the web chat's client
	// address (WithClientAddr), the guest's phone, the guest's e-mail
	// (DefaultHoldsPerHour).
	HoldsPerHour int
	// MaxAdvanceDays is how far ahead a stay may start (DefaultMaxAdvanceDays).
	MaxAdvanceDays int
	Logger         *slog.Logger
	// CalendarRefresh is how long the effective holiday calendar is cached (1 minute by
	// default), so host edits to the holidays table show up without a restart.
	CalendarRefresh time.Duration
}

// Service is the booking engine over one database.
type Service struct {
	db   *store.DB
	opts Options
	log  *slog.Logger

	calMu      sync.Mutex
	cal        *holidays.Calendar
	calExpires time.Time

	zoneMu sync.Mutex
	zones  map[string]*time.Location

	catMu sync.Mutex
	cat   *catalog
}

// NewService returns the booking engine on db.
func NewService(db *store.DB, opts Options) *Service {
	if opts.Locker == nil {
		opts.Locker = lock.NewMemory(opts.Now)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Holidays == nil {
		opts.Holidays = holidays.Default()
	}
	if opts.HoldTTL <= 0 {
		opts.HoldTTL = DefaultHoldTTL
	}
	if opts.ExtendBy <= 0 {
		opts.ExtendBy = DefaultExtendBy
	}
	if opts.LockTTL <= 0 {
		opts.LockTTL = DefaultLockTTL
	}
	if opts.LockWait <= 0 {
		opts.LockWait = DefaultLockWait
	}
	if opts.CatalogTTL <= 0 {
		opts.CatalogTTL = 5 * time.Second
	}
	if opts.MaxNights <= 0 {
		opts.MaxNights = MaxNights
	}
	if opts.BotMaxNights <= 0 {
		opts.BotMaxNights = DefaultBotMaxNights
	}
	if opts.HoldsPerHour <= 0 {
		opts.HoldsPerHour = DefaultHoldsPerHour
	}
	if opts.MaxAdvanceDays <= 0 {
		opts.MaxAdvanceDays = DefaultMaxAdvanceDays
	}
	if opts.CalendarRefresh <= 0 {
		opts.CalendarRefresh = time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, opts: opts, log: log, zones: map[string]*time.Location{}}
}

// now is the service clock in UTC, truncated to microseconds like the databases store it.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// today is the current date in the property's zone.
func (s *Service) today(zone string) store.Date {
	return store.DateOf(s.now().In(s.zone(zone)))
}

func (s *Service) zone(name string) *time.Location {
	if name == "" {
		name = DefaultZone
	}
	s.zoneMu.Lock()
	defer s.zoneMu.Unlock()
	if loc, ok := s.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		s.log.Warn("unknown property time zone, using the default", "zone", name, "err", err)
		loc, _ = time.LoadLocation(DefaultZone)
	}
	s.zones[name] = loc
	return loc
}

var unitColumns = []string{"id", "property_id", "slug", "name", "unit_type", "capacity", "base_occupancy", "base_price_cents", "amenities", "description"}

// Units lists the active units, by id.
func (s *Service) Units(ctx context.Context) ([]Unit, error) {
	return s.units(ctx, s.db.DB)
}

func (s *Service) units(ctx context.Context, db bun.IDB) ([]Unit, error) {
	var rows []store.Accommodation
	// Only the columns a Unit has: parsing timestamps of 100 rows costs more than the read.
	if err := db.NewSelect().Model(&rows).Column(unitColumns...).Where("active = ?", true).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	out := make([]Unit, len(rows))
	for i, r := range rows {
		out[i] = unitFromModel(r)
	}
	return out, nil
}

// Unit returns one active unit, or ErrNotFound.
func (s *Service) Unit(ctx context.Context, id int64) (Unit, error) {
	return s.unit(ctx, s.db.DB, id)
}

func (s *Service) unit(ctx context.Context, db bun.IDB, id int64) (Unit, error) {
	var row store.Accommodation
	err := db.NewSelect().Model(&row).Column(unitColumns...).Where("id = ? AND active = ?", id, true).Limit(1).Scan(ctx)
	if isNoRows(err) {
		return Unit{}, fmt.Errorf("unit %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("load unit %d: %w", id, err)
	}
	return unitFromModel(row), nil
}

func (s *Service) property(ctx context.Context, db bun.IDB, id int64) (store.Property, error) {
	var p store.Property
	err := db.NewSelect().Model(&p).Where("id = ?", id).Limit(1).Scan(ctx)
	if isNoRows(err) {
		return p, fmt.Errorf("property %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("load property %d: %w", id, err)
	}
	return p, nil
}

// Property returns what the bot tells guests about property id, with its active units.
func (s *Service) Property(ctx context.Context, id int64) (PropertyInfo, error) {
	p, err := s.property(ctx, s.db.DB, id)
	if err != nil {
		return PropertyInfo{}, err
	}
	units, err := s.units(ctx, s.db.DB)
	if err != nil {
		return PropertyInfo{}, err
	}
	info := PropertyInfo{
		ID: p.ID, Slug: p.Slug, Name: p.Name, Address: p.Address, City: p.City, Province: p.Province,
		MapURL: p.MapURL, Phone: p.Phone, Email: p.Email, Timezone: p.Timezone,
		CheckInTime: p.CheckInTime, CheckOutTime: p.CheckOutTime, DepositPercent: p.DepositPercent,
		BankTransfer: BankTransfer{Alias: p.BankAlias, CBU: p.BankCBU, Holder: p.BankHolder},
		Units:        []Unit{},
	}
	for _, u := range units {
		if u.PropertyID == p.ID {
			info.Units = append(info.Units, u)
		}
	}
	rules, err := s.pricingRows(ctx, s.db.DB, p.ID)
	if err != nil {
		return PropertyInfo{}, err
	}
	// A property-wide deposit rule replaces the column; show what quotes will use.
	if r, err := BuildRules(0, p.DepositPercent, rules, nil); err == nil {
		info.DepositPercent = r.DepositBP / 100
	}
	return info, nil
}

// DefaultProperty returns the first property (most installations have exactly one).
func (s *Service) DefaultProperty(ctx context.Context) (PropertyInfo, error) {
	var id int64
	err := s.db.NewSelect().Table("properties").Column("id").Order("id").Limit(1).Scan(ctx, &id)
	if isNoRows(err) {
		return PropertyInfo{}, fmt.Errorf("no property configured: %w", ErrNotFound)
	}
	if err != nil {
		return PropertyInfo{}, fmt.Errorf("find property: %w", err)
	}
	return s.Property(ctx, id)
}

func (s *Service) pricingRows(ctx context.Context, db bun.IDB, propertyID int64) ([]store.PricingRule, error) {
	var rows []store.PricingRule
	if err := db.NewSelect().Model(&rows).Where("property_id = ? AND active = ?", propertyID, true).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load pricing rules of property %d: %w", propertyID, err)
	}
	return rows, nil
}
