"""Staff roles kept in the database (ADMIN_IDS from the settings are admins besides these)."""

from __future__ import annotations

from bot.storage.database import Database


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def roles(self) -> dict[int, str]:
        rows = await self.db.fetchall("SELECT user_id, role FROM staff")
        return {int(r["user_id"]): str(r["role"]) for r in rows}
