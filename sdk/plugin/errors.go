package plugin

import "errors"

// Errors with a meaning that survives the trip between plugin and host. A plugin returns
// (or wraps) one of them; the host side gives back an error for which errors.Is holds
// with the same sentinel. Any other error reaches the host as a plain error with the
// plugin's message.
var (
	// ErrUnsupported: the plugin does not implement this operation or this variant of it
	// (e.g. buttons on a channel without them).
	ErrUnsupported = errors.New("operation not supported by the plugin")
	// ErrInvalidRequest: the request is malformed; retrying it unchanged will fail again.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrInvalidSettings: Configure was given settings the plugin cannot use.
	ErrInvalidSettings = errors.New("invalid plugin settings")
	// ErrNotConfigured: a call arrived before a successful Configure.
	ErrNotConfigured = errors.New("plugin not configured")
	// ErrNotFound: the thing asked for (a payment, a media item) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the upstream service is unreachable or failing; retry later.
	ErrUnavailable = errors.New("upstream unavailable")
	// ErrRateLimited: the upstream service asked to slow down; retry later.
	ErrRateLimited = errors.New("rate limited by upstream")
	// ErrPermissionDenied: the upstream refused the plugin's credentials.
	ErrPermissionDenied = errors.New("permission denied by upstream")
	// ErrPanicked: the plugin panicked while serving the call; the SDK recovered and the
	// plugin process is still running.
	ErrPanicked = errors.New("plugin panicked")
)
