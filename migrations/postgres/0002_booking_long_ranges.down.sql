DROP INDEX IF EXISTS availability_calendar_overrides;
DROP INDEX IF EXISTS imported_blocks_long;
DROP INDEX IF EXISTS availability_calendar_long;
DROP INDEX IF EXISTS reservations_long;
DROP INDEX IF EXISTS imported_blocks_by_start;
DROP INDEX IF EXISTS availability_calendar_by_start;
DROP INDEX IF EXISTS reservations_by_start;
