-- Channels as wide as the plugin contract: how the guest is addressed (phone, email, web),
-- which of our addresses they wrote to (replies go out from it), why an outbox row
-- failed, and every delivery status a provider reported (deduplicated on id + status;
-- states the core does not know are kept here without changing the message).
ALTER TABLE conversations ADD COLUMN address_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN channel_address TEXT NOT NULL DEFAULT '';
-- Conversations from before: the channel names the old code tested.
UPDATE conversations SET address_kind = 'phone' WHERE channel = 'whatsapp';
UPDATE conversations SET address_kind = 'email' WHERE channel = 'email';
UPDATE conversations SET address_kind = 'web' WHERE channel = 'web';
ALTER TABLE outbox ADD COLUMN error_class TEXT NOT NULL DEFAULT '';

CREATE TABLE delivery_statuses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    recipient   TEXT NOT NULL DEFAULT '',
    error_code  TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (channel, external_id, status)
);
