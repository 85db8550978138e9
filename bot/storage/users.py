"""People and their consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.storage.timefmt import to_db

# What each purpose's consent covers: withdrawing it deletes these rows of the person's, in
# the same transaction (answers, reminders and the like cascade from them). A new purpose adds
# its tables here.
PURPOSE_DATA: dict[str, tuple[str, ...]] = {
    "survey": ("DELETE FROM responses WHERE user_id = ?",),
    "events": ("DELETE FROM registrations WHERE user_id = ?",),
    "wishes": (
        "DELETE FROM event_wishes WHERE user_id = ?",
        "DELETE FROM wishes_told WHERE user_id = ?",  # a job not yet run then sends nothing
    ),
    # Deliveries still pending would send the person an announcement after they said stop;
    # those sent stay as the record of what went out (they go with the person on erasure).
    "announcements": (
        "DELETE FROM subscriptions WHERE user_id = ?",
        "DELETE FROM deliveries WHERE person = ? AND status = 'pending'",
    ),
}


@dataclass(frozen=True)
class User:
    id: int
    locale: str


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> User | None:
        row = await self.db.fetchone("SELECT id, locale FROM users WHERE id = ?", (user_id,))
        return User(row["id"], row["locale"]) if row else None

    async def create_with_consent(
        self, user_id: int, locale: str, purpose: str, version: str, now: datetime
    ) -> None:
        stamp = to_db(now)
        await self.db.write(
            (
                "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                (user_id, locale, stamp, stamp),
            ),
            (
                "INSERT INTO consents (user_id, purpose, version, granted_at) "
                "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM consents WHERE user_id = ? "
                "AND purpose = ? AND version = ? AND withdrawn_at IS NULL)",
                (user_id, purpose, version, stamp, user_id, purpose, version),
            ),
        )

    async def has_consent(self, user_id: int, purpose: str, version: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM consents WHERE user_id = ? AND purpose = ? AND version = ? "
            "AND withdrawn_at IS NULL",
            (user_id, purpose, version),
        )
        return row is not None

    async def purposes(self, user_id: int) -> list[str]:
        """The purposes the person has agreed to and not withdrawn, in the order agreed."""
        rows = await self.db.fetchall(
            "SELECT purpose FROM consents WHERE user_id = ? AND withdrawn_at IS NULL "
            "GROUP BY purpose ORDER BY MIN(id)",
            (user_id,),
        )
        return [row["purpose"] for row in rows]

    async def withdraw(self, user_id: int, purpose: str, now: datetime) -> None:
        """Withdraw consent to `purpose` and delete the data it covered, together. The consent
        row stays, marked withdrawn: the record that the person said no."""
        await self.db.write(
            (
                "UPDATE consents SET withdrawn_at = ? WHERE user_id = ? AND purpose = ? "
                "AND withdrawn_at IS NULL",
                (to_db(now), user_id, purpose),
            ),
            *((sql, (user_id,)) for sql in PURPOSE_DATA.get(purpose, ())),
        )

    async def set_locale(self, user_id: int, locale: str, now: datetime) -> None:
        await self.db.write(
            (
                "UPDATE users SET locale = ?, updated_at = ? WHERE id = ?",
                (locale, to_db(now), user_id),
            )
        )

    async def delete(self, user_id: int) -> None:
        """Everything about the person goes: responses, answers and consents cascade; what a
        feature was waiting for them to type and work scheduled for them (kept apart: staff have
        no users row) go too."""
        await self.db.write(
            ("DELETE FROM users WHERE id = ?", (user_id,)),
            ("DELETE FROM awaiting WHERE user_id = ?", (user_id,)),
            ("DELETE FROM jobs WHERE person = ?", (user_id,)),
        )
