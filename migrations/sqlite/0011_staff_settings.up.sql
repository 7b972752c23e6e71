-- Settings edited from the admin and the bearer API (issue 15): who changed what and when,
-- the settings that override config.yaml, and what a unit or a booking lacked.
CREATE TABLE settings_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX settings_audit_entity ON settings_audit (entity, entity_id, id);
CREATE INDEX settings_audit_time ON settings_audit (created_at);

-- Host-facing settings kept in the database; a row here wins over config.yaml.
CREATE TABLE app_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

ALTER TABLE accommodations ADD COLUMN photos_url TEXT NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN notes TEXT NOT NULL DEFAULT '';
