-- Events people can register for (dialogs, workshops, pelatihan). Registrations, waiting lists
-- and reminders come in later migrations and point at events(id): the integer id never changes,
-- while the slug is what staff files and deep links use to name an event.
CREATE TABLE events (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT    NOT NULL UNIQUE,   -- re-importing a file matches on it
    kind                 TEXT    NOT NULL CHECK (kind IN ('dialog', 'workshop', 'pelatihan')),
    status               TEXT    NOT NULL DEFAULT 'published'
                         CHECK (status IN ('published', 'cancelled')),
    title_id             TEXT    NOT NULL,
    title_en             TEXT    NOT NULL,
    description_id       TEXT    NOT NULL,
    description_en       TEXT    NOT NULL,
    region               TEXT    NOT NULL,          -- Kemendagri code: '53.71' or a province '53'
    venue                TEXT    NOT NULL,
    -- Times are UTC; `zone` is the IANA zone of the region's province (Asia/Makassar = WITA),
    -- in which they were entered and are always shown.
    zone                 TEXT    NOT NULL,
    starts_at            TEXT    NOT NULL,
    ends_at              TEXT    NOT NULL,
    registration_closes  TEXT,                      -- NULL: open until the start
    capacity             INTEGER CHECK (capacity IS NULL OR capacity > 0),   -- NULL: no limit
    topics               TEXT    NOT NULL DEFAULT '[]',   -- JSON list of strings
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    CHECK (ends_at > starts_at)
);
-- What is coming, in time order (the list people see, reminders).
CREATE INDEX events_by_start ON events(status, starts_at);
