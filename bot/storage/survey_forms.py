"""Imported XLSForm surveys and their versions (table survey_forms, migration 0015).

Each write is a transaction function, so the rules that span rows (the next version number, one
live version per survey, "still a draft?") hold however many staff or processes import at once:
on the bot's own writer (`Database.transact`), or on a command-line connection beside it
(`bot.storage.beside.Beside`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.storage.database import Conflict, Statement
from bot.storage.timefmt import from_db, to_db

T = TypeVar("T")

DRAFT, LIVE, RETIRED, DISCARDED = "draft", "live", "retired", "discarded"

_COLUMNS = (
    "id, survey_id, form_id, version, questions, file_name, file_sha256, report, status, "
    "imported_by, imported_at, published_by, published_at"
)


class Reader(Protocol):
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...


class Store(Reader, Protocol):
    async def transact(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...


@dataclass(frozen=True)
class StoredForm:
    """One imported version, without its definition (read apart: it can be large)."""

    id: int
    survey_id: str
    form_id: str
    version: int
    questions: int
    file_name: str
    sha256: str
    report: str
    status: str
    imported_by: int | None
    imported_at: datetime
    published_by: int | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class NewForm:
    survey_id: str
    form_id: str
    definition: str  # the Survey as JSON, with its version still to be numbered
    questions: int
    file_name: str
    sha256: str
    report: str


class SameFile(Exception):
    """These bytes are already a draft or the live version: nothing new was stored."""

    def __init__(self, form: StoredForm) -> None:
        super().__init__(f"already imported as {form.survey_id!r} version {form.version}")
        self.form = form


class OtherForm(Exception):
    """The survey id is already used by versions of a different form_id."""

    def __init__(self, survey_id: str, form_id: str) -> None:
        super().__init__(f"survey id {survey_id!r} is already used by the form {form_id!r}")
        self.survey_id = survey_id
        self.form_id = form_id


def _form(r: sqlite3.Row) -> StoredForm:
    return StoredForm(
        id=r["id"],
        survey_id=r["survey_id"],
        form_id=r["form_id"],
        version=r["version"],
        questions=r["questions"],
        file_name=r["file_name"],
        sha256=r["file_sha256"],
        report=r["report"],
        status=r["status"],
        imported_by=r["imported_by"],
        imported_at=from_db(r["imported_at"]),
        published_by=r["published_by"],
        published_at=from_db(r["published_at"]) if r["published_at"] else None,
    )


def _by_id(conn: sqlite3.Connection, form_id: int) -> StoredForm:
    row = conn.execute(f"SELECT {_COLUMNS} FROM survey_forms WHERE id = ?", (form_id,)).fetchone()
    if row is None:
        raise Conflict(f"survey form {form_id} is gone")
    return _form(row)


class SurveyFormRepository:
    def __init__(self, db: Reader) -> None:
        self.db = db

    def _store(self) -> Store:
        if not hasattr(self.db, "transact"):
            raise RuntimeError("this survey catalog was opened read-only")
        return self.db  # type: ignore[return-value]

    # -- writes --------------------------------------------------------------------------

    async def add_draft(
        self,
        new: NewForm,
        by: int | None,
        now: datetime,
        number: Callable[[int], str],
        audit: Callable[[StoredForm], Statement],
    ) -> StoredForm:
        """Store `new` as the next version of its survey, a draft. `number(version)` gives the
        definition with that version in it; `audit(form)` the audit entry, committed with it.
        SameFile when these bytes are a draft or live already; OtherForm when the survey id
        belongs to another form."""

        def insert(conn: sqlite3.Connection) -> StoredForm:
            same = conn.execute(
                f"SELECT {_COLUMNS} FROM survey_forms WHERE file_sha256 = ? AND survey_id = ? "
                "AND status IN ('draft', 'live') ORDER BY version DESC LIMIT 1",
                (new.sha256, new.survey_id),
            ).fetchone()
            if same is not None:
                raise SameFile(_form(same))
            other = conn.execute(
                "SELECT form_id FROM survey_forms WHERE survey_id = ? AND lower(form_id) != ? "
                "LIMIT 1",
                (new.survey_id, new.form_id.lower()),
            ).fetchone()
            if other is not None:
                raise OtherForm(new.survey_id, other["form_id"])
            top = conn.execute(
                "SELECT coalesce(max(version), 0) AS v FROM survey_forms WHERE survey_id = ?",
                (new.survey_id,),
            ).fetchone()
            version = int(top["v"]) + 1
            cursor = conn.execute(
                "INSERT INTO survey_forms (survey_id, form_id, version, definition, questions, "
                "file_name, file_sha256, report, status, imported_by, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)",
                (
                    new.survey_id,
                    new.form_id,
                    version,
                    number(version),
                    new.questions,
                    new.file_name,
                    new.sha256,
                    new.report,
                    by,
                    to_db(now),
                ),
            )
            form = _by_id(conn, int(cursor.lastrowid or 0))
            conn.execute(*audit(form))
            return form

        return await self._store().transact(insert)

    async def publish(
        self,
        draft: StoredForm,
        by: int | None,
        now: datetime,
        audit: Callable[[StoredForm, StoredForm | None], Statement],
    ) -> tuple[StoredForm, StoredForm | None]:
        """Make the draft live and retire the version live before (if any), with the audit
        entry, in one transaction. Conflict when it is no longer a draft."""

        def swap(conn: sqlite3.Connection) -> tuple[StoredForm, StoredForm | None]:
            before = conn.execute(
                f"SELECT {_COLUMNS} FROM survey_forms WHERE survey_id = ? AND status = 'live'",
                (draft.survey_id,),
            ).fetchone()
            if before is not None:
                conn.execute(
                    "UPDATE survey_forms SET status = 'retired' WHERE id = ?", (before["id"],)
                )
            changed = conn.execute(
                "UPDATE survey_forms SET status = 'live', published_by = ?, published_at = ? "
                "WHERE id = ? AND status = 'draft'",
                (by, to_db(now), draft.id),
            ).rowcount
            if changed != 1:
                raise Conflict(f"{draft.survey_id} version {draft.version} is no draft now")
            live = _by_id(conn, draft.id)
            retired = _by_id(conn, before["id"]) if before is not None else None
            conn.execute(*audit(live, retired))
            return live, retired

        return await self._store().transact(swap)

    async def discard(
        self, draft: StoredForm, audit: Callable[[StoredForm], Statement]
    ) -> StoredForm:
        """A draft staff do not want: kept as 'discarded' (its version number is never reused)."""

        def drop(conn: sqlite3.Connection) -> StoredForm:
            changed = conn.execute(
                "UPDATE survey_forms SET status = 'discarded' WHERE id = ? AND status = 'draft'",
                (draft.id,),
            ).rowcount
            if changed != 1:
                raise Conflict(f"{draft.survey_id} version {draft.version} is no draft now")
            form = _by_id(conn, draft.id)
            conn.execute(*audit(form))
            return form

        return await self._store().transact(drop)

    # -- reads ---------------------------------------------------------------------------

    async def live_versions(self) -> dict[str, int]:
        """The live version of each imported survey: a cheap look the bot takes every few
        seconds to see a publish made by another process."""
        rows = await self.db.fetchall(
            "SELECT survey_id, version FROM survey_forms WHERE status = 'live'"
        )
        return {r["survey_id"]: int(r["version"]) for r in rows}

    async def with_status(self, *statuses: str) -> list[StoredForm]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM survey_forms WHERE status IN ({marks}) "
            "ORDER BY survey_id, version",
            statuses,
        )
        return [_form(r) for r in rows]

    async def get(self, survey_id: str, version: int) -> StoredForm | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM survey_forms WHERE survey_id = ? AND version = ?",
            (survey_id, version),
        )
        return _form(row) if row is not None else None

    async def newest_draft(self, survey_id: str) -> StoredForm | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM survey_forms WHERE survey_id = ? AND status = 'draft' "
            "ORDER BY version DESC LIMIT 1",
            (survey_id,),
        )
        return _form(row) if row is not None else None

    async def definition(self, survey_id: str, version: int) -> str | None:
        """The Survey JSON of one version, whatever its status (a retired one still has people
        finishing it; a draft is previewed)."""
        row = await self.db.fetchone(
            "SELECT definition FROM survey_forms WHERE survey_id = ? AND version = ?",
            (survey_id, version),
        )
        return str(row["definition"]) if row is not None else None

    async def responses(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(submitted, in progress) responses by survey id and version, for `surveys list`."""
        rows = await self.db.fetchall(
            "SELECT survey_id, survey_version, "
            "sum(status = 'submitted') AS submitted, sum(status = 'in_progress') AS open "
            "FROM responses GROUP BY survey_id, survey_version"
        )
        return {
            (r["survey_id"], int(r["survey_version"])): (int(r["submitted"]), int(r["open"]))
            for r in rows
        }

    async def half_way(self, survey_id: str, version: int) -> int:
        """People with a response to this version still open: they finish on it."""
        row = await self.db.fetchone(
            "SELECT count(*) AS n FROM responses WHERE survey_id = ? AND survey_version = ? "
            "AND status = 'in_progress'",
            (survey_id, version),
        )
        return int(row["n"]) if row else 0
