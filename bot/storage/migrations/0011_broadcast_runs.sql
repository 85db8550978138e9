-- What running a broadcast needs beyond the outbox of 0009: quiet hours per recipient, the
-- staff member's progress message, and the record of who did what to a broadcast.

-- The recipient's IANA zone, fixed when the broadcast is confirmed (from the region they chose
-- or answered), so that "not between 21.00 and 06.00 where they are" is one SQL condition when
-- the sender looks for due deliveries. NULL: the bot's TIMEZONE.
ALTER TABLE deliveries ADD COLUMN zone TEXT;

-- The one message staff watch while a broadcast runs (edited every few seconds, then turned
-- into the summary). Kept here so a restart goes on editing the same message.
ALTER TABLE broadcasts ADD COLUMN progress_chat_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN progress_message_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN locale TEXT NOT NULL DEFAULT 'id';  -- the staff member's
ALTER TABLE broadcasts ADD COLUMN finished_at TEXT;     -- done or cancelled
ALTER TABLE broadcasts ADD COLUMN summarised_at TEXT;   -- the summary is shown: stop editing

-- Who created, paused, resumed or cancelled a broadcast, and when: the audit of announcements
-- (staff ids, not users rows: staff need not have consented to anything).
CREATE TABLE broadcast_actions (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    actor         INTEGER NOT NULL,
    action        TEXT    NOT NULL
                  CHECK (action IN ('created', 'paused', 'resumed', 'cancelled')),
    at            TEXT    NOT NULL
);
CREATE INDEX broadcast_actions_by_broadcast ON broadcast_actions(broadcast_id, id);
