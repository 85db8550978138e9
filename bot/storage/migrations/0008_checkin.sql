-- Check-in at the door and event reminders.
--
-- Every confirmed registration gets a random ticket code (its QR code holds the deep link
-- t.me/<bot>?start=ci-<code>); staff scanning it record the attendance and who recorded it.
-- `confirmed_at` is when the seat became the person's (at registration, or on promotion from
-- the waiting list): a reminder whose moment had passed by then is not sent.
ALTER TABLE registrations ADD COLUMN checkin_code TEXT;
ALTER TABLE registrations ADD COLUMN confirmed_at TEXT;
ALTER TABLE registrations ADD COLUMN attended_at TEXT;
ALTER TABLE registrations ADD COLUMN checked_in_by INTEGER;   -- a staff member's Telegram id
-- Seats confirmed before this migration: a ticket each (16 hex digits, 64 random bits: the
-- length of a new code), and their last change as the moment they were confirmed.
UPDATE registrations SET checkin_code = lower(hex(randomblob(8))), confirmed_at = updated_at
    WHERE status = 'confirmed';
CREATE UNIQUE INDEX registrations_by_checkin_code
    ON registrations(checkin_code) WHERE checkin_code IS NOT NULL;

-- Reminders are derived from the registrations and the events (see bot/services/reminders.py);
-- this records each one decided, sent or skipped, so none is decided twice, across restarts.
-- Keyed by the event's start as well: an event moved to another time gets its reminders anew.
-- Personal data: it goes with the registration (and so with the person and the event).
CREATE TABLE reminders_sent (
    registration_id  INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    minutes_before   INTEGER NOT NULL,
    starts_at        TEXT    NOT NULL,
    queued_at        TEXT    NOT NULL,
    skipped          INTEGER NOT NULL DEFAULT 0,   -- 1: decided not to send (late, or superseded)
    PRIMARY KEY (registration_id, minutes_before, starts_at)
);
