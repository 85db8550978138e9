"""Survey responses and their answers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.survey.engine import Answer
from bot.core.survey.session import Session
from bot.storage.database import Conflict, Database
from bot.storage.timefmt import from_db, to_db

_SESSION_COLUMNS = (
    "id, user_id, survey_id, survey_version, source, cursor, pending, rev, message_id, "
    "last_update_id, updated_at"
)


_OPEN = "SELECT id FROM responses WHERE user_id = ? AND status = 'in_progress'"
_UPSERT = (
    "INSERT INTO answers (response_id, question_id, value, other, answered_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) DO UPDATE "
    "SET value = excluded.value, other = excluded.other, answered_at = excluded.answered_at"
)


@dataclass(frozen=True)
class SubmittedResponse:
    id: int
    survey_id: str
    submitted_at: datetime
    answers: dict[str, Answer]
    survey_version: int = 1  # the version answered (an imported survey's may be retired)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class ResponseRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_session(self, user_id: int) -> Session | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM responses "
            "WHERE user_id = ? AND status = 'in_progress'",
            (user_id,),
        )
        if row is None:
            return None
        return Session(
            id=row["id"],
            user_id=row["user_id"],
            survey_id=row["survey_id"],
            source=row["source"],
            cursor=row["cursor"],
            answers=await self._answers(row["id"]),
            updated_at=from_db(row["updated_at"]),
            pending=_load(row["pending"]) or {},
            rev=row["rev"],
            message_id=row["message_id"],
            last_update_id=row["last_update_id"],
            survey_version=row["survey_version"],
        )

    async def _answers(self, response_id: int) -> dict[str, Answer]:
        rows = await self.db.fetchall(
            "SELECT question_id, value, other FROM answers WHERE response_id = ?", (response_id,)
        )
        return {r["question_id"]: Answer(_load(r["value"]), r["other"]) for r in rows}

    async def start(
        self,
        user_id: int,
        survey_id: str,
        survey_version: int,
        source: str | None,
        cursor: str,
        update_id: int,
        now: datetime,
    ) -> Session:
        """Open a response. Raises Conflict if one is open already (a stale "none open")."""
        stamp = to_db(now)

        def insert(conn: sqlite3.Connection) -> int:
            if conn.execute(_OPEN, (user_id,)).fetchone() is not None:
                raise Conflict(f"user {user_id} already has an open response")
            cursor_ = conn.execute(
                "INSERT INTO responses (user_id, survey_id, survey_version, source, status, "
                "cursor, last_update_id, started_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'in_progress', ?, ?, ?, ?)",
                (user_id, survey_id, survey_version, source, cursor, update_id, stamp, stamp),
            )
            return int(cursor_.lastrowid or 0)

        rowid = await self.db.transact(insert)
        return Session(
            id=rowid,
            user_id=user_id,
            survey_id=survey_id,
            source=source,
            cursor=cursor,
            answers={},
            updated_at=now,
            last_update_id=update_id,
            survey_version=survey_version,
        )

    async def save(self, session: Session, changed: Iterable[str], prior_rev: int) -> None:
        """Store the session's position and the answers that changed, in one transaction, if
        the response is still open at `prior_rev` (the revision the change was made from);
        else raise Conflict and store nothing. So a stale copy of a session (another process,
        or the expiry sweep got there first) can never overwrite newer state, and no answer is
        ever added to a closed response."""
        stamp = to_db(session.updated_at)
        answers = [
            (session.id, qid, _dump(session.answers[qid].value), session.answers[qid].other, stamp)
            for qid in changed
        ]
        state = (
            session.cursor,
            _dump(session.pending or None),
            session.rev,
            session.message_id,
            session.last_update_id,
            stamp,
            session.id,
            prior_rev,
        )

        def store(conn: sqlite3.Connection) -> None:
            _guarded(
                conn,
                "UPDATE responses SET cursor = ?, pending = ?, rev = ?, message_id = ?, "
                "last_update_id = ?, updated_at = ? "
                "WHERE id = ? AND status = 'in_progress' AND rev = ?",
                state,
            )
            conn.executemany(_UPSERT, answers)

        await self.db.transact(store)

    async def submit(
        self,
        session: Session,
        drop: Iterable[str],
        now: datetime,
        prior_rev: int,
        computed: Mapping[str, Answer] | None = None,
    ) -> None:
        """Close the response (if still open at `prior_rev`, else Conflict); answers to
        questions the skip logic hid are not kept; an imported form's calculations are stored
        with the answers, in the same transaction."""
        stamp = to_db(now)
        dropped = [(session.id, q) for q in drop]
        worked_out = [
            (session.id, key, _dump(answer.value), None, stamp)
            for key, answer in (computed or {}).items()
        ]

        def close(conn: sqlite3.Connection) -> None:
            _guarded(
                conn,
                "UPDATE responses SET status = 'submitted', submitted_at = ?, updated_at = ?, "
                "pending = NULL, rev = ?, last_update_id = ? "
                "WHERE id = ? AND status = 'in_progress' AND rev = ?",
                (stamp, stamp, session.rev, session.last_update_id, session.id, prior_rev),
            )
            conn.executemany(
                "DELETE FROM answers WHERE response_id = ? AND question_id = ?", dropped
            )
            conn.executemany(_UPSERT, worked_out)

        await self.db.transact(close)

    async def cancel(self, session: Session, now: datetime, prior_rev: int) -> None:
        """The person stopped: close the response (if still at `prior_rev`, else Conflict)."""
        await self.db.transact(lambda conn: _close(conn, "cancelled", [session.id], now, prior_rev))

    async def expire(self, session: Session, now: datetime) -> None:
        """Expire a response found idle, unless it moved on since (then Conflict)."""
        await self.db.transact(lambda conn: _close(conn, "expired", [session.id], now, session.rev))

    async def expire_idle(self, before: datetime, now: datetime) -> list[int]:
        """Expire every response idle since `before`; returns the user ids affected.

        One transaction on the writer: it sees every answer committed or queued before it, and
        none can slip in between choosing the idle responses and closing them."""

        def sweep(conn: sqlite3.Connection) -> list[int]:
            idle = conn.execute(
                "SELECT id, user_id FROM responses WHERE status = 'in_progress' AND updated_at < ?",
                (to_db(before),),
            ).fetchall()
            _close(conn, "expired", [r["id"] for r in idle], now)
            return [r["user_id"] for r in idle]

        return await self.db.transact(sweep)

    async def purge_submitted(self, before: datetime) -> int:
        """Delete responses submitted before `before`, with their answers (retention period)."""
        rows = await self.db.fetchall(
            "SELECT id FROM responses WHERE status = 'submitted' AND submitted_at < ?",
            (to_db(before),),
        )
        if rows:
            await self.db.write(
                (
                    "DELETE FROM responses WHERE status = 'submitted' AND submitted_at < ?",
                    (to_db(before),),
                )
            )
        return len(rows)

    async def submitted_count(self, user_id: int, survey_id: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM responses WHERE user_id = ? AND survey_id = ? "
            "AND status = 'submitted'",
            (user_id, survey_id),
        )
        return int(row["n"]) if row else 0

    async def submitted(self, user_id: int) -> list[SubmittedResponse]:
        rows = await self.db.fetchall(
            "SELECT id, survey_id, survey_version, submitted_at FROM responses WHERE user_id = ? "
            "AND status = 'submitted' ORDER BY submitted_at",
            (user_id,),
        )
        return [
            SubmittedResponse(
                r["id"],
                r["survey_id"],
                from_db(r["submitted_at"]),
                await self._answers(r["id"]),
                r["survey_version"],
            )
            for r in rows
        ]

    async def latest_answer(self, user_id: int, questions: Iterable[tuple[str, str]]) -> Any | None:
        """The newest answer this person gave to any of `questions` ((survey id, question id)
        pairs) in a submitted or in-progress response; None if they gave none. Cancelled and
        expired responses do not count: the person took those answers back or left them."""
        pairs = list(questions)
        if not pairs:
            return None
        which = " OR ".join("(r.survey_id = ? AND a.question_id = ?)" for _ in pairs)
        row = await self.db.fetchone(
            "SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE r.user_id = ? AND r.status IN ('submitted', 'in_progress') "
            f"AND a.value IS NOT NULL AND ({which}) "
            "ORDER BY a.answered_at DESC LIMIT 1",
            (user_id, *[part for pair in pairs for part in pair]),
        )
        return None if row is None else _load(row["value"])


def _guarded(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
    """Run an UPDATE that must change exactly one row; else the caller's copy was stale."""
    if conn.execute(sql, params).rowcount != 1:
        raise Conflict("the response was closed or changed since it was read")


def _close(
    conn: sqlite3.Connection,
    status: str,
    ids: list[int],
    now: datetime,
    prior_rev: int | None = None,
) -> None:
    """Close open responses. Unfinished answers are deleted: the person did not give them to us
    (UU PDP). With `prior_rev` (one response), only if it is still at that revision."""
    if prior_rev is not None:
        _guarded(
            conn,
            f"UPDATE responses SET status = '{status}', pending = NULL, updated_at = ? "
            "WHERE id = ? AND status = 'in_progress' AND rev = ?",
            (to_db(now), ids[0], prior_rev),
        )
    else:
        conn.executemany(
            f"UPDATE responses SET status = '{status}', pending = NULL, updated_at = ? "
            "WHERE id = ? AND status = 'in_progress'",
            [(to_db(now), i) for i in ids],
        )
    conn.executemany("DELETE FROM answers WHERE response_id = ?", [(i,) for i in ids])
