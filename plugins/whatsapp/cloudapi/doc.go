// Package cloudapi owns conserje's side of the WhatsApp Cloud API (Meta's Graph API):
// the webhook's verification handshake and X-Hub-Signature-256 check, the normalization
// of every inbound message type and delivery status, the send requests with their limits,
// the classification of Graph errors by code, and media download and upload. The facts
// and their sources are in docs/providers.md, Part 1; Plugin puts it behind conserje's
// channel contract.
package cloudapi
