-- conserje schema, SQLite dialect. Keep in step with ../postgres/0001_init.up.sql.
-- Dates are TEXT YYYY-MM-DD (checked), instants are TIMESTAMP text in UTC, booleans 0/1.
CREATE TABLE properties (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    province        TEXT NOT NULL DEFAULT '',
    map_url         TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT 'America/Argentina/Buenos_Aires',
    check_in_time   TEXT NOT NULL DEFAULT '14:00',
    check_out_time  TEXT NOT NULL DEFAULT '10:00',
    deposit_percent INTEGER NOT NULL DEFAULT 30 CHECK (deposit_percent BETWEEN 0 AND 100),
    bank_alias      TEXT NOT NULL DEFAULT '',
    bank_cbu        TEXT NOT NULL DEFAULT '',
    bank_holder     TEXT NOT NULL DEFAULT '',
    policies        TEXT NOT NULL DEFAULT '{}',
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE accommodations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    property_id      BIGINT NOT NULL REFERENCES properties(id) ON DELETE RESTRICT,
    slug             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    unit_type        TEXT NOT NULL CHECK (unit_type IN ('cabaña', 'departamento', 'casa')),
    capacity         INTEGER NOT NULL CHECK (capacity >= 1),
    base_occupancy   INTEGER NOT NULL CHECK (base_occupancy >= 1),
    base_price_cents BIGINT NOT NULL CHECK (base_price_cents >= 0),
    amenities        TEXT NOT NULL DEFAULT '[]',
    description      TEXT NOT NULL DEFAULT '',
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (base_occupancy <= capacity)
);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    channel           TEXT NOT NULL,
    contact           TEXT NOT NULL,
    guest_name        TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'bot' CHECK (state IN ('bot', 'escalated', 'closed')),
    session           TEXT NOT NULL DEFAULT '{}',
    fallback_streak   INTEGER NOT NULL DEFAULT 0 CHECK (fallback_streak >= 0),
    escalation_reason TEXT NOT NULL DEFAULT '',
    escalated_at      TIMESTAMP,
    last_inbound_at   TIMESTAMP,
    last_message_at   TIMESTAMP,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (channel, contact)
);

CREATE TABLE reservation_sequences (
    day       TEXT PRIMARY KEY CHECK (length(day) = 6),
    last_seq  INTEGER NOT NULL CHECK (last_seq BETWEEN 0 AND 999)
);

CREATE TABLE reservations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL UNIQUE,
    accommodation_id BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE RESTRICT,
    check_in TEXT NOT NULL CHECK (date(check_in) IS NOT NULL AND date(check_in) = check_in),
    check_out TEXT NOT NULL CHECK (date(check_out) IS NOT NULL AND date(check_out) = check_out),
    guests           INTEGER NOT NULL CHECK (guests >= 1),
    adults           INTEGER CHECK (adults >= 0),
    children         INTEGER CHECK (children >= 0),
    guest_name       TEXT NOT NULL DEFAULT '',
    guest_phone      TEXT NOT NULL DEFAULT '',
    guest_email      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('pre_reserved', 'confirmed', 'cancelled', 'expired')),
    total_cents      BIGINT NOT NULL CHECK (total_cents >= 0),
    deposit_cents    BIGINT NOT NULL CHECK (deposit_cents >= 0),
    paid_cents       BIGINT NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    currency         TEXT NOT NULL DEFAULT 'ARS',
    quote            TEXT NOT NULL DEFAULT '{}',
    source           TEXT NOT NULL DEFAULT 'bot',
    conversation_id  BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    expires_at       TIMESTAMP,
    extended_at      TIMESTAMP,
    confirmed_at     TIMESTAMP,
    cancelled_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (check_out > check_in),
    CHECK (status <> 'pre_reserved' OR expires_at IS NOT NULL)
);
CREATE INDEX reservations_unit_dates ON reservations (accommodation_id, check_in, check_out);
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'pre_reserved';

