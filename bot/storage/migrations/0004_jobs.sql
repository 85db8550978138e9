-- Work to do for a person at a set time (a reminder, a waiting-list promotion). When it falls
-- due it moves, in one transaction, into the inbox, and runs there in that person's order:
-- a restart neither drops nor repeats it.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    due_at      TEXT    NOT NULL,
    person      INTEGER NOT NULL,
    name        TEXT    NOT NULL,             -- which job handler runs it
    data        TEXT    NOT NULL DEFAULT '{}',
    created_at  TEXT    NOT NULL
);
CREATE INDEX jobs_by_due ON jobs(due_at);
CREATE INDEX jobs_by_person ON jobs(person);
