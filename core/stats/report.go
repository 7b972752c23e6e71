package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
)

// Funnel stages, in order; also the stage label of conserje_funnel_total.
const (
	StageStarted      = "conversations_started"
	StageOffered      = "offers"
	StageHeld         = "holds"
	StageHoldsExpired = "holds_expired"
	StagePaid         = "paid"
	StageConfirmed    = "confirmed"
)

// Stages lists the funnel's stages in order.
var Stages = []string{StageStarted, StageOffered, StageHeld, StageHoldsExpired, StagePaid, StageConfirmed}

// Report is what happened in [Since, Until).
type Report struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Funnel counts by stage: conversations started; conversations shown at least one
	// offer; holds made; holds that lapsed unpaid; holds with an approved payment;
	// bookings confirmed.
	Funnel map[string]int64 `json:"funnel"`
	// Messages are the guest messages received, Fallbacks those the bot did not
	// understand, Escalated the conversations handed to a person.
	Messages  int64 `json:"messages"`
	Fallbacks int64 `json:"fallbacks"`
	Escalated int64 `json:"escalated"`
}

// FallbackRate is the share of guest messages the bot did not understand.
func (r Report) FallbackRate() float64 { return ratio(r.Fallbacks, r.Messages) }

// HandoffRate is the share of started conversations handed to a person.
func (r Report) HandoffRate() float64 { return ratio(r.Escalated, r.Funnel[StageStarted]) }

// Conversion is the share of started conversations that ended confirmed.
func (r Report) Conversion() float64 {
	return ratio(r.Funnel[StageConfirmed], r.Funnel[StageStarted])
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Read computes the report for [since, until). A zero since means from the beginning.
func Read(ctx context.Context, db *store.DB, since, until time.Time) (Report, error) {
	since, until = since.UTC(), until.UTC()
	r := Report{Since: since, Until: until, Funnel: map[string]int64{}}
	count := func(what string, q func() (int, error)) error {
		n, err := q()
		if err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		switch what {
		case "messages":
			r.Messages = int64(n)
		case "fallbacks":
			r.Fallbacks = int64(n)
		case "escalated":
			r.Escalated = int64(n)
		default:
			r.Funnel[what] = int64(n)
		}
		return nil
	}
	distinctEvents := func(aggregate, typ string) func() (int, error) {
		return func() (int, error) {
			var n int
			err := db.NewSelect().Model((*store.DomainEvent)(nil)).ColumnExpr("count(DISTINCT aggregate_id)").
				Where("aggregate_type = ? AND type = ?", aggregate, typ).
				Where("occurred_at >= ? AND occurred_at < ?", since, until).Scan(ctx, &n)
			return n, err
		}
	}
	steps := []struct {
		what string
		q    func() (int, error)
	}{
		{StageStarted, func() (int, error) {
			return db.NewSelect().Model((*store.Conversation)(nil)).
				Where("created_at >= ? AND created_at < ?", since, until).Count(ctx)
		}},
		{StageOffered, distinctEvents(conversation.AggregateConversation, conversation.EventOfferMade)},
		{StageHeld, distinctEvents(booking.AggregateReservation, booking.EventHoldCreated)},
		{StageHoldsExpired, distinctEvents(booking.AggregateReservation, booking.EventHoldExpired)},
		{StagePaid, func() (int, error) {
			var n int
			err := db.NewSelect().Model((*store.PaymentRecord)(nil)).ColumnExpr("count(DISTINCT reservation_id)").
				Where("status = 'approved' AND updated_at >= ? AND updated_at < ?", since, until).Scan(ctx, &n)
			return n, err
		}},
		{StageConfirmed, distinctEvents(booking.AggregateReservation, booking.EventReservationConfirmed)},
		{"messages", func() (int, error) {
			return db.NewSelect().Model((*store.Message)(nil)).
				Where("direction = 'in' AND created_at >= ? AND created_at < ?", since, until).Count(ctx)
		}},
		{"fallbacks", func() (int, error) {
			var n int
			err := db.NewSelect().Model((*store.DomainEvent)(nil)).ColumnExpr("count(*)").
				Where("aggregate_type = ? AND type = ?", conversation.AggregateConversation, conversation.EventFallback).
				Where("occurred_at >= ? AND occurred_at < ?", since, until).Scan(ctx, &n)
			return n, err
		}},
		{"escalated", distinctEvents(conversation.AggregateConversation, conversation.EventEscalated)},
	}
	for _, s := range steps {
		if err := count(s.what, s.q); err != nil {
			return Report{}, err
		}
	}
	return r, nil
}
