-- Durable intake: every update Telegram sends is stored here before Telegram is told it was
-- received (the next getUpdates offset, or the webhook's 200), then handled from here in each
-- person's order. A kill at any moment leaves the unhandled ones here for the next start.
-- Scheduled work for a person (a reminder) comes in here too when it falls due (see jobs), so
-- it runs in that person's order and never races their own taps.
CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order; Telegram's ids may restart
    update_id    INTEGER UNIQUE,                     -- stored once; NULL for scheduled work
    person       INTEGER,                            -- whose order it keeps; NULL once handled
    body         TEXT,                               -- the update's JSON; NULL once handled
    received_at  TEXT    NOT NULL,
    handled_at   TEXT
);
-- Handled rows keep only their update id (no message, no person: UU PDP), for two days, so a
-- redelivered update is recognised; housekeeping deletes them after that.
CREATE INDEX inbox_pending ON inbox(seq) WHERE handled_at IS NULL;
CREATE INDEX inbox_pending_by_person ON inbox(person, seq) WHERE handled_at IS NULL;
CREATE INDEX inbox_handled ON inbox(handled_at) WHERE handled_at IS NOT NULL;
