-- The reports count conversations and guest messages of a period (core/stats): by index,
-- not by reading every conversation's session and every message.
CREATE INDEX conversations_created ON conversations (created_at);
CREATE INDEX messages_created ON messages (created_at, direction);
