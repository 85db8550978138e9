"""Staff roles kept in the database (ADMIN_IDS from the settings are admins besides these)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, Statement
from bot.storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Member:
    user_id: int
    role: str
    added_at: datetime


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def roles(self) -> dict[int, str]:
        rows = await self.db.fetchall("SELECT user_id, role FROM staff")
        return {int(r["user_id"]): str(r["role"]) for r in rows}

    async def members(self) -> list[Member]:
        rows = await self.db.fetchall("SELECT user_id, role, added_at FROM staff ORDER BY added_at")
        return [Member(int(r["user_id"]), str(r["role"]), from_db(r["added_at"])) for r in rows]

    async def grant(self, user_id: int, role: str, now: datetime, audit: Statement) -> bool:
        """Give `user_id` the role, with its audit entry in the same transaction; False (and
        nothing written) if they have a role already."""

        def run(conn: sqlite3.Connection) -> bool:
            added = conn.execute(
                "INSERT INTO staff (user_id, role, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user_id, role, to_db(now)),
            )
            if added.rowcount:
                conn.execute(*audit)
            return added.rowcount > 0

        return await self.db.transact(run)

    async def revoke(self, user_id: int, audit: Statement) -> bool:
        """Take the role away, with its audit entry; False if they had none (revoked already)."""

        def run(conn: sqlite3.Connection) -> bool:
            gone = conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
            if gone.rowcount:
                conn.execute(*audit)
            return gone.rowcount > 0

        return await self.db.transact(run)
