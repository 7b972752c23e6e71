DROP INDEX reservations_conversation;
DROP INDEX conversations_last_message;
ALTER TABLE conversations DROP COLUMN staff_read_at;
DROP TABLE conversation_notes;
