"""Survey responses and their answers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.survey.engine import Answer
from bot.core.survey.session import Session
from bot.storage.database import Database, Statement
from bot.storage.timefmt import from_db, to_db

_SESSION_COLUMNS = (
    "id, user_id, survey_id, source, cursor, pending, rev, message_id, last_update_id, updated_at"
)


@dataclass(frozen=True)
class SubmittedResponse:
    id: int
    survey_id: str
    submitted_at: datetime
    answers: dict[str, Answer]


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
        stamp = to_db(now)
        (rowid,) = await self.db.write(
            (
                "INSERT INTO responses (user_id, survey_id, survey_version, source, status, "
                "cursor, last_update_id, started_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'in_progress', ?, ?, ?, ?)",
                (user_id, survey_id, survey_version, source, cursor, update_id, stamp, stamp),
            ),
            returning=True,
        )
        assert rowid is not None
        return Session(
            id=rowid,
            user_id=user_id,
            survey_id=survey_id,
            source=source,
            cursor=cursor,
            answers={},
            updated_at=now,
            last_update_id=update_id,
        )

    def _state(self, session: Session) -> Statement:
        return (
            "UPDATE responses SET cursor = ?, pending = ?, rev = ?, message_id = ?, "
            "last_update_id = ?, updated_at = ? WHERE id = ? AND status = 'in_progress'",
            (
                session.cursor,
                _dump(session.pending or None),
                session.rev,
                session.message_id,
                session.last_update_id,
                to_db(session.updated_at),
                session.id,
            ),
        )

    async def save(self, session: Session, changed: Iterable[str] = ()) -> None:
        """Store the session's position and the answers that changed, in one transaction."""
        statements: list[Statement] = []
        stamp = to_db(session.updated_at)
        for qid in changed:
            answer = session.answers[qid]
            statements.append(
                (
                    "INSERT INTO answers (response_id, question_id, value, other, answered_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) DO UPDATE "
                    "SET value = excluded.value, other = excluded.other, "
                    "answered_at = excluded.answered_at",
                    (session.id, qid, _dump(answer.value), answer.other, stamp),
                )
            )
        statements.append(self._state(session))
        await self.db.write(*statements)

    async def submit(self, session: Session, drop: Iterable[str], now: datetime) -> None:
        """Close the response; answers to questions the skip logic hid are not kept."""
        stamp = to_db(now)
        statements: list[Statement] = [
            ("DELETE FROM answers WHERE response_id = ? AND question_id = ?", (session.id, q))
            for q in drop
        ]
        statements.append(
            (
                "UPDATE responses SET status = 'submitted', submitted_at = ?, updated_at = ?, "
                "pending = NULL, last_update_id = ? WHERE id = ? AND status = 'in_progress'",
                (stamp, stamp, session.last_update_id, session.id),
            )
        )
        await self.db.write(*statements)

    def _close(
        self, status: str, where: str, params: tuple[Any, ...], now: datetime
    ) -> list[Statement]:
        # Unfinished answers are deleted: the person did not give them to us (UU PDP).
        return [
            (
                "DELETE FROM answers WHERE response_id IN "
                f"(SELECT id FROM responses WHERE status = 'in_progress' AND {where})",
                params,
            ),
            (
                f"UPDATE responses SET status = '{status}', pending = NULL, updated_at = ? "
                f"WHERE status = 'in_progress' AND {where}",
                (to_db(now), *params),
            ),
        ]

    async def cancel(self, session: Session, now: datetime) -> None:
        await self.db.write(*self._close("cancelled", "id = ?", (session.id,), now))

    async def expire(self, session: Session, now: datetime) -> None:
        await self.db.write(*self._close("expired", "id = ?", (session.id,), now))

    async def expire_idle(self, before: datetime, now: datetime) -> list[int]:
        """Expire every response idle since `before`; returns the user ids affected."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM responses WHERE status = 'in_progress' AND updated_at < ?",
            (to_db(before),),
        )
        if rows:
            await self.db.write(*self._close("expired", "updated_at < ?", (to_db(before),), now))
        return [r["user_id"] for r in rows]

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
            "SELECT id, survey_id, submitted_at FROM responses WHERE user_id = ? "
            "AND status = 'submitted' ORDER BY submitted_at",
            (user_id,),
        )
        return [
            SubmittedResponse(
                r["id"], r["survey_id"], from_db(r["submitted_at"]), await self._answers(r["id"])
            )
            for r in rows
        ]
