DROP INDEX outbox_conversation_waiting;
DROP INDEX outbox_waiting;
