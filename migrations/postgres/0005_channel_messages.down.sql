DROP TABLE IF EXISTS delivery_statuses;
ALTER TABLE outbox DROP COLUMN error_class;
ALTER TABLE conversations DROP COLUMN channel_address;
ALTER TABLE conversations DROP COLUMN address_kind;
