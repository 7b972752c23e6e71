package plugin

import "context"

type traceIDKey struct{}

// WithTraceID returns ctx carrying the request/trace id id. On the host side the id in ctx
// is sent with every plugin call; on the plugin side the SDK puts the received id in the
// ctx given to the plugin's methods.
func WithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceIDKey{}, id)
}

// TraceID returns the request/trace id carried by ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	id, _ := ctx.Value(traceIDKey{}).(string)
	return id
}
