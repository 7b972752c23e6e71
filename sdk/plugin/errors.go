package plugin

import (
	"errors"
	"time"
)

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

// Scope says what an error's retry-after applies to.
type Scope string

// Scopes of an error detail.
const (
	// ScopeSender: slow down the whole sending address (a WhatsApp number's throughput).
	ScopeSender Scope = "sender"
	// ScopeRecipient: slow down only messages to this recipient (WhatsApp's pair limit).
	ScopeRecipient Scope = "recipient"
)

// Source says whose fault an error is, so metrics separate our bugs from a provider's
// outages.
type Source string

// Sources of an error detail.
const (
	SourcePlugin     Source = "plugin"
	SourceDownstream Source = "downstream"
)

// Detail is what an error says beyond its sentinel. It crosses the plugin boundary in
// the status's ErrorInfo metadata.
type Detail struct {
	// RetryAfter is how long to wait before trying again (0: the caller's own backoff).
	RetryAfter time.Duration
	// ProviderCode is the upstream's error code, e.g. "131047".
	ProviderCode string
	// Scope is what RetryAfter applies to ("" means this one message).
	Scope Scope
	// Source is whose fault it is ("" when unknown).
	Source Source
}

// IsZero reports whether d says nothing.
func (d Detail) IsZero() bool { return d == Detail{} }

// Detailed is implemented by errors that carry a Detail (WithDetail's, and the host side's
// errors from plugins).
type Detailed interface {
	ErrorDetail() Detail
}

type detailError struct {
	err    error
	detail Detail
}

func (e *detailError) Error() string       { return e.err.Error() }
func (e *detailError) Unwrap() error       { return e.err }
func (e *detailError) ErrorDetail() Detail { return e.detail }

// WithDetail attaches d to err; errors.Is still sees err's sentinel. A nil err stays nil.
//
//	return plugin.WithDetail(fmt.Errorf("%w: (#130429) throughput", plugin.ErrRateLimited),
//		plugin.Detail{RetryAfter: 2 * time.Second, Scope: plugin.ScopeSender, ProviderCode: "130429"})
func WithDetail(err error, d Detail) error {
	if err == nil {
		return nil
	}
	return &detailError{err: err, detail: d}
}

// DetailOf returns the detail carried by err or anything it wraps (the outermost wins);
// the zero Detail when none.
func DetailOf(err error) Detail {
	var d Detailed
	if errors.As(err, &d) {
		return d.ErrorDetail()
	}
	return Detail{}
}

// RetryAfter is DetailOf(err).RetryAfter.
func RetryAfter(err error) time.Duration { return DetailOf(err).RetryAfter }
