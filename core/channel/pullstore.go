package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Notice is what a pull channel decided about an item that is not a turn for the bot,
// kept for staff (channel_notices).
type Notice struct {
	Channel    string
	ExternalID string
	// Kind is "skip", "handoff" or "bounce".
	Kind     string
	Category string
	Reason   string
	Sender   string
	Subject  string
	Text     string
	Metadata map[string]string
	// ConversationID is the conversation the item was stored in (0: none).
	ConversationID int64
	ReceivedAt     time.Time
}

// BunPullStore keeps pull channels' cursors and notices in the database.
type BunPullStore struct {
	db  bun.IDB
	now func() time.Time
}

var _ PullStore = (*BunPullStore)(nil)

// NewPullStore returns the store over db.
func NewPullStore(db bun.IDB) *BunPullStore { return &BunPullStore{db: db, now: time.Now} }

type cursorRow struct {
	bun.BaseModel `bun:"table:channel_cursors"`
	Channel       string    `bun:"channel,pk"`
	Cursor        string    `bun:"cursor,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

type noticeRow struct {
	bun.BaseModel  `bun:"table:channel_notices"`
	ID             int64     `bun:"id,pk,autoincrement"`
	Channel        string    `bun:"channel,notnull"`
	ExternalID     string    `bun:"external_id,notnull"`
	Kind           string    `bun:"kind,notnull"`
	Category       string    `bun:"category,notnull"`
	Reason         string    `bun:"reason,notnull"`
	Sender         string    `bun:"sender,notnull"`
	Subject        string    `bun:"subject,notnull"`
	Body           string    `bun:"body,notnull"`
	Metadata       string    `bun:"metadata,notnull"`
	ConversationID *int64    `bun:"conversation_id"`
	ReceivedAt     time.Time `bun:"received_at,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Cursor returns the channel's stored cursor ("" before its first message).
func (s *BunPullStore) Cursor(ctx context.Context, channel string) (string, error) {
	var row cursorRow
	err := s.db.NewSelect().Model(&row).Where("channel = ?", channel).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cursor of %s: %w", channel, err)
	}
	return row.Cursor, nil
}

// SaveCursor stores the channel's cursor.
func (s *BunPullStore) SaveCursor(ctx context.Context, channel, cursor string) error {
	row := cursorRow{Channel: channel, Cursor: cursor, UpdatedAt: s.now().UTC()}
	if _, err := s.db.NewInsert().Model(&row).
		On("CONFLICT (channel) DO UPDATE").Set("cursor = EXCLUDED.cursor").Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx); err != nil {
		return fmt.Errorf("save cursor of %s: %w", channel, err)
	}
	return nil
}

// SaveNotice keeps a notice once per (channel, external id): a re-delivered item is not
// kept twice.
func (s *BunPullStore) SaveNotice(ctx context.Context, n Notice) error {
	md, err := json.Marshal(n.Metadata)
	if err != nil {
		return fmt.Errorf("notice metadata: %w", err)
	}
	if n.Metadata == nil {
		md = []byte("{}")
	}
	row := noticeRow{Channel: n.Channel, ExternalID: n.ExternalID, Kind: n.Kind, Category: n.Category, Reason: n.Reason,
		Sender: n.Sender, Subject: n.Subject, Body: n.Text, Metadata: string(md), ReceivedAt: n.ReceivedAt.UTC(), CreatedAt: s.now().UTC()}
	if n.ConversationID != 0 {
		row.ConversationID = &n.ConversationID
	}
	if row.ReceivedAt.IsZero() {
		row.ReceivedAt = row.CreatedAt
	}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (channel, external_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("save %s notice of %s: %w", n.Kind, n.Channel, err)
	}
	return nil
}

// Notices lists the latest notices of one kind ("" every kind), newest first (for staff).
func (s *BunPullStore) Notices(ctx context.Context, kind string, limit int) ([]Notice, error) {
	var rows []noticeRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("created_at DESC, id DESC").Limit(limit)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list channel notices: %w", err)
	}
	out := make([]Notice, 0, len(rows))
	for _, r := range rows {
		n := Notice{Channel: r.Channel, ExternalID: r.ExternalID, Kind: r.Kind, Category: r.Category, Reason: r.Reason,
			Sender: r.Sender, Subject: r.Subject, Text: r.Body, ReceivedAt: r.ReceivedAt}
		_ = json.Unmarshal([]byte(r.Metadata), &n.Metadata)
		if r.ConversationID != nil {
			n.ConversationID = *r.ConversationID
		}
		out = append(out, n)
	}
	return out, nil
}
