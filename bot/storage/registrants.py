"""An event's registrants as staff see them: who holds a seat, who waits and in what place,
and who came (checked in at the door). Read only; registering is bot/storage/registrations.py.

No names: the bot never stores them (UU PDP, data minimisation). A registrant is their
registration's number, its status and times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.storage.timefmt import from_db


@dataclass(frozen=True)
class Registrant:
    number: int  # the registration's id: stable, and unique across events
    user_id: int
    status: str  # confirmed | waiting
    place: int  # on the waiting list, from 1; 0 for a seat
    registered_at: datetime
    attended_at: datetime | None  # None: not checked in


@dataclass(frozen=True)
class Counts:
    confirmed: int
    waiting: int
    attended: int  # checked in at the door


class RegistrantRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def of_event(self, event_id: int) -> list[Registrant]:
        """Seats first, then the waiting list; each in the order people registered."""
        rows = await self.db.fetchall(
            "SELECT id, user_id, status, created_at, attended_at FROM registrations "
            "WHERE event_id = ? AND status IN ('confirmed', 'waiting') "
            "ORDER BY status = 'waiting', created_at, id",
            (event_id,),
        )
        found: list[Registrant] = []
        waiting = 0
        for row in rows:
            if row["status"] == "waiting":
                waiting += 1
            found.append(
                Registrant(
                    number=row["id"],
                    user_id=row["user_id"],
                    status=row["status"],
                    place=waiting if row["status"] == "waiting" else 0,
                    registered_at=from_db(row["created_at"]),
                    attended_at=from_db(row["attended_at"]) if row["attended_at"] else None,
                )
            )
        return found

    async def counts(self, event_id: int) -> Counts:
        row = await self.db.fetchone(
            "SELECT SUM(status = 'confirmed') AS confirmed, SUM(status = 'waiting') AS waiting, "
            "SUM(attended_at IS NOT NULL) AS attended FROM registrations WHERE event_id = ? "
            "AND status IN ('confirmed', 'waiting')",
            (event_id,),
        )
        assert row is not None  # an aggregate always has its row
        return Counts(
            int(row["confirmed"] or 0),
            int(row["waiting"] or 0),
            int(row["attended"] or 0),
        )
