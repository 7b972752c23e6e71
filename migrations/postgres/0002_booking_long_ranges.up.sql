-- Availability reads a window of dates. A range of at most 14 nights that overlaps the
-- window starts at most 14 days before it, so it is found by a seek bounded on both sides;
-- the rare longer ones (long stays, months-long blocks) by partial indexes of their own.
-- Searches over many units seek by date alone (the *_by_start indexes, covering); reads of
-- one unit use the (unit, start) indexes of 0001. The threshold 14 must match
-- booking.shortRangeNights.
CREATE INDEX reservations_by_start ON reservations (check_in, check_out, accommodation_id, status, expires_at);
CREATE INDEX availability_calendar_by_start ON availability_calendar (start_date, end_date, accommodation_id, kind);
CREATE INDEX imported_blocks_by_start ON imported_blocks (start_date, end_date, accommodation_id);
CREATE INDEX reservations_long ON reservations (check_out, check_in, accommodation_id, status, expires_at)
    WHERE check_out - check_in > 14;
CREATE INDEX availability_calendar_long ON availability_calendar (end_date, start_date, accommodation_id, kind)
    WHERE end_date - start_date > 14;
CREATE INDEX imported_blocks_long ON imported_blocks (end_date, start_date, accommodation_id)
    WHERE end_date - start_date > 14;
-- Per-date price and minimum-stay overrides are few; a search reads the ones not yet over.
CREATE INDEX availability_calendar_overrides ON availability_calendar (end_date, start_date, accommodation_id)
    WHERE kind IN ('price', 'min_stay');
