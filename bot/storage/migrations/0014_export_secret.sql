-- The secret respondent codes in exports are derived with (HMAC; bot/core/export/pseudonym.py).
-- Made here, once, from SQLite's own random source: every database has its own from the start,
-- a read-only `python -m bot export` beside the running bot can read it, and a backup carries
-- it, so codes stay the same after a restore. It refers to no one; /hapusdata leaves it.
CREATE TABLE export_secret (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  TEXT    NOT NULL                   -- 64 hex digits: 32 random bytes
);
INSERT INTO export_secret (id, secret) VALUES (1, lower(hex(randomblob(32))));
