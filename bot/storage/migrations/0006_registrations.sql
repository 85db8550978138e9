-- Registrations for events, and the waiting list: a row per person and event, confirmed (a
-- seat), waiting (in line for one, by created_at then id: arrival at the writer) or cancelled.
-- Personal data: it goes with the person (ON DELETE CASCADE), and with its event.
CREATE TABLE registrations (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
-- One active (confirmed or waiting) registration per person and event; a cancelled one may be
-- followed by a new one.
CREATE UNIQUE INDEX one_active_registration
    ON registrations(event_id, user_id) WHERE status != 'cancelled';
-- Seats counted and the waiting list read in order, per event.
CREATE INDEX registrations_by_event ON registrations(event_id, status, created_at, id);
CREATE INDEX registrations_by_user ON registrations(user_id);
