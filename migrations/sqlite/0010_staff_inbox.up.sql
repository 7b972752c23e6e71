-- The staff inbox: internal notes on a conversation (never sent to the guest), when staff
-- last read each conversation (unread = a guest message after it), and the indexes the
-- inbox sorts and searches with.
CREATE TABLE conversation_notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author          TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX conversation_notes_conversation ON conversation_notes (conversation_id, id);
ALTER TABLE conversations ADD COLUMN staff_read_at TIMESTAMP;
CREATE INDEX conversations_last_message ON conversations (last_message_at, id);
CREATE INDEX reservations_conversation ON reservations (conversation_id);
