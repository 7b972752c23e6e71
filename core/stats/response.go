package stats

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/conserje/conserje/core/store"
)

// FirstResponse is how long guests waited for the first answer of their conversation
// (bot or staff), over the conversations started in a period.
type FirstResponse struct {
	// Answered counts the conversations with an answer; Median and P90 are over them.
	Answered int
	Median   time.Duration
	P90      time.Duration
}

// ReadFirstResponse measures the wait from each conversation's first guest message to the
// first message sent back, for the conversations started in [since, until).
func ReadFirstResponse(ctx context.Context, db *store.DB, since, until time.Time) (FirstResponse, error) {
	var firsts []struct {
		Asked    *time.Time `bun:"asked"`
		Answered *time.Time `bun:"answered"`
	}
	// Per conversation started in the period, its first message each way, each found by
	// the (conversation_id, id) index.
	err := db.NewSelect().TableExpr("conversations AS c").
		ColumnExpr("(SELECT m.created_at FROM messages AS m WHERE m.conversation_id = c.id AND m.direction = 'in' ORDER BY m.id LIMIT 1) AS asked").
		ColumnExpr("(SELECT m.created_at FROM messages AS m WHERE m.conversation_id = c.id AND m.direction = 'out' ORDER BY m.id LIMIT 1) AS answered").
		Where("c.created_at >= ? AND c.created_at < ?", since.UTC(), until.UTC()).
		Scan(ctx, &firsts)
	if err != nil {
		return FirstResponse{}, fmt.Errorf("first response: %w", err)
	}
	var waits []time.Duration
	for _, f := range firsts {
		if f.Asked != nil && f.Answered != nil && !f.Answered.Before(*f.Asked) {
			waits = append(waits, f.Answered.Sub(*f.Asked))
		}
	}
	if len(waits) == 0 {
		return FirstResponse{}, nil
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	at := func(q float64) time.Duration { return waits[min(len(waits)-1, int(q*float64(len(waits))))] }
	return FirstResponse{Answered: len(waits), Median: at(0.5), P90: at(0.9)}, nil
}
