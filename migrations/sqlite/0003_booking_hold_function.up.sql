-- Nothing on SQLite: the PostgreSQL migration of the same number adds booking_hold, the
-- one-call hold. SQLite runs in-process, so core/booking writes a hold statement by
-- statement there; the file exists because both dialects carry the same migration list.
SELECT 1;
