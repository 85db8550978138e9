"""Wishes: what a person asked to be told about when a matching event is published."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.storage import jobs
from bot.storage.database import Database
from bot.storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Wish:
    id: int
    user_id: int
    criteria: dict[str, Any]
    text: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Telling:
    """A decision to tell `user_id` that `event_id` answers their `wishes` (ids; `text` is the
    first one's words, shown in the message), by a job due at `due_at`."""

    user_id: int
    event_id: int
    wishes: tuple[int, ...]
    text: str
    due_at: datetime


class Kept(StrEnum):
    """What asking to keep a wish came to."""

    STORED = "stored"
    ALREADY = "already"  # the same wish is kept already (its time is renewed)
    FULL = "full"  # the person has as many wishes as they may


def _wish(row: sqlite3.Row) -> Wish:
    return Wish(
        row["id"],
        row["user_id"],
        json.loads(row["criteria"]),
        row["text"],
        from_db(row["created_at"]),
        from_db(row["expires_at"]),
    )


_SELECT = "SELECT id, user_id, criteria, text, created_at, expires_at FROM event_wishes"


class WishRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def keep(
        self,
        user_id: int,
        criteria: dict[str, Any],
        text: str,
        now: datetime,
        expires_at: datetime,
        most: int,
    ) -> Kept:
        """Store a wish, once: the same criteria again renew the one kept. Counted and stored
        in one transaction, so two quick taps cannot pass the limit together."""
        spelled = json.dumps(criteria, ensure_ascii=False, sort_keys=True)

        def run(conn: sqlite3.Connection) -> Kept:
            same = conn.execute(
                "SELECT id FROM event_wishes WHERE user_id = ? AND criteria = ?",
                (user_id, spelled),
            ).fetchone()
            if same is not None:
                conn.execute(
                    "UPDATE event_wishes SET expires_at = ?, text = ? WHERE id = ?",
                    (to_db(expires_at), text, same["id"]),
                )
                return Kept.ALREADY
            (count,) = conn.execute(
                "SELECT count(*) FROM event_wishes WHERE user_id = ? AND expires_at > ?",
                (user_id, to_db(now)),
            ).fetchone()
            if count >= most:
                return Kept.FULL
            conn.execute(
                "INSERT INTO event_wishes (user_id, criteria, text, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, spelled, text, to_db(now), to_db(expires_at)),
            )
            return Kept.STORED

        return await self.db.transact(run)

    async def of_user(self, user_id: int, now: datetime) -> list[Wish]:
        """The person's wishes not yet expired, oldest first."""
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id",
            (user_id, to_db(now)),
        )
        return [_wish(row) for row in rows]

    async def active(self, now: datetime) -> list[Wish]:
        """Every wish not yet expired (for telling people when an event is published)."""
        rows = await self.db.fetchall(f"{_SELECT} WHERE expires_at > ? ORDER BY id", (to_db(now),))
        return [_wish(row) for row in rows]

    async def remove(self, user_id: int, wish_id: int) -> bool:
        """Delete one of the person's wishes; False if they have no such wish (any more)."""

        def run(conn: sqlite3.Connection) -> bool:
            gone = conn.execute(
                "DELETE FROM event_wishes WHERE id = ? AND user_id = ?", (wish_id, user_id)
            )
            return gone.rowcount > 0

        return await self.db.transact(run)

    async def marker(self) -> tuple[Any, ...]:
        """Differs after any wish is kept, renewed or removed: a reader may skip matching the
        wishes again until it does (a removed top id reused by the next wish still changes the
        latest created_at)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), MAX(id), MAX(created_at), MAX(expires_at) FROM event_wishes"
        )
        return tuple(row) if row is not None else ()

    async def told(self) -> set[tuple[int, int]]:
        """(person, event) pairs already told about: a wish asked again is not answered with
        an event the person heard of."""
        found = await self.db.fetchall("SELECT user_id, event_id FROM wishes_told")
        return {(r["user_id"], r["event_id"]) for r in found}

    async def tell(self, tellings: list[Telling], job: str, now: datetime) -> int:
        """Record each telling, delete the wishes it fulfils (the notice: "we tell you once and
        then delete it") and queue the `job` that sends it, all in one transaction: a restart
        neither drops nor repeats one. A pair told before (by an earlier look) is skipped.
        Returns how many were queued."""

        def run(conn: sqlite3.Connection) -> int:
            queued = 0
            for t in tellings:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO wishes_told (user_id, event_id, wish, told_at) "
                    "VALUES (?, ?, ?, ?)",
                    (t.user_id, t.event_id, t.text, to_db(now)),
                )
                if cursor.rowcount == 0:
                    continue
                conn.executemany(
                    "DELETE FROM event_wishes WHERE id = ? AND user_id = ?",
                    ((wish, t.user_id) for wish in t.wishes),
                )
                jobs.insert(conn, t.user_id, job, {"event_id": t.event_id}, t.due_at, now)
                queued += 1
            return queued

        return await self.db.transact(run)

    async def telling(self, user_id: int, event_id: int) -> str | None:
        """The words of the wish a queued telling answers, if it still stands (None once the
        person deleted their wishes' data with /hapusdata)."""
        row = await self.db.fetchone(
            "SELECT wish FROM wishes_told WHERE user_id = ? AND event_id = ?", (user_id, event_id)
        )
        return None if row is None else str(row["wish"])

    async def purge_expired(self, now: datetime, told_before: datetime | None = None) -> int:
        """Delete wishes past their expiry, and records of tellings older than `told_before`
        (kept the time a wish is: long enough that asking again is not answered twice)."""

        def run(conn: sqlite3.Connection) -> int:
            gone = conn.execute("DELETE FROM event_wishes WHERE expires_at <= ?", (to_db(now),))
            if told_before is not None:
                conn.execute("DELETE FROM wishes_told WHERE told_at <= ?", (to_db(told_before),))
            return gone.rowcount

        return await self.db.transact(run)
