-- Wishes: "tell me when an event like this is published", asked for when a question found no
-- event. Personal data for a purpose of its own (consent purpose 'wishes'): it goes with the
-- person (ON DELETE CASCADE), and is deleted once they are told or at expires_at.
CREATE TABLE event_wishes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    criteria    TEXT    NOT NULL,   -- JSON: kinds, places (region codes), online, topics
    text        TEXT    NOT NULL,   -- the words they asked with, shown back to them
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
-- A person's wishes, read and counted per person; the same wish twice is one row.
CREATE UNIQUE INDEX one_wish_per_criteria ON event_wishes(user_id, criteria);
-- The retention purge.
CREATE INDEX event_wishes_by_expiry ON event_wishes(expires_at);
