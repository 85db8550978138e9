-- Schema v1. Later migrations add: events and registrations (with waitlist), announcement
-- subscriptions, broadcasts and their per-person deliveries, scheduled jobs, export logs.
-- Every table that holds personal data references users(id) ON DELETE CASCADE, so deleting a
-- person (UU PDP right to erasure) is one DELETE.

-- People who agreed to the data notice. Nothing about anyone is stored before that.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- Telegram user id; no name, no phone, no NIK
    locale      TEXT    NOT NULL DEFAULT 'id',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- One row per purpose agreed to: UU PDP wants a separate consent for each extra purpose
-- (surveys now; announcements later), with the text version and the time, provable later.
CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose       TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    granted_at    TEXT    NOT NULL,
    withdrawn_at  TEXT
);
CREATE INDEX consents_by_user ON consents(user_id, purpose);

-- Staff roles (admin, editor, viewer); ADMIN_IDS from the settings are admins as well.
CREATE TABLE staff (
    user_id   INTEGER PRIMARY KEY,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    added_at  TEXT NOT NULL
);

CREATE TABLE responses (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    survey_id       TEXT    NOT NULL,
    survey_version  INTEGER NOT NULL,
    source          TEXT,                     -- the /start payload that brought them, if any
    status          TEXT    NOT NULL
                    CHECK (status IN ('in_progress', 'submitted', 'cancelled', 'expired')),
    cursor          TEXT    NOT NULL,         -- question id, or __review__
    pending         TEXT,                     -- JSON: half-given input (toggled choices, province)
    rev             INTEGER NOT NULL DEFAULT 0,   -- bumps on every change; buttons carry it
    message_id      INTEGER,                  -- the message that shows the current question
    last_update_id  INTEGER NOT NULL DEFAULT 0,   -- Telegram update applied last (no repeats)
    started_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    submitted_at    TEXT
);
-- A person works on one survey at a time.
CREATE UNIQUE INDEX one_open_response ON responses(user_id) WHERE status = 'in_progress';
CREATE INDEX responses_by_survey ON responses(survey_id, status);
CREATE INDEX responses_by_activity ON responses(status, updated_at);

CREATE TABLE answers (
    response_id  INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id  TEXT    NOT NULL,
    value        TEXT,                        -- JSON; NULL when an optional question was skipped
    other        TEXT,                        -- the "Lainnya, sebutkan" text
    answered_at  TEXT    NOT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;
