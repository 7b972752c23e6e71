package mp

import (
	"net/url"
	"strings"
)

// Notification kinds.
const (
	KindWebhook = "webhook" // ?data.id=…&type=…, signed with x-signature
	KindIPN     = "ipn"     // legacy ?topic=…&id=…, which nobody can verify
)

// TopicPayment is the only topic conserje reads; the others are acknowledged and ignored.
const TopicPayment = "payment"

// Notification is what a request's query says: the body is at most a hint, since only the
// query's data.id, x-request-id and ts are signed.
type Notification struct {
	Kind  string
	Topic string
	// ResourceID is the query's data.id (webhook) or id (IPN); "" when absent.
	ResourceID string
}

// ParseNotification reads a notification's kind, topic and resource id from its query.
// A query with topic is an IPN; anything else is a webhook, whose type may be missing
// from a truncated query (then the topic is "").
func ParseNotification(q url.Values) Notification {
	if q.Has("topic") && !q.Has("data.id") {
		return Notification{Kind: KindIPN, Topic: strings.TrimSpace(q.Get("topic")), ResourceID: strings.TrimSpace(q.Get("id"))}
	}
	return Notification{Kind: KindWebhook, Topic: strings.TrimSpace(q.Get("type")), ResourceID: strings.TrimSpace(q.Get("data.id"))}
}
