-- Guest search (the admin's inbox: name, phone, e-mail, booking code) reads one folded
-- column per conversation and per booking instead of lower-casing four columns of every
-- row: search_key is the text lower-cased with Spanish and Portuguese accents folded (the
-- same table as core/store.SearchFold, which folds what staff type), and a booking's also
-- carries its phone's digits without separators ("351 765-4321" is found as 3517654321).
-- Kept by triggers, so every writer keeps it current (SQLite cannot add a stored generated
-- column to a table, and a virtual one would fold every row at each search). The folding
-- is split into statements of ten replace() each: the sqlite3 shell's parser (restores of
-- a .dump) overflows on about thirty nested calls.
ALTER TABLE conversations ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN search_key TEXT NOT NULL DEFAULT '';

UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(guest_name || ' ' || contact), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a');
UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e');
UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o');
UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u');
UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c');
UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(code || ' ' || guest_name || ' ' || guest_email || ' ' || guest_phone), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a');
UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e');
UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o');
UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u');
UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c');
UPDATE reservations SET search_key = search_key || ' ' || replace(replace(replace(replace(replace(replace(replace(guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '');

CREATE TRIGGER conversations_search_key_insert AFTER INSERT ON conversations
BEGIN
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(NEW.guest_name || ' ' || NEW.contact), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c') WHERE id = NEW.id;
END;
CREATE TRIGGER conversations_search_key_update AFTER UPDATE OF guest_name, contact ON conversations
BEGIN
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(NEW.guest_name || ' ' || NEW.contact), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u') WHERE id = NEW.id;
    UPDATE conversations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c') WHERE id = NEW.id;
END;
CREATE TRIGGER reservations_search_key_insert AFTER INSERT ON reservations
BEGIN
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(NEW.code || ' ' || NEW.guest_name || ' ' || NEW.guest_email || ' ' || NEW.guest_phone), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c') WHERE id = NEW.id;
    UPDATE reservations SET search_key = search_key || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '') WHERE id = NEW.id;
END;
CREATE TRIGGER reservations_search_key_update AFTER UPDATE OF code, guest_name, guest_email, guest_phone ON reservations
BEGIN
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(NEW.code || ' ' || NEW.guest_name || ' ' || NEW.guest_email || ' ' || NEW.guest_phone), 'á', 'a'), 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'ã', 'a'), 'å', 'a'), 'Á', 'a'), 'À', 'a'), 'Â', 'a'), 'Ä', 'a') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Ã', 'a'), 'Å', 'a'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'í', 'i'), 'ì', 'i'), 'î', 'i'), 'ï', 'i'), 'Í', 'i'), 'Ì', 'i'), 'Î', 'i'), 'Ï', 'i'), 'ó', 'o'), 'ò', 'o') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'ô', 'o'), 'ö', 'o'), 'õ', 'o'), 'Ó', 'o'), 'Ò', 'o'), 'Ô', 'o'), 'Ö', 'o'), 'Õ', 'o'), 'ú', 'u'), 'ù', 'u') WHERE id = NEW.id;
    UPDATE reservations SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'û', 'u'), 'ü', 'u'), 'Ú', 'u'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'ñ', 'n'), 'Ñ', 'n'), 'ç', 'c'), 'Ç', 'c') WHERE id = NEW.id;
    UPDATE reservations SET search_key = search_key || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.guest_phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '') WHERE id = NEW.id;
END;

-- A contains search ("%agus%") reads these narrow indexes instead of the tables' rows.
CREATE INDEX conversations_search_key ON conversations (search_key);
CREATE INDEX reservations_search_key ON reservations (search_key, conversation_id);

-- The reports read a year's confirmed bookings (unit, dates, amounts) from this index alone.
CREATE INDEX reservations_report ON reservations (status, check_out, check_in, accommodation_id, total_cents, paid_cents);
