package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// ErrNotFound is returned when editing something that does not exist.
var ErrNotFound = errors.New("settings: not found")

// ValidationError lists the fields a change got wrong, by field name.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := slices.Sorted(maps.Keys(e.Fields))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid settings: " + strings.Join(parts, "; ")
}

// fieldErrors collects validation messages; err is nil when none were added.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, seen := f[field]; !seen {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// Catalog is what caches settings (the booking engine): it forgets them after a change,
// and copies the official holidays back after a host override is removed.
type Catalog interface {
	InvalidateCatalog()
	SyncHolidays(ctx context.Context) (int, error)
}

// Notifier is told after every committed change, with the settings version it wrote, so
// every cache of every replica is dropped (the settings broadcast).
type Notifier interface {
	SettingsChanged(ctx context.Context, version string)
}

// Options configure a Service.
type Options struct {
	// Catalog is invalidated after every change (nil: nothing cached in this process).
	Catalog Catalog
	// Notifier is told after every change (nil: this process's Catalog is all there is).
	Notifier Notifier
	// PaymentPlugins are the payment plugins configured under plugins:, the choices of
	// the payment setting besides bank transfer.
	PaymentPlugins []string
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Feeds reads a feed at once when it is resumed (nil: at the next sync run).
	Feeds FeedReader
}

// Service edits the settings stored in the database.
type Service struct {
	db   *store.DB
	opts Options
}

// New returns the settings editor over db.
func New(db *store.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, opts: opts}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// change runs fn in a transaction that also writes a new settings version and, once
// committed, invalidates the catalog and tells the notifier (every replica).
func (s *Service) change(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	var version string
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		var err error
		version, err = BumpVersion(ctx, tx, s.now())
		return err
	})
	if err != nil {
		return err
	}
	s.changed(ctx, version)
	return nil
}

// changed drops this process's catalog and tells the notifier a change was committed.
func (s *Service) changed(ctx context.Context, version string) {
	if s.opts.Catalog != nil {
		s.opts.Catalog.InvalidateCatalog()
	}
	if s.opts.Notifier != nil {
		s.opts.Notifier.SettingsChanged(ctx, version)
	}
}

// AuditEntry is one row of the settings audit.
type AuditEntry struct {
	bun.BaseModel `bun:"table:settings_audit"`

	ID        int64           `bun:"id,pk,autoincrement"`
	Actor     string          `bun:"actor,notnull"`
	Action    string          `bun:"action,notnull"`
	Entity    string          `bun:"entity,notnull"`
	EntityID  string          `bun:"entity_id,notnull"`
	Changes   json.RawMessage `bun:"changes,type:jsonb,notnull"`
	CreatedAt time.Time       `bun:"created_at,notnull"`
}

// Change is one field's old and new value in the audit.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Record writes an audit row on db (a transaction, usually). changes maps field names to
// what changed; secrets never go in it.
func Record(ctx context.Context, db bun.IDB, at time.Time, actor, action, entity string, entityID any, changes map[string]Change) error {
	if changes == nil {
		changes = map[string]Change{}
	}
	raw, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	if actor == "" {
		actor = "unknown"
	}
	_, err = db.NewInsert().Model(&AuditEntry{
		Actor: actor, Action: action, Entity: entity, EntityID: fmt.Sprint(entityID), Changes: raw, CreatedAt: at,
	}).Exec(ctx)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	return nil
}

// diff compares two values of one struct type field by field (by their json names) and
// returns what differs; a nil old value makes every field a change from nothing.
func diff(old, updated any) map[string]Change {
	out := map[string]Change{}
	nv := reflect.ValueOf(updated)
	var ov reflect.Value
	if old != nil {
		ov = reflect.ValueOf(old)
	}
	t := nv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		to := nv.Field(i).Interface()
		var from any
		if ov.IsValid() {
			from = ov.Field(i).Interface()
		}
		if !reflect.DeepEqual(from, to) {
			out[name] = Change{From: from, To: to}
		}
	}
	return out
}

// Audit lists the latest audit rows, newest first (limit 0: 100).
func (s *Service) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []AuditEntry
	if err := s.db.NewSelect().Model(&rows).Order("id DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list settings audit: %w", err)
	}
	return rows, nil
}
