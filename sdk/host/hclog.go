package host

import (
	"context"
	"io"
	"log"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// levelTrace is where hclog's Trace lands in slog (below Debug).
const levelTrace = slog.LevelDebug - 4

// slogHCLogger is an hclog.Logger writing to a *slog.Logger. go-plugin logs through it,
// including every JSON line the plugin writes on stderr, already parsed into level,
// message and fields.
type slogHCLogger struct {
	l       *slog.Logger
	name    string
	implied []any
}

var _ hclog.Logger = (*slogHCLogger)(nil)

func newHCLogger(l *slog.Logger) hclog.Logger { return &slogHCLogger{l: l} }

func toSlogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return levelTrace
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (h *slogHCLogger) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Off {
		return
	}
	sl := toSlogLevel(level)
	ctx := context.Background()
	if !h.l.Enabled(ctx, sl) {
		return
	}
	attrs := make([]any, 0, len(h.implied)+len(args)+2)
	if h.name != "" {
		attrs = append(attrs, "module", h.name)
	}
	attrs = append(attrs, h.implied...)
	attrs = append(attrs, args...)
	h.l.Log(ctx, sl, msg, attrs...)
}

func (h *slogHCLogger) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *slogHCLogger) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *slogHCLogger) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *slogHCLogger) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *slogHCLogger) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *slogHCLogger) enabled(l slog.Level) bool { return h.l.Enabled(context.Background(), l) }

func (h *slogHCLogger) IsTrace() bool { return h.enabled(levelTrace) }
func (h *slogHCLogger) IsDebug() bool { return h.enabled(slog.LevelDebug) }
func (h *slogHCLogger) IsInfo() bool  { return h.enabled(slog.LevelInfo) }
func (h *slogHCLogger) IsWarn() bool  { return h.enabled(slog.LevelWarn) }
func (h *slogHCLogger) IsError() bool { return h.enabled(slog.LevelError) }

func (h *slogHCLogger) ImpliedArgs() []any { return h.implied }

func (h *slogHCLogger) With(args ...any) hclog.Logger {
	c := *h
	c.implied = append(append([]any{}, h.implied...), args...)
	return &c
}

func (h *slogHCLogger) Name() string { return h.name }

func (h *slogHCLogger) Named(name string) hclog.Logger {
	c := *h
	if c.name != "" {
		c.name += "." + name
	} else {
		c.name = name
	}
	return &c
}

func (h *slogHCLogger) ResetNamed(name string) hclog.Logger {
	c := *h
	c.name = name
	return &c
}

// SetLevel is ignored: the level is the slog handler's.
func (h *slogHCLogger) SetLevel(hclog.Level) {}

// GetLevel reports the lowest level the slog handler accepts, so go-plugin skips parsing
// plugin lines that would be dropped anyway.
func (h *slogHCLogger) GetLevel() hclog.Level {
	switch {
	case h.IsTrace():
		return hclog.Trace
	case h.IsDebug():
		return hclog.Debug
	case h.IsInfo():
		return hclog.Info
	case h.IsWarn():
		return hclog.Warn
	case h.IsError():
		return hclog.Error
	}
	return hclog.Off
}

func (h *slogHCLogger) StandardLogger(*hclog.StandardLoggerOptions) *log.Logger {
	return slog.NewLogLogger(h.l.Handler(), slog.LevelInfo)
}

func (h *slogHCLogger) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	return h.StandardLogger(opts).Writer()
}
