ALTER TABLE reservations DROP COLUMN notes;
ALTER TABLE accommodations DROP COLUMN photos_url;
DROP TABLE app_settings;
DROP TABLE settings_audit;
