"""The inbox: updates from Telegram, stored before they are confirmed, until they are handled."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.storage.timefmt import to_db


@dataclass(frozen=True)
class Stored:
    seq: int  # arrival order
    person: int  # whose updates are handled one at a time, in order
    body: str  # the update as Telegram sent it (JSON)


@dataclass(frozen=True)
class Arrival:
    update_id: int
    person: int
    body: str


_PENDING = "SELECT seq, person, body FROM inbox WHERE handled_at IS NULL"


def _stored(rows: Sequence[sqlite3.Row]) -> list[Stored]:
    return [Stored(r["seq"], r["person"], r["body"]) for r in rows]


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def waiting(self) -> int:
        """How many stored updates are not yet handled (the health endpoint's backlog)."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM inbox WHERE handled_at IS NULL")
        return int(row["n"]) if row else 0

    async def store(self, arrivals: Sequence[Arrival], now: datetime) -> None:
        """Store a batch in one commit. An update already stored (redelivered because the bot
        was killed before confirming it, or handled in the last two days) is ignored."""
        stamp = to_db(now)

        def insert(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, person, body, received_at) "
                "VALUES (?, ?, ?, ?)",
                [(a.update_id, a.person, a.body, stamp) for a in arrivals],
            )

        await self.db.transact(insert)

    async def pending(self, after: int, limit: int) -> list[Stored]:
        """Unhandled updates that arrived after `after`, oldest first."""
        return _stored(
            await self.db.fetchall(f"{_PENDING} AND seq > ? ORDER BY seq LIMIT ?", (after, limit))
        )

    async def pending_of(self, person: int, after: int, upto: int, limit: int) -> list[Stored]:
        """One person's unhandled updates in (after, upto], oldest first."""
        return _stored(
            await self.db.fetchall(
                f"{_PENDING} AND person = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (person, after, upto, limit),
            )
        )

    def handled(self, seqs: Sequence[int], now: datetime) -> None:
        """Mark updates handled, forgetting what they said and who sent them. Nobody waits for
        it: it commits with the next batch, after every write already queued."""

        def mark(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE inbox SET handled_at = ?, person = NULL, body = NULL WHERE seq = ?",
                [(stamp, seq) for seq in seqs],
            )

        stamp = to_db(now)
        self.db.soon(mark)

    async def settled(self) -> None:
        """Return once every update marked handled so far is committed as such."""
        await self.db.transact(lambda conn: None)

    async def purge_handled(self, before: datetime) -> int:
        """Forget the ids of updates handled before `before` (Telegram redelivers within a day)."""

        def delete(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
                (to_db(before),),
            )
            return int(cursor.rowcount)

        return await self.db.transact(delete)
