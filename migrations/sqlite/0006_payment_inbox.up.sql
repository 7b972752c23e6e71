-- core/payments: the payments a provider told us about (the durable record of each
-- notification, the fetch queue, and the state last read from the provider), the
-- checkout links made for holds (reconciliation searches by their reference), and the
-- refunds staff asked for (idempotent by key).
CREATE TABLE provider_payments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    provider       TEXT NOT NULL,
    payment_id     TEXT NOT NULL,
    -- notified counts notifications (and reconciliation hits); handled is the value of
    -- notified when the payment was last read and applied: notified > handled = to read.
    notified       INTEGER NOT NULL DEFAULT 1 CHECK (notified >= 0),
    handled        INTEGER NOT NULL DEFAULT 0 CHECK (handled >= 0),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    lease_until    TIMESTAMP,
    last_error     TEXT NOT NULL DEFAULT '',
    reference      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT '',
    status_detail  TEXT NOT NULL DEFAULT '',
    amount_cents   BIGINT NOT NULL DEFAULT 0,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    currency       TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL DEFAULT '',
    staff_reason   TEXT NOT NULL DEFAULT '',
    flagged        TEXT NOT NULL DEFAULT '',
    late_refund    TEXT NOT NULL DEFAULT '',
    received_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    fetched_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider, payment_id)
);
CREATE INDEX provider_payments_due ON provider_payments (next_at) WHERE notified > handled;
CREATE INDEX provider_payments_reference ON provider_payments (reference);

CREATE TABLE payment_links (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id  BIGINT NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    link_id         TEXT NOT NULL,
    url             TEXT NOT NULL,
    idempotency_key TEXT NOT NULL DEFAULT '',
    expires_at      TIMESTAMP,
    checked_at      TIMESTAMP,
    closed_at       TIMESTAMP,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider, link_id)
);
CREATE INDEX payment_links_open ON payment_links (reservation_id) WHERE closed_at IS NULL;

CREATE TABLE payment_refunds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    provider           TEXT NOT NULL,
    payment_id         TEXT NOT NULL,
    reservation_code   TEXT NOT NULL DEFAULT '',
    idempotency_key    TEXT NOT NULL UNIQUE,
    amount_cents       BIGINT NOT NULL CHECK (amount_cents >= 0),
    reason             TEXT NOT NULL DEFAULT '',
    requested_by       TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    provider_refund_id TEXT NOT NULL DEFAULT '',
    refunded_cents     BIGINT NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX payment_refunds_payment ON payment_refunds (provider, payment_id);
