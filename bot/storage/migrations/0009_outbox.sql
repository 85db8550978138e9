-- Broadcasts and their per-person deliveries: the durable outbox. Confirming a broadcast writes
-- one delivery row per recipient in the same transaction, before the first message goes out;
-- the sender only ever flips a row from 'pending' after Telegram answered, so a restart resumes
-- from the rows still pending and skips nobody.

-- Who sent what, when, to which audience: kept as the record of the announcement itself.
-- created_by is a staff member's Telegram id, not a users row (staff need not have consented
-- to the survey notice), so it does not reference users.
CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY,
    created_by       INTEGER NOT NULL,
    created_at       TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'sending'
                     CHECK (status IN ('sending', 'paused', 'cancelled', 'done')),
    -- The content, as copyMessage's source: the message staff sent to the bot.
    from_chat_id     INTEGER NOT NULL,
    message_id       INTEGER NOT NULL,
    fallback_text    TEXT    NOT NULL DEFAULT '',   -- shown in lists; sent if the source is gone
    audience         TEXT    NOT NULL DEFAULT '{}', -- JSON: how the recipients were chosen
    quiet_hours      INTEGER NOT NULL DEFAULT 1,    -- 0: urgent, delivered at night too
    scheduled_at     TEXT                           -- NULL: at once
);
CREATE INDEX broadcasts_by_status ON broadcasts(status, id);

-- One row per recipient. Recipients are subscribers, who consented and so have a users row:
-- a delivery is the person's data (it says they were told something) and goes with them
-- (ON DELETE CASCADE: /hapusdata deletes their pending and past deliveries in one DELETE).
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    person        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    sent_at       TEXT,
    UNIQUE (broadcast_id, person)
);
CREATE INDEX deliveries_by_state ON deliveries(broadcast_id, status, id);
CREATE INDEX deliveries_by_person ON deliveries(person);

-- People Telegram says the bot cannot reach (they blocked it, or the chat is gone): no further
-- broadcast goes to them. Theirs too, so it goes with them.
CREATE TABLE unreachable (
    person  INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    since   TEXT    NOT NULL,
    reason  TEXT    NOT NULL
);