-- Two active bookings of one unit never overlap. SQLite serializes writers, so a check in a
-- BEFORE trigger is exact; the error text starts with the constraint name the Go code maps.
CREATE TRIGGER reservations_no_overlap_insert BEFORE INSERT ON reservations
WHEN NEW.status IN ('pre_reserved', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap: the unit is already booked for some of these nights')
    WHERE EXISTS (
        SELECT 1 FROM reservations r
        WHERE r.accommodation_id = NEW.accommodation_id
          AND r.status IN ('pre_reserved', 'confirmed')
          AND r.check_in < NEW.check_out AND NEW.check_in < r.check_out
    );
END;

CREATE TRIGGER reservations_no_overlap_update BEFORE UPDATE OF accommodation_id, check_in, check_out, status ON reservations
WHEN NEW.status IN ('pre_reserved', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap: the unit is already booked for some of these nights')
    WHERE EXISTS (
        SELECT 1 FROM reservations r
        WHERE r.accommodation_id = NEW.accommodation_id
          AND r.id <> NEW.id
          AND r.status IN ('pre_reserved', 'confirmed')
          AND r.check_in < NEW.check_out AND NEW.check_in < r.check_out
    );
END;

CREATE TABLE availability_calendar (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    accommodation_id BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    start_date TEXT NOT NULL CHECK (date(start_date) IS NOT NULL AND date(start_date) = start_date),
    end_date TEXT NOT NULL CHECK (date(end_date) IS NOT NULL AND date(end_date) = end_date),
    kind             TEXT NOT NULL CHECK (kind IN ('block', 'price', 'min_stay')),
    price_cents      BIGINT CHECK (price_cents >= 0),
    min_nights       INTEGER CHECK (min_nights >= 1),
    note             TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (end_date > start_date),
    CHECK (kind <> 'price' OR price_cents IS NOT NULL),
    CHECK (kind <> 'min_stay' OR min_nights IS NOT NULL)
);
CREATE INDEX availability_calendar_unit_dates ON availability_calendar (accommodation_id, start_date, end_date);

CREATE TABLE payment_records (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id      BIGINT NOT NULL REFERENCES reservations(id) ON DELETE RESTRICT,
    provider            TEXT NOT NULL,
    provider_payment_id TEXT,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'refunded', 'in_process')),
    amount_cents        BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency            TEXT NOT NULL DEFAULT 'ARS',
    link_url            TEXT NOT NULL DEFAULT '',
    raw                 TEXT NOT NULL DEFAULT '{}',
    created_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payment_records_reservation ON payment_records (reservation_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    channel         TEXT NOT NULL,
    external_id     TEXT,
    kind            TEXT NOT NULL DEFAULT 'text',
    text            TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '{}',
    nlu             TEXT,
    status          TEXT NOT NULL DEFAULT 'received',
    latency_ms      INTEGER CHECK (latency_ms >= 0),
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (channel, external_id)
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);

CREATE TABLE calendar_feeds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    accommodation_id BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    platform         TEXT NOT NULL CHECK (platform IN ('airbnb', 'booking', 'vrbo', 'google', 'generic')),
    url              TEXT NOT NULL,
    priority         INTEGER NOT NULL DEFAULT 0,
    enabled          INTEGER NOT NULL DEFAULT 1,
    end_inclusive    INTEGER NOT NULL DEFAULT 0,
    etag             TEXT NOT NULL DEFAULT '',
    last_modified    TEXT NOT NULL DEFAULT '',
    last_attempt_at  TIMESTAMP,
    last_success_at  TIMESTAMP,
    last_duration_ms INTEGER CHECK (last_duration_ms >= 0),
    last_status      TEXT NOT NULL DEFAULT 'never',
    last_error       TEXT NOT NULL DEFAULT '',
    event_count      INTEGER NOT NULL DEFAULT 0 CHECK (event_count >= 0),
    empty_streak     INTEGER NOT NULL DEFAULT 0 CHECK (empty_streak >= 0),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (accommodation_id, url)
);

