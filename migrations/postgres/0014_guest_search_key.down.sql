DROP INDEX reservations_report;
DROP INDEX IF EXISTS reservations_search_key;
DROP INDEX IF EXISTS conversations_search_key;
ALTER TABLE reservations DROP COLUMN search_key;
ALTER TABLE conversations DROP COLUMN search_key;
-- pg_trgm stays: other databases objects may use it by now.
