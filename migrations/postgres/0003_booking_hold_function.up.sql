-- booking_hold writes a hold in one call, so a hold costs the booking engine one round
-- trip and its statements are planned once per connection (PL/pgSQL caches the plans)
-- instead of BEGIN, five statements and COMMIT. Called outside an explicit transaction,
-- the call is its own transaction: every write below commits or rolls back together.
-- In order, as core/booking/holds.go does it statement by statement on SQLite:
--   1. the unit's transaction-scoped advisory lock (concurrent inserts into the exclusion
--      constraint otherwise deadlock with 40P01; see docs/architecture.md);
--   2. the unit's calendar entries on those nights: a manual or imported block (the
--      constraint does not see them) ends the call with outcome 'blocked'; when the caller
--      priced the stay without reading the calendar (p_priced_without_overrides), a price or
--      minimum-stay override ends it with 'reprice'. Nothing is written in either case;
--   3. lapsed holds of the unit are expired, each with its hold_expired event (a lapsed
--      hold still counts for the constraint until then);
--   4. the check-in day's counter, the reservation (code RES + yymmdd + 3 digits) and its
--      hold_created event, last, so the counter row stays locked only until the commit;
--      outcome 'held'.
-- An overlapping hold or booking fails the insert with 23P01 (reservations_no_overlap);
-- a 1000th hold of one check-in day fails the counter's CHECK. Statuses and event types
-- are booking's (store.Status*, booking.Event*); the Go caller passes everything else.
CREATE FUNCTION booking_hold(
    p_lock_key        BIGINT,
    p_unit            BIGINT,
    p_check_in        DATE,
    p_check_out       DATE,
    p_day             TEXT,
    p_guests          INTEGER,
    p_guest_name      TEXT,
    p_guest_phone     TEXT,
    p_guest_email     TEXT,
    p_total_cents     BIGINT,
    p_deposit_cents   BIGINT,
    p_currency        TEXT,
    p_quote           JSONB,
    p_source          TEXT,
    p_conversation_id BIGINT,
    p_now             TIMESTAMPTZ,
    p_expires_at      TIMESTAMPTZ,
    p_event           JSONB,
    p_request_id      TEXT,
    p_priced_without_overrides BOOLEAN,
    OUT outcome       TEXT,
    OUT hold_id       BIGINT,
    OUT hold_code     TEXT
) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_key);

    IF EXISTS (SELECT 1 FROM availability_calendar a
                WHERE a.accommodation_id = p_unit AND a.kind = 'block'
                  AND a.start_date < p_check_out AND a.end_date > p_check_in)
       OR EXISTS (SELECT 1 FROM imported_blocks b
                   WHERE b.accommodation_id = p_unit
                     AND b.start_date < p_check_out AND b.end_date > p_check_in) THEN
        outcome := 'blocked';
        RETURN;
    END IF;
    IF p_priced_without_overrides
       AND EXISTS (SELECT 1 FROM availability_calendar a
                    WHERE a.accommodation_id = p_unit AND a.kind IN ('price', 'min_stay')
                      AND a.start_date < p_check_out AND a.end_date > p_check_in) THEN
        outcome := 'reprice';
        RETURN;
    END IF;

    WITH lapsed AS (
        UPDATE reservations r SET status = 'expired', updated_at = p_now
         WHERE r.accommodation_id = p_unit AND r.status = 'pre_reserved' AND r.expires_at <= p_now
        RETURNING r.code
    )
    INSERT INTO domain_events (aggregate_type, aggregate_id, type, payload, request_id, occurred_at)
    SELECT 'reservation', lapsed.code, 'hold_expired', jsonb_build_object('accommodation_id', p_unit), p_request_id, p_now
      FROM lapsed;

    WITH seq AS (
        INSERT INTO reservation_sequences AS s (day, last_seq) VALUES (p_day, 1)
        ON CONFLICT (day) DO UPDATE SET last_seq = s.last_seq + 1
        RETURNING s.last_seq
    )
    INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, guest_name, guest_phone, guest_email,
        status, total_cents, deposit_cents, paid_cents, currency, quote, source, conversation_id, expires_at, created_at, updated_at)
    SELECT 'RES' || p_day || lpad(seq.last_seq::text, 3, '0'), p_unit, p_check_in, p_check_out, p_guests,
        p_guest_name, p_guest_phone, p_guest_email, 'pre_reserved', p_total_cents, p_deposit_cents, 0, p_currency,
        p_quote, p_source, p_conversation_id, p_expires_at, p_now, p_now
      FROM seq
    RETURNING id, code INTO hold_id, hold_code;

    INSERT INTO domain_events (aggregate_type, aggregate_id, type, payload, request_id, occurred_at)
    VALUES ('reservation', hold_code, 'hold_created', p_event, p_request_id, p_now);
    outcome := 'held';
END
$$;
