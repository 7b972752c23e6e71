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
// first message sent back, for conversations whose first guest message is in
// [since, until).
func ReadFirstResponse(ctx context.Context, db *store.DB, since, until time.Time) (FirstResponse, error) {
	var firsts []struct {
		ConversationID int64     `bun:"conversation_id"`
		Direction      string    `bun:"direction"`
		CreatedAt      time.Time `bun:"created_at"`
	}
	// The first message each way of each conversation (the earliest row by id, which
	// follows arrival order).
	err := db.NewSelect().ColumnExpr("m.conversation_id, m.direction, m.created_at").TableExpr("messages AS m").
		Join("JOIN (SELECT conversation_id, direction, MIN(id) AS first_id FROM messages GROUP BY conversation_id, direction) AS f ON m.id = f.first_id").
		Where("m.conversation_id IN (SELECT conversation_id FROM messages WHERE direction = 'in' GROUP BY conversation_id HAVING MIN(created_at) >= ? AND MIN(created_at) < ?)", since.UTC(), until.UTC()).
		Scan(ctx, &firsts)
	if err != nil {
		return FirstResponse{}, fmt.Errorf("first response: %w", err)
	}
	in, out := map[int64]time.Time{}, map[int64]time.Time{}
	for _, f := range firsts {
		if f.Direction == "in" {
			in[f.ConversationID] = f.CreatedAt
		} else {
			out[f.ConversationID] = f.CreatedAt
		}
	}
	var waits []time.Duration
	for id, asked := range in {
		if answered, ok := out[id]; ok && !answered.Before(asked) {
			waits = append(waits, answered.Sub(asked))
		}
	}
	if len(waits) == 0 {
		return FirstResponse{}, nil
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	at := func(q float64) time.Duration { return waits[min(len(waits)-1, int(q*float64(len(waits))))] }
	return FirstResponse{Answered: len(waits), Median: at(0.5), P90: at(0.9)}, nil
}
