-- Pull channels (the e-mail channel): where each one resumes (the cursor of the last
-- message the core stored), and what their plugins decided about items that are not a
-- turn for the bot (skipped automatic mail and marketing, messages staff must answer,
-- bounces of our answers), kept with the reason for staff: nothing vanishes.
CREATE TABLE channel_cursors (
    channel    TEXT PRIMARY KEY,
    cursor     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE channel_notices (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    category        TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '{}',
    conversation_id BIGINT,
    received_at     TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX channel_notices_created ON channel_notices (created_at);
