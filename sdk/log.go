package sdk

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/conserje/conserje/sdk/internal/transport"
	"github.com/conserje/conserje/sdk/plugin"
)

// hclogTimeFormat is the timestamp layout of hclog's JSON, which the host parses.
const hclogTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// stderr is captured before go-plugin redirects os.Stderr to its stdio stream: the host
// reads log lines from the process's real stderr.
var stderr io.Writer = os.Stderr

var logger = newLogger(stderr, levelFromEnv())

// Logger is the plugin's logger: JSON lines on stderr in hclog's format, which the host
// reads and puts in its own log under the plugin's name. stdout belongs to the handshake;
// never print there. Log with the call's ctx (InfoContext, ...) and the line carries the
// call's trace_id, so the host's log ties it to the guest request that caused it.
func Logger() *slog.Logger { return logger }

func levelFromEnv() slog.Level {
	switch strings.ToLower(os.Getenv(transport.EnvLogLevel)) {
	case "trace", "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(traceHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format(hclogTimeFormat))
			case slog.LevelKey:
				return slog.String("@level", hclogLevel(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				return slog.Attr{Key: "@message", Value: a.Value}
			}
			return a
		},
	})})
}

// traceHandler adds the trace id of the call's ctx to each line as trace_id.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := plugin.TraceID(ctx); id != "" {
		r.AddAttrs(slog.String("trace_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

func hclogLevel(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}

// hclogger is the logger go-plugin itself uses inside the plugin.
func hclogger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(transport.EnvLogLevel))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Level:      level,
		Output:     stderr,
		JSONFormat: true,
	})
}
