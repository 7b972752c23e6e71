package booking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Domain event types written by this package; each is a domain_events row committed in
// the same transaction as the change it records.
const (
	EventHoldCreated          = "hold_created"
	EventHoldExtended         = "hold_extended"
	EventHoldExpired          = "hold_expired"
	EventReservationConfirmed = "reservation_confirmed"
	EventReservationCancelled = "reservation_cancelled"
	EventReservationEdited    = "reservation_edited"
	// EventReservationMoved: staff moved a hold or booking to other nights or another unit.
	EventReservationMoved = "reservation_moved"
)

// AggregateReservation is the aggregate_type of reservation events; aggregate_id is the code.
const AggregateReservation = "reservation"

// Event is one recorded change of a reservation.
type Event struct {
	ID        int64          `json:"id"`
	Type      string         `json:"type"`
	At        time.Time      `json:"at"`
	RequestID string         `json:"request_id,omitempty"`
	Payload   map[string]any `json:"payload"`
	// before is the status the reservation had when this event happened (History sets
	// it), for the events that do not change it.
	before string
}

// StatusAfter is the reservation status an event leaves behind.
func (e Event) StatusAfter() string {
	switch e.Type {
	case EventHoldCreated, EventHoldExtended:
		return store.StatusPreReserved
	case EventHoldExpired:
		return store.StatusExpired
	case EventReservationConfirmed:
		return store.StatusConfirmed
	case EventReservationCancelled:
		return store.StatusCancelled
	}
	// Edits and moves leave the status as it was: their payload says it (older edits do
	// not, and take the status the events before them left).
	if st, ok := e.Payload["status"].(string); ok && st != "" {
		return st
	}
	return e.before
}

// writeEvent records one event of reservation code. Payloads carry no guest personal data.
func writeEvent(ctx context.Context, db bun.IDB, code, typ string, at time.Time, payload map[string]any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	ev := store.DomainEvent{AggregateType: AggregateReservation, AggregateID: code, Type: typ,
		Payload: body, RequestID: obs.RequestID(ctx), OccurredAt: at}
	if _, err := db.NewInsert().Model(&ev).Exec(ctx); err != nil {
		return fmt.Errorf("record %s event for %s: %w", typ, code, err)
	}
	return nil
}

// History returns the events of reservation code, oldest first.
func (s *Service) History(ctx context.Context, code string) ([]Event, error) {
	var rows []store.DomainEvent
	err := s.db.NewSelect().Model(&rows).
		Where("aggregate_type = ? AND aggregate_id = ?", AggregateReservation, code).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load history of %s: %w", code, err)
	}
	out := make([]Event, 0, len(rows))
	status := ""
	for _, r := range rows {
		ev := Event{ID: r.ID, Type: r.Type, At: r.OccurredAt.UTC(), RequestID: r.RequestID, Payload: map[string]any{}}
		if len(r.Payload) > 0 {
			if err := json.Unmarshal(r.Payload, &ev.Payload); err != nil {
				return nil, fmt.Errorf("decode event %d of %s: %w", r.ID, code, err)
			}
		}
		ev.before = status
		status = ev.StatusAfter()
		out = append(out, ev)
	}
	return out, nil
}
