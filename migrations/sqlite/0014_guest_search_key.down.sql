DROP INDEX reservations_report;
DROP INDEX reservations_search_key;
DROP INDEX conversations_search_key;
DROP TRIGGER reservations_search_key_update;
DROP TRIGGER reservations_search_key_insert;
DROP TRIGGER conversations_search_key_update;
DROP TRIGGER conversations_search_key_insert;
ALTER TABLE reservations DROP COLUMN search_key;
ALTER TABLE conversations DROP COLUMN search_key;
