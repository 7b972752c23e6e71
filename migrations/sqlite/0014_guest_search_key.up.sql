-- Guest search (the admin's inbox: name, phone, e-mail, booking code) reads one folded
-- column per conversation and per booking instead of lower-casing four columns of every
-- row: search_key is the text lower-cased with Spanish and Portuguese accents folded, and a
-- booking's also carries its phone's digits without separators ("351 765-4321" is found as
-- 3517654321). Kept by triggers, so every writer keeps it current (SQLite cannot add a
-- stored generated column to a table, and a virtual one would fold every row at each
-- search). The folding is conserje_search_fold(), registered by conserje (core/store.SearchFold,
-- the same table that folds what staff type): SQLite compiles a table's triggers into every
-- INSERT and UPDATE it prepares, and triggers spelling the folding as fifty replace() calls
-- made each inbound message's conversation upsert 2 ms slower. The sqlite3 shell does not
-- know the function: writing a guest's name or contact there fails (backups, restores and
-- integrity checks do not run the triggers). Updates fire only when a searched column
-- really changed.
ALTER TABLE conversations ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN search_key TEXT NOT NULL DEFAULT '';

UPDATE conversations SET search_key = conserje_search_fold(guest_name || ' ' || contact);
UPDATE reservations SET search_key = conserje_search_fold(code || ' ' || guest_name || ' ' || guest_email || ' ' || guest_phone) || ' ' || replace(replace(replace(replace(replace(replace(replace(guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '');

CREATE TRIGGER conversations_search_key_insert AFTER INSERT ON conversations
BEGIN
    UPDATE conversations SET search_key = conserje_search_fold(NEW.guest_name || ' ' || NEW.contact) WHERE id = NEW.id;
END;
CREATE TRIGGER conversations_search_key_update AFTER UPDATE OF guest_name, contact ON conversations
WHEN OLD.guest_name IS NOT NEW.guest_name OR OLD.contact IS NOT NEW.contact
BEGIN
    UPDATE conversations SET search_key = conserje_search_fold(NEW.guest_name || ' ' || NEW.contact) WHERE id = NEW.id;
END;
CREATE TRIGGER reservations_search_key_insert AFTER INSERT ON reservations
BEGIN
    UPDATE reservations SET search_key = conserje_search_fold(NEW.code || ' ' || NEW.guest_name || ' ' || NEW.guest_email || ' ' || NEW.guest_phone) || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '') WHERE id = NEW.id;
END;
CREATE TRIGGER reservations_search_key_update AFTER UPDATE OF code, guest_name, guest_email, guest_phone ON reservations
WHEN OLD.code IS NOT NEW.code OR OLD.guest_name IS NOT NEW.guest_name OR OLD.guest_email IS NOT NEW.guest_email OR OLD.guest_phone IS NOT NEW.guest_phone
BEGIN
    UPDATE reservations SET search_key = conserje_search_fold(NEW.code || ' ' || NEW.guest_name || ' ' || NEW.guest_email || ' ' || NEW.guest_phone) || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '') WHERE id = NEW.id;
END;

-- A contains search ("%agus%") reads these narrow indexes instead of the tables' rows.
CREATE INDEX conversations_search_key ON conversations (search_key);
CREATE INDEX reservations_search_key ON reservations (search_key, conversation_id);

-- The reports read a year's confirmed bookings (unit, dates, amounts) from this index alone.
CREATE INDEX reservations_report ON reservations (status, check_out, check_in, accommodation_id, total_cents, paid_cents);
