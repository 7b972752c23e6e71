package obs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	conversationKey
)

// WithRequestID returns ctx carrying the request (trace) id. The id follows the work the
// request started: the turn, the outbox delivery and every plugin call, whose log lines
// all carry it as trace_id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request (trace) id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithConversation returns ctx carrying the conversation id, logged as "conversation" on
// every record logged with it.
func WithConversation(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, conversationKey, id)
}

// Conversation returns the conversation id carried by ctx, or 0.
func Conversation(ctx context.Context) int64 {
	id, _ := ctx.Value(conversationKey).(int64)
	return id
}

// NewRequestID returns a random 16-hex-digit id.
func NewRequestID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "0000000000000000"
	}
	return hex.EncodeToString(b)
}

// NewLogger builds the process logger: JSON (or text) on w at the given level, adding
// trace_id and conversation to every record logged with a context that carries them.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "", "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want json or text", format)
	}
	return slog.New(ContextHandler{h}), nil
}

// ContextHandler copies the context's trace id and conversation id into each record, so a
// log line of a turn, an outbox delivery or a plugin call can be tied to the request that
// started it. A record that already carries trace_id (a plugin's line, relayed with the id
// the plugin saw) keeps it.
type ContextHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" && !hasAttr(r, KeyTraceID) {
		r.AddAttrs(slog.String(KeyTraceID, id))
	}
	if id := Conversation(ctx); id != 0 && !hasAttr(r, KeyConversation) {
		r.AddAttrs(slog.Int64(KeyConversation, id))
	}
	return h.Handler.Handle(ctx, r)
}

func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			found = true
			return false
		}
		return true
	})
	return found
}

// WithAttrs implements slog.Handler.
func (h ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ContextHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h ContextHandler) WithGroup(name string) slog.Handler {
	return ContextHandler{h.Handler.WithGroup(name)}
}
