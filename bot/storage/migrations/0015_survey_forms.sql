-- Surveys imported from XLSForms (issue 10): one row per imported version of a survey.
--
-- A survey's versions are numbered 1, 2, 3 by import. At most one is live (new respondents get
-- it); a version replaced by a newer one is retired, and stays here, because people half-way
-- through it finish on it and their responses (responses.survey_version) name it. A draft is
-- imported but not yet published (staff preview it first); a discarded draft keeps its row so
-- its version number is never given to different questions. Nothing here is personal data of
-- respondents; imported_by / published_by are staff Telegram ids (NULL: the command line).
CREATE TABLE survey_forms (
    id            INTEGER PRIMARY KEY,
    survey_id     TEXT    NOT NULL,         -- Survey.id: the deep-link payload, t.me/<bot>?start=
    form_id       TEXT    NOT NULL,         -- the settings sheet's form_id, as written
    version       INTEGER NOT NULL CHECK (version >= 1),
    definition    TEXT    NOT NULL,         -- the Survey as JSON (Survey.model_dump_json)
    questions     INTEGER NOT NULL,         -- how many it asks: listed without reading the JSON
    file_name     TEXT    NOT NULL,
    file_sha256   TEXT    NOT NULL,         -- the same bytes imported twice make no new version
    report        TEXT    NOT NULL,         -- what the import said, as staff read it
    status        TEXT    NOT NULL
                  CHECK (status IN ('draft', 'live', 'retired', 'discarded')),
    imported_by   INTEGER,
    imported_at   TEXT    NOT NULL,
    published_by  INTEGER,
    published_at  TEXT,
    UNIQUE (survey_id, version)
);
-- New respondents get the one live version; the running bot looks at this set every few seconds.
CREATE UNIQUE INDEX one_live_form ON survey_forms(survey_id) WHERE status = 'live';
CREATE INDEX survey_forms_by_file ON survey_forms(file_sha256);
