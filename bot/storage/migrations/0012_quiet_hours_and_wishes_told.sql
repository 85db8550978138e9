-- Quiet hours at the sender's pace, and wishes told once.

-- The sender looks for pending deliveries of a broadcast whose recipients are awake: one range
-- of this index per zone that is not in quiet hours, read in id order. Without it, at night
-- every look read all of a million pending rows to find none that may go (about a second,
-- every second).
CREATE INDEX deliveries_by_zone ON deliveries(broadcast_id, status, zone, id);

-- Which published event a person was told about because it matched a wish ("tell me when
-- there is a HAKI workshop in Kupang"): decided once, with the job that tells them, in one
-- transaction, so a restart neither repeats nor drops it, and a person with two wishes that
-- one event matches hears once. The wishes it fulfilled are deleted then (the notice says "we
-- tell you once and then delete it"); this row keeps them from being told again about the same
-- event if they ask again. Personal data under the 'wishes' purpose: it goes with the person,
-- with that consent (/hapusdata), and after the wish retention (WISH_DAYS) from told_at.
CREATE TABLE wishes_told (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    wish      TEXT    NOT NULL,   -- the words of the wish it answers, shown in the message
    told_at   TEXT    NOT NULL,
    PRIMARY KEY (user_id, event_id)
) WITHOUT ROWID;
CREATE INDEX wishes_told_by_time ON wishes_told(told_at);
