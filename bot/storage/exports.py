"""Reading a survey's submitted responses for an export, streamed.

An export runs in a worker thread (writing a spreadsheet is blocking work) on its own read-only
connection: SQLite in WAL mode lets it read a consistent snapshot while the bot goes on writing,
it needs no lock (so `python -m bot export` works beside the running bot), and it cannot write
by mistake. Rows come one at a time from SQLite's cursor, never as one list, so 100,000
responses take the memory of one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bot.core.export.rows import Record
from bot.storage.timefmt import to_db

_SUBMITTED = (
    "r.survey_id = ? AND r.status = 'submitted' AND r.submitted_at >= ? AND r.submitted_at <= ?"
)
_EPOCH = "0"  # sorts before every stored timestamp: "since the start"
_END = "9"  # and after every one: "until now"


class ExportUnreadable(RuntimeError):
    """No database there, or one without the export secret yet (older than this code)."""


class ExportReader:
    """A read-only connection for one export; use it as a context manager, in one thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ExportUnreadable(f"No database at {self.path}: check DATABASE_PATH.")
        self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        self._conn.execute("PRAGMA busy_timeout=5000")

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()

    def secret(self) -> bytes:
        try:
            row = self._conn.execute("SELECT secret FROM export_secret WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is None:
            raise ExportUnreadable(
                f"The database {self.path} has no export secret yet: start the bot once to "
                "update it."
            )
        return bytes.fromhex(row[0])

    def count(
        self, survey_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        row = self._conn.execute(
            f"SELECT COUNT(*) FROM responses r WHERE {_SUBMITTED}",
            (survey_id, *_period(since, until)),
        ).fetchone()
        return int(row[0])

    def older_versions(self, survey_id: str, version: int) -> list[str]:
        """The definitions (Survey JSON) of an imported survey's versions older than
        `version` that have submitted responses, newest first; none for a YAML survey."""
        try:
            rows = self._conn.execute(
                "SELECT f.definition FROM survey_forms f WHERE f.survey_id = ? "
                "AND f.version < ? AND EXISTS (SELECT 1 FROM responses r "
                "WHERE r.survey_id = f.survey_id AND r.survey_version = f.version "
                "AND r.status = 'submitted') ORDER BY f.version DESC",
                (survey_id, version),
            ).fetchall()
        except sqlite3.OperationalError:  # a database older than imported surveys
            return []
        return [str(row[0]) for row in rows]

    def records(
        self, survey_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Record]:
        """Submitted responses of `survey_id` (submitted from `since` to `until`, both
        included), oldest first, with their answers and the person's language."""
        # One pass in response order: the survey index gives responses by rowid, each one's
        # answers come from their primary key, so SQLite sorts nothing and holds nothing. The
        # answers arrive as one JSON object per response, built by SQLite in C: one decode
        # per response instead of one per answer, and the response's columns once, not once
        # per answer as a join would repeat them.
        cursor = self._conn.execute(
            "SELECT r.user_id, r.started_at, r.submitted_at, u.locale, r.source, "
            "r.survey_version, r.id, (SELECT json_group_object(a.question_id, "
            "json_array(json(a.value), a.other)) FROM answers a WHERE a.response_id = r.id) "
            "FROM responses r JOIN users u ON u.id = r.user_id "
            f"WHERE {_SUBMITTED} ORDER BY r.id",
            (survey_id, *_period(since, until)),
        )
        loads = json.loads
        for user, started, submitted, locale, source, version, number, answers in cursor:
            yield Record(user, started, submitted, locale, source, version, loads(answers), number)


def _period(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    return (
        _EPOCH if since is None else to_db(since),
        _END if until is None else to_db(until),
    )
