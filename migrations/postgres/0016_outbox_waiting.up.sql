-- The outbox claims the oldest waiting rows (ORDER BY id LIMIT) whose conversation has no
-- earlier row still waiting. Waiting rows are few and sent ones nearly all, but with stale
-- statistics (a table growing fast between ANALYZEs) PostgreSQL walked the primary key
-- through every sent row, and the per-conversation check scanned every waiting row for
-- each candidate: 5 to 75 ms per claim under a burst, the largest cost of answering it.
-- Both indexes hold waiting rows only.
CREATE INDEX outbox_waiting ON outbox (id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_conversation_waiting ON outbox (conversation_id, id) WHERE status IN ('pending', 'sending');
