-- A feed import cut short by a budget of the reader (more than 1,000 recurring events,
-- 20,000 instances of one rule, 200,000 in the file, 100 time zones) is partial: some
-- nights the portal blocks may be missing. The reason is kept on the feed for staff;
-- '' is a complete import.
ALTER TABLE calendar_feeds ADD COLUMN partial_reason TEXT NOT NULL DEFAULT '';
