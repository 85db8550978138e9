-- Which feature is waiting for typed input from a person (a step of a staff wizard, say), so
-- what they type goes to the feature that asked for it, and a restart resumes it. A survey in
-- progress needs no row here: it owns what a person types when no other feature waits.
CREATE TABLE awaiting (
    user_id     INTEGER PRIMARY KEY,
    feature     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT '{}',   -- JSON: the feature's own progress
    updated_at  TEXT    NOT NULL
);
