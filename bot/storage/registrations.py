"""Registrations for events and the waiting list.

"At most N seats" is a rule across people, so registering and cancelling are transaction
functions on the writer (`Database.transact`): the count of confirmed seats and the insert (or
the cancellation and the promotion of the first one waiting) happen in one go, after every
write queued before and with nothing in between. 200 people tapping at once for the last 10
seats get 10 seats and 190 places in line, in the order they reached the writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.events.rules import seat_for
from bot.core.events.ticket import new_code
from bot.storage.database import Database
from bot.storage.timefmt import from_db, to_db

Status = Literal["confirmed", "waiting"]

# A waiting registration's place: 1 + how many of the same event's waiting came before it.
_PLACE = (
    "(SELECT COUNT(*) + 1 FROM registrations w WHERE w.event_id = r.event_id "
    "AND w.status = 'waiting' AND (w.created_at < r.created_at "
    "OR (w.created_at = r.created_at AND w.id < r.id)))"
)


@dataclass(frozen=True)
class Registered:
    """What a tap on Daftar came to. `new` is False when the person already had this place."""

    status: Status
    place: int  # on the waiting list, from 1; 0 for a confirmed seat
    new: bool


@dataclass(frozen=True)
class Cancelled:
    was: Status | None  # None: nothing active to cancel
    promoted: int | None  # the person moved from the waiting list into the freed seat


@dataclass(frozen=True)
class Place:
    event_id: int
    status: Status
    place: int  # 0 for a confirmed seat
    created_at: datetime
    attended_at: datetime | None = None  # checked in at the door


@dataclass(frozen=True)
class Ticket:
    """A registration as its check-in code finds it (any status: a cancelled one is told)."""

    id: int
    event_id: int
    user_id: int
    status: Status | Literal["cancelled"]
    code: str
    attended_at: datetime | None
    checked_in_by: int | None


def _place(conn: sqlite3.Connection, registration_id: int) -> int:
    row = conn.execute(
        f"SELECT status, {_PLACE} AS place FROM registrations r WHERE r.id = ?",
        (registration_id,),
    ).fetchone()
    return int(row["place"]) if row["status"] == "waiting" else 0


def give_seats(conn: sqlite3.Connection, event_id: int, people: Sequence[int], stamp: str) -> None:
    """Move waiting people into seats, inside the caller's transaction (a cancellation here,
    more seats given by staff in bot/storage/events.py): each seat comes with its check-in
    ticket and the moment it became theirs (reminders count from then)."""
    conn.executemany(
        "UPDATE registrations SET status = 'confirmed', updated_at = ?, confirmed_at = ?, "
        "checkin_code = ? WHERE event_id = ? AND user_id = ? AND status = 'waiting'",
        [(stamp, stamp, new_code(), event_id, person) for person in people],
    )


class EventClosed(Exception):
    """The event was cancelled (or removed) by the time the registration reached the writer."""


class RegistrationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def register(
        self, event_id: int, user_id: int, now: Callable[[], datetime]
    ) -> Registered:
        """A seat if one is left, else the end of the waiting list; the place already held
        if the person has one. `now` is read inside the transaction, so created_at follows the
        order in which registrations reached the writer (the waiting list's order)."""

        def run(conn: sqlite3.Connection) -> Registered:
            held = conn.execute(
                "SELECT id, status FROM registrations WHERE event_id = ? AND user_id = ? "
                "AND status != 'cancelled'",
                (event_id, user_id),
            ).fetchone()
            if held is not None:
                return Registered(held["status"], _place(conn, held["id"]), new=False)
            # Checked here too, not only before: staff may cancel the event between the check
            # and this transaction, and nothing can come between this read and the insert.
            event = conn.execute(
                "SELECT capacity, status FROM events WHERE id = ?", (event_id,)
            ).fetchone()
            if event is None or event["status"] != "published":
                raise EventClosed(event_id)
            capacity = event["capacity"]
            confirmed = conn.execute(
                "SELECT COUNT(*) FROM registrations WHERE event_id = ? AND status = 'confirmed'",
                (event_id,),
            ).fetchone()[0]
            status = seat_for(confirmed, capacity)
            stamp = to_db(now())
            # A seat comes with its check-in ticket; a waiting place gets one when promoted.
            code, confirmed_at = (new_code(), stamp) if status == "confirmed" else (None, None)
            cursor = conn.execute(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, "
                "checkin_code, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event_id, user_id, status, stamp, stamp, code, confirmed_at),
            )
            assert cursor.lastrowid is not None
            return Registered(status, _place(conn, cursor.lastrowid), new=True)

        return await self.db.transact(run)

    async def cancel(
        self, event_id: int, user_id: int, now: datetime, promote: bool = True
    ) -> Cancelled:
        """Cancel the person's registration; a freed seat goes, in the same transaction, to
        the first one waiting (who must then be told: `Cancelled.promoted`), unless `promote`
        is False (the event has begun or is off: nobody is moved in)."""
        stamp = to_db(now)

        def run(conn: sqlite3.Connection) -> Cancelled:
            held = conn.execute(
                "SELECT id, status FROM registrations WHERE event_id = ? AND user_id = ? "
                "AND status != 'cancelled'",
                (event_id, user_id),
            ).fetchone()
            if held is None:
                return Cancelled(None, None)
            conn.execute(
                "UPDATE registrations SET status = 'cancelled', updated_at = ? WHERE id = ?",
                (stamp, held["id"]),
            )
            if held["status"] != "confirmed":
                return Cancelled("waiting", None)
            if not promote:
                return Cancelled("confirmed", None)
            first = conn.execute(
                "SELECT id, user_id FROM registrations WHERE event_id = ? AND status = 'waiting' "
                "ORDER BY created_at, id LIMIT 1",
                (event_id,),
            ).fetchone()
            if first is None:
                return Cancelled("confirmed", None)
            give_seats(conn, event_id, [int(first["user_id"])], stamp)
            return Cancelled("confirmed", int(first["user_id"]))

        return await self.db.transact(run)

    async def status_of(self, event_id: int, user_id: int) -> Status | None:
        row = await self.db.fetchone(
            "SELECT status FROM registrations WHERE event_id = ? AND user_id = ? "
            "AND status != 'cancelled'",
            (event_id, user_id),
        )
        return None if row is None else row["status"]

    async def of_user(self, user_id: int) -> list[Place]:
        """The person's active registrations and waiting places, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT r.event_id, r.status, r.created_at, r.attended_at, {_PLACE} AS place "
            "FROM registrations r WHERE r.user_id = ? AND r.status != 'cancelled' "
            "ORDER BY r.created_at, r.id",
            (user_id,),
        )
        return [
            Place(
                row["event_id"],
                row["status"],
                int(row["place"]) if row["status"] == "waiting" else 0,
                from_db(row["created_at"]),
                from_db(row["attended_at"]) if row["attended_at"] else None,
            )
            for row in rows
        ]

    async def code_of(self, event_id: int, user_id: int) -> str | None:
        """The check-in code of the person's confirmed seat at the event, if they hold one."""
        row = await self.db.fetchone(
            "SELECT checkin_code FROM registrations WHERE event_id = ? AND user_id = ? "
            "AND status = 'confirmed'",
            (event_id, user_id),
        )
        return None if row is None else row["checkin_code"]

    async def by_code(self, code: str) -> Ticket | None:
        row = await self.db.fetchone(
            "SELECT id, event_id, user_id, status, checkin_code, attended_at, checked_in_by "
            "FROM registrations WHERE checkin_code = ?",
            (code,),
        )
        if row is None:
            return None
        return Ticket(
            row["id"],
            row["event_id"],
            row["user_id"],
            row["status"],
            row["checkin_code"],
            from_db(row["attended_at"]) if row["attended_at"] else None,
            row["checked_in_by"],
        )

    async def check_in(self, registration_id: int, staff_id: int, now: datetime) -> bool:
        """Record the attendance of a confirmed seat, once: False if it was recorded already
        (two staff scanning one ticket) or the seat is no longer confirmed."""

        def run(conn: sqlite3.Connection) -> bool:
            return (
                conn.execute(
                    "UPDATE registrations SET attended_at = ?, checked_in_by = ?, updated_at = ? "
                    "WHERE id = ? AND status = 'confirmed' AND attended_at IS NULL",
                    (to_db(now), staff_id, to_db(now), registration_id),
                ).rowcount
                == 1
            )

        return await self.db.transact(run)

    async def purge_ended(self, before: datetime) -> int:
        """Delete every registration (cancelled ones too) of events that ended before `before`:
        kept no longer than the notice says."""

        def run(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "DELETE FROM registrations WHERE event_id IN "
                "(SELECT id FROM events WHERE ends_at < ?)",
                (to_db(before),),
            ).rowcount

        return await self.db.transact(run)
