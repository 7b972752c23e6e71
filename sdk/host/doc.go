// Package host is the host side of the plugin contract: it starts a plugin binary
// through go-plugin (handshake, protocol version, gRPC), maps the plugin's logs into a
// *slog.Logger under the plugin's name, asks it what it is (Describe) and hands out typed
// clients that implement the same interfaces as the plugin (calendar.Plugin,
// channel.Plugin, ...). Calls carry the ctx deadline and the trace id of
// plugin.WithTraceID.
//
// It starts and stops one process; supervising (restarts, crash budget, health) is the
// core's pluginhost.
package host
