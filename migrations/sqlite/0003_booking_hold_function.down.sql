-- Nothing to revert on SQLite (see 0003_booking_hold_function.up.sql).
SELECT 1;
