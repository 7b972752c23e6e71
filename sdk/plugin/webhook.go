package plugin

import (
	"net/http"
	"net/url"
)

// WebhookRequest is an HTTP request the core received for a plugin, forwarded as is: the
// plugin owns its provider's protocol (signature checks, verification challenges).
type WebhookRequest struct {
	Method string
	// Path is the request path as received by the core, e.g. "/webhooks/whatsapp".
	Path    string
	Query   url.Values
	Headers http.Header
	// Body is the raw body, bounded in size by the core.
	Body []byte
}

// WebhookReply is the HTTP answer the core writes back to the provider.
type WebhookReply struct {
	// Status is the HTTP status code; 0 means 200.
	Status  int
	Headers http.Header
	Body    []byte
}
