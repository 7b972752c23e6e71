// Package plugin owns what every conserje plugin shares whatever its kind: the lifecycle
// (Describe, Configure, Stop and an optional health check), the description a plugin gives
// of itself, the protocol version and handshake constants, the errors that cross the wire
// with a meaning callers branch on, the webhook request/reply shape, and the trace id that
// travels with every call.
//
// Kind packages (calendar, channel, payment, speech) build their interfaces on Lifecycle.
package plugin
