-- Subscriptions to announcements: the topics and regions a person chose with /langganan.
-- Personal data for a purpose of its own (consent purpose 'announcements'): it goes with the
-- person (ON DELETE CASCADE), with /berhenti, and with withdrawing that consent in /hapusdata.
CREATE TABLE subscriptions (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    topics      TEXT    NOT NULL DEFAULT '[]',  -- JSON list: "events", "surveys", "bpjs"
    regions     TEXT    NOT NULL DEFAULT '[]',  -- JSON list of Kemendagri codes; [] = everywhere
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
