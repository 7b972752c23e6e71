-- Guest search (the admin's inbox: name, phone, e-mail, booking code) reads one folded
-- column per conversation and per booking instead of lower-casing four columns of every
-- row: search_key is the text lower-cased with Spanish and Portuguese accents folded (the
-- same table as core/store.SearchFold, which folds what staff type), and a booking's also
-- carries its phone's digits without separators ("351 765-4321" is found as 3517654321).
-- Generated, so every writer (the bot, staff, feeds, the hold function) keeps it current.
ALTER TABLE conversations ADD COLUMN search_key TEXT NOT NULL GENERATED ALWAYS AS (
    translate(guest_name || ' ' || contact, 'ABCDEFGHIJKLMNOPQRSTUVWXYZáàâäãåÁÀÂÄÃÅéèêëÉÈÊËíìîïÍÌÎÏóòôöõÓÒÔÖÕúùûüÚÙÛÜñÑçÇ', 'abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuunncc')) STORED;
ALTER TABLE reservations ADD COLUMN search_key TEXT NOT NULL GENERATED ALWAYS AS (
    translate(code || ' ' || guest_name || ' ' || guest_email || ' ' || guest_phone, 'ABCDEFGHIJKLMNOPQRSTUVWXYZáàâäãåÁÀÂÄÃÅéèêëÉÈÊËíìîïÍÌÎÏóòôöõÓÒÔÖÕúùûüÚÙÛÜñÑçÇ', 'abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuunncc') || ' ' || translate(guest_phone, ' -().+/', '')) STORED;

-- A contains search ("%agus%") is indexed by trigrams where pg_trgm can be installed (it
-- ships with PostgreSQL's contrib, trusted since 13); without it the search still works,
-- reading the narrow column, and the notice says why.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX conversations_search_key ON conversations USING gin (search_key gin_trgm_ops);
    CREATE INDEX reservations_search_key ON reservations USING gin (search_key gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): guest search works without its index', SQLERRM;
END
$$;

-- The reports read a year's confirmed bookings (unit, dates, amounts) from this index alone.
CREATE INDEX reservations_report ON reservations (status, check_out, check_in, accommodation_id, total_cents, paid_cents);
