DROP INDEX IF EXISTS imported_blocks_long;
DROP INDEX IF EXISTS availability_calendar_long;
DROP INDEX IF EXISTS reservations_long;
