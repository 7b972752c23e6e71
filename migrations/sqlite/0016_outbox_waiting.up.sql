-- The outbox sends a conversation's messages in order: a row is due only when no earlier
-- row of its conversation is still waiting. Without an index on the conversation that
-- check scanned every waiting row for each candidate (75 ms per claim with a backlog of
-- a thousand replies, the largest cost of answering a burst); only waiting rows are
-- indexed, so sent ones (nearly all) cost nothing.
CREATE INDEX outbox_conversation_waiting ON outbox (conversation_id, id) WHERE status IN ('pending', 'sending');
