DROP INDEX messages_created;
DROP INDEX conversations_created;
