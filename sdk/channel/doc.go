// Package channel is the contract of channel plugins (WhatsApp, email, ...): turning a
// provider's webhook into normalized inbound messages and delivery statuses, sending
// replies (text, buttons, audio, templates), fetching media, and, for pull channels such
// as IMAP, streaming inbound messages.
package channel
