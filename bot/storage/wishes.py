"""Wishes: what a person asked to be told about when a matching event is published."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

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

    async def purge_expired(self, now: datetime) -> int:
        def run(conn: sqlite3.Connection) -> int:
            gone = conn.execute("DELETE FROM event_wishes WHERE expires_at <= ?", (to_db(now),))
            return gone.rowcount

        return await self.db.transact(run)
