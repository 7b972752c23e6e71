-- Availability reads find ranges of at most 14 nights through the (unit, start) indexes,
-- bounded on both sides; the rare longer ones (long stays, months-long blocks) through
-- these partial indexes. The threshold must match booking.shortRangeNights.
CREATE INDEX reservations_long ON reservations (accommodation_id, check_out)
    WHERE check_out - check_in > 14;
CREATE INDEX availability_calendar_long ON availability_calendar (accommodation_id, end_date)
    WHERE end_date - start_date > 14;
CREATE INDEX imported_blocks_long ON imported_blocks (accommodation_id, end_date)
    WHERE end_date - start_date > 14;
