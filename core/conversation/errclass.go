package conversation

import (
	"context"
	"errors"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// Error classes of a failed delivery, the class label of conserje_outbox_sends_total, so a
// dashboard tells a provider's outage (unavailable) from a bad token (rejected) or our own
// bug (invalid).
const (
	ClassRateLimited = "rate_limited" // the provider asked us to slow down
	ClassUnavailable = "unavailable"  // the provider or the plugin is down for now
	ClassTimeout     = "timeout"      // the send did not answer in time
	ClassRejected    = "rejected"     // the provider refused it (permissions, settings)
	ClassInvalid     = "invalid"      // the message or the channel cannot take it
	// ClassWindowClosed: the channel refuses free-form messages now (WhatsApp's 24 hours);
	// an approved template goes instead.
	ClassWindowClosed = "window_closed"
	// ClassRecipient: the recipient does not exist on the channel (not on WhatsApp).
	ClassRecipient = "recipient_invalid"
	ClassOther     = "other"
)

// permanent reports whether retrying a send of this class unchanged cannot help.
func permanent(class string) bool {
	switch class {
	case ClassRejected, ClassInvalid, ClassWindowClosed, ClassRecipient:
		return true
	}
	return false
}

// ErrorClass names the class of a send error.
func ErrorClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, channel.ErrWindowClosed):
		return ClassWindowClosed
	case errors.Is(err, channel.ErrRecipientInvalid):
		return ClassRecipient
	case errors.Is(err, plugin.ErrRateLimited):
		return ClassRateLimited
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, plugin.ErrPermissionDenied), errors.Is(err, plugin.ErrInvalidSettings),
		errors.Is(err, plugin.ErrNotConfigured):
		return ClassRejected
	case errors.Is(err, plugin.ErrInvalidRequest), errors.Is(err, plugin.ErrUnsupported), errors.Is(err, plugin.ErrNotFound):
		return ClassInvalid
	case errors.Is(err, plugin.ErrUnavailable):
		return ClassUnavailable
	}
	return ClassOther
}
