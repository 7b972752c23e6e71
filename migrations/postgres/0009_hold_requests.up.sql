-- Who asked for each hold the bot made, as digests (never the address or contact itself),
-- so one address, phone or e-mail cannot take every unit off sale: booking counts the
-- holds each key made in the last hour (booking.holds_per_hour).
CREATE TABLE hold_requests (
    id             BIGSERIAL PRIMARY KEY,
    client_key     TEXT NOT NULL,
    reservation_id BIGINT NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX hold_requests_key_time ON hold_requests (client_key, created_at);
CREATE INDEX hold_requests_reservation ON hold_requests (reservation_id);