CREATE TABLE imported_blocks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id          BIGINT NOT NULL REFERENCES calendar_feeds(id) ON DELETE CASCADE,
    accommodation_id BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    uid              TEXT NOT NULL,
    start_date TEXT NOT NULL CHECK (date(start_date) IS NOT NULL AND date(start_date) = start_date),
    end_date TEXT NOT NULL CHECK (date(end_date) IS NOT NULL AND date(end_date) = end_date),
    kind             TEXT NOT NULL CHECK (kind IN ('reservation', 'block')),
    tentative        INTEGER NOT NULL DEFAULT 0,
    summary          TEXT NOT NULL DEFAULT '',
    reservation_code TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending_removal')),
    first_seen_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (end_date > start_date),
    UNIQUE (feed_id, uid)
);
CREATE INDEX imported_blocks_unit_dates ON imported_blocks (accommodation_id, start_date, end_date);

CREATE TABLE calendar_conflicts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    accommodation_id  BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    imported_block_id BIGINT REFERENCES imported_blocks(id) ON DELETE SET NULL,
    reservation_id    BIGINT REFERENCES reservations(id) ON DELETE SET NULL,
    detail            TEXT NOT NULL DEFAULT '',
    detected_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    resolved_at       TIMESTAMP,
    resolved_by       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX calendar_conflicts_open ON calendar_conflicts (imported_block_id, reservation_id) WHERE resolved_at IS NULL;

CREATE TABLE ical_export_fetches (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    accommodation_id BIGINT NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    portal           TEXT NOT NULL,
    fetched_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    user_agent       TEXT NOT NULL DEFAULT '',
    remote_addr      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ical_export_fetches_latest ON ical_export_fetches (accommodation_id, portal, fetched_at);

CREATE TABLE pricing_rules (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    property_id      BIGINT NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
    accommodation_id BIGINT REFERENCES accommodations(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('weekend_multiplier', 'holiday_multiplier', 'season', 'min_stay', 'long_weekend_min_stay', 'extra_guest_fee', 'length_discount', 'cleaning_fee', 'deposit_percent')),
    name             TEXT NOT NULL DEFAULT '',
    start_date TEXT CHECK (start_date IS NULL OR date(start_date) = start_date),
    end_date TEXT CHECK (end_date IS NULL OR date(end_date) = end_date),
    priority         INTEGER NOT NULL DEFAULT 0,
    multiplier_bp    INTEGER CHECK (multiplier_bp >= 0),
    amount_cents     BIGINT CHECK (amount_cents >= 0),
    percent_bp       INTEGER CHECK (percent_bp BETWEEN 0 AND 10000),
    nights           INTEGER CHECK (nights >= 1),
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (start_date IS NULL OR end_date IS NULL OR end_date > start_date)
);
CREATE INDEX pricing_rules_property ON pricing_rules (property_id, kind);

CREATE TABLE holidays (
    date TEXT PRIMARY KEY CHECK (date(date) IS NOT NULL AND date(date) = date),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    day_off     INTEGER NOT NULL DEFAULT 1,
    provisional INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT 'official' CHECK (source IN ('official', 'computed', 'host')),
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE domain_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    aggregate_type TEXT NOT NULL,
    aggregate_id   TEXT NOT NULL,
    type           TEXT NOT NULL,
    payload        TEXT NOT NULL DEFAULT '{}',
    request_id     TEXT NOT NULL DEFAULT '',
    occurred_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX domain_events_aggregate ON domain_events (aggregate_type, aggregate_id, id);
CREATE INDEX domain_events_type ON domain_events (type, occurred_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE CASCADE,
    message_id      BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'text',
    payload         TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, not_before);

CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'staff' CHECK (role IN ('admin', 'staff')),
    active        INTEGER NOT NULL DEFAULT 1,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE staff_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
