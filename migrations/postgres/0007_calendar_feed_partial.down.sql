ALTER TABLE calendar_feeds DROP COLUMN partial_reason;
