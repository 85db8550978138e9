-- The audit log: who did what, and when, for the things a ministry must be able to account
-- for: role grants and revokes, exports, event creation, changes and cancellations, data
-- requests (/dataku) and deletions (/hapusdata). Broadcasts keep their own record
-- (broadcast_actions, 0011); /audit reads both.
--
-- A short detail only, never message contents or answers. `actor` is a Telegram id (staff, or
-- the person asking for their own data), not a users row: staff need not have consented to
-- anything, and an entry outlives the person's users row. So no foreign key: erasing a person
-- deletes their data-request entries by hand (bot/storage/audit.py), and a deletion itself is
-- recorded with no actor and nothing else that points at them.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    actor    INTEGER,                       -- NULL: the command line, or an erased person
    action   TEXT    NOT NULL,
    subject  TEXT    NOT NULL DEFAULT '',   -- what it was done to: a survey, an event, a person
    detail   TEXT    NOT NULL DEFAULT ''
);
-- /audit reads newest first; retention deletes oldest first.
CREATE INDEX audit_log_by_time ON audit_log(at, id);
CREATE INDEX audit_log_by_actor ON audit_log(actor);
