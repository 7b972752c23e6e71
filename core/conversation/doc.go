// Package conversation owns conversations and their messages: every message in and out is
// stored (channel, external id, text, what the NLU understood, latency), inbound messages
// are deduplicated on (channel, external id), one turn at a time runs per conversation in
// arrival order (a Locker, shared across replicas through Redis), and the replies are
// written to the outbox in the turn's own transaction and delivered by the Sender with
// retries. It also owns the handoff state (escalate, release), proactive messages that
// wait for the end of quiet hours, and the booking confirmation message.
package conversation
