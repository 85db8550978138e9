"""The audit log's SQL: entries written (alone, or inside another write's transaction), read
newest first together with the broadcasts' own record, and deleted after their retention."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, Statement
from bot.storage.timefmt import from_db, to_db

# Both records as one: the broadcasts' actions read as audit entries ("broadcast_paused" of
# broadcast 12), so /audit and its CSV show everything in one order without copying rows.
_EVERYTHING = """
    SELECT at, actor, action, subject, detail, 0 AS source, id FROM audit_log
    UNION ALL
    SELECT at, actor, 'broadcast_' || action, CAST(broadcast_id AS TEXT), '', 1, id
    FROM broadcast_actions
"""
_NEWEST_FIRST = " ORDER BY at DESC, source DESC, id DESC"


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: int | None
    action: str
    subject: str = ""
    detail: str = ""


def _entry(r: sqlite3.Row) -> Entry:
    actor = r["actor"]
    return Entry(
        from_db(r["at"]),
        int(actor) if actor is not None else None,
        str(r["action"]),
        str(r["subject"]),
        str(r["detail"]),
    )


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def insert(entry: Entry) -> Statement:
        """The statement that records `entry`, to run in the same transaction as what it
        records (a role granted and its entry are one write: neither without the other)."""
        return (
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (to_db(entry.at), entry.actor, entry.action, entry.subject, entry.detail),
        )

    async def record(self, entry: Entry) -> None:
        await self.db.write(self.insert(entry))

    async def count(self) -> int:
        row = await self.db.fetchone(f"SELECT count(*) AS n FROM ({_EVERYTHING})")
        return int(row["n"]) if row else 0

    async def page(self, offset: int, limit: int) -> list[Entry]:
        rows = await self.db.fetchall(
            f"{_EVERYTHING}{_NEWEST_FIRST} LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_entry(r) for r in rows]

    async def everything(self, chunk: int = 1000) -> AsyncIterator[Entry]:
        """Every entry, newest first, read a chunk at a time (keyset on the sort key), so a log
        of years never sits in memory whole."""
        after: tuple[str, int, int] | None = None
        while True:
            if after is None:
                rows = await self.db.fetchall(f"{_EVERYTHING}{_NEWEST_FIRST} LIMIT ?", (chunk,))
            else:
                rows = await self.db.fetchall(
                    f"SELECT * FROM ({_EVERYTHING}) WHERE (at, source, id) < (?, ?, ?)"
                    f"{_NEWEST_FIRST} LIMIT ?",
                    (*after, chunk),
                )
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            last = rows[-1]
            after = (last["at"], last["source"], last["id"])

    @staticmethod
    def forget(person: int) -> Statement:
        """Deletes the entries of a person's own data requests: after /hapusdata no row may
        refer to them. Staff actions stay (an actor who is staff is accountable for them)."""
        return (
            "DELETE FROM audit_log WHERE actor = ? "
            "AND action IN ('data_request', 'data_withdrawn')",
            (person,),
        )

    async def purge(self, before: datetime) -> int:
        def run(conn: sqlite3.Connection) -> int:
            gone = conn.execute("DELETE FROM audit_log WHERE at < ?", (to_db(before),))
            return int(gone.rowcount)

        return await self.db.transact(run)
