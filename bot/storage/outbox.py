"""The durable outbox: broadcasts and one delivery row per recipient.

A broadcast and all its delivery rows are written in one transaction, so a confirmed broadcast
has every recipient on disk before the first message goes out. The rows are streamed into
SQLite (INSERT ... SELECT from a recipient query, or executemany over a generator in chunks):
a million recipients are never a million Python objects at once.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database
from bot.storage.timefmt import to_db

CHUNK = 10_000  # rows handed to one executemany: bounds memory, not the transaction


@dataclass(frozen=True)
class Content:
    """What a broadcast sends: the staff message copied (copyMessage), and a text fallback."""

    from_chat_id: int
    message_id: int
    fallback_text: str = ""


@dataclass(frozen=True)
class Delivery:
    id: int
    broadcast_id: int
    person: int
    attempts: int
    from_chat_id: int
    message_id: int
    locale: str = "id"  # the recipient's, for the way-out button under the copy


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery: 'sent', 'failed' (with the reason) or 'skipped' (the person
    cannot be reached: they are recorded as unreachable too)."""

    delivery_id: int
    person: int
    status: str
    attempts: int
    error: str | None = None


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        created_by: int,
        content: Content,
        recipients: str | Iterable[int],
        params: Sequence[Any] = (),
        audience: dict[str, Any] | None = None,
        quiet_hours: bool = True,
        scheduled_at: datetime | None = None,
        locale: str = "id",
        now: datetime,
    ) -> tuple[int, int]:
        """Record a broadcast and a pending delivery for each recipient, all or nothing.

        `recipients` is either an SQL query selecting one column of person ids (with `params`),
        run inside SQLite as INSERT ... SELECT, or an iterable of ids (best a generator), fed
        to executemany in chunks. Each person gets at most one delivery; people recorded as
        unreachable get none. Every recipient must have a users row (they are subscribers, who
        consented). `locale` is the staff member's (their progress message). The 'created'
        action is recorded with it: who sent what to whom, and when. Returns (broadcast id,
        number of deliveries)."""

        def write(conn: sqlite3.Connection) -> tuple[int, int]:
            cursor = conn.execute(
                "INSERT INTO broadcasts (created_by, created_at, status, from_chat_id, "
                "message_id, fallback_text, audience, quiet_hours, scheduled_at, locale) "
                "VALUES (?, ?, 'sending', ?, ?, ?, ?, ?, ?, ?)",
                (
                    created_by,
                    to_db(now),
                    content.from_chat_id,
                    content.message_id,
                    content.fallback_text,
                    json.dumps(audience or {}, ensure_ascii=False),
                    int(quiet_hours),
                    to_db(scheduled_at) if scheduled_at else None,
                    locale,
                ),
            )
            broadcast = int(cursor.lastrowid or 0)
            conn.execute(
                "INSERT INTO broadcast_actions (broadcast_id, actor, action, at) "
                "VALUES (?, ?, 'created', ?)",
                (broadcast, created_by, to_db(now)),
            )
            if isinstance(recipients, str):
                # Named by a CTE, so the query's own column name does not matter.
                conn.execute(
                    f"WITH picked(person) AS ({recipients}) "
                    "INSERT OR IGNORE INTO deliveries (broadcast_id, person) "
                    "SELECT ?, person FROM picked "
                    "WHERE person NOT IN (SELECT person FROM unreachable)",
                    (*params, broadcast),
                )
            else:
                people = iter(recipients)
                while chunk := list(itertools.islice(people, CHUNK)):
                    conn.executemany(
                        "INSERT OR IGNORE INTO deliveries (broadcast_id, person) VALUES (?, ?)",
                        ((broadcast, person) for person in chunk),
                    )
                conn.execute(
                    "DELETE FROM deliveries WHERE broadcast_id = ? "
                    "AND person IN (SELECT person FROM unreachable)",
                    (broadcast,),
                )
            count = int(
                conn.execute(
                    "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?", (broadcast,)
                ).fetchone()[0]
            )
            if count == 0:  # nobody to tell: the sender would never see it to finish it
                conn.execute("UPDATE broadcasts SET status = 'done' WHERE id = ?", (broadcast,))
            return broadcast, count

        return await self.db.transact(write)

    async def claim(self, now: datetime, after: int = 0, limit: int = 200) -> list[Delivery]:
        """The next `limit` pending deliveries with an id above `after`, of broadcasts that are
        sending and due, in id order. Nothing is written: a delivery stays pending until its
        outcome is recorded, so one claimed by a process that then died is claimed again."""
        found = await self.db.fetchall(
            "SELECT d.id, d.broadcast_id, d.person, d.attempts, b.from_chat_id, b.message_id, "
            "u.locale FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
            "JOIN users u ON u.id = d.person "
            "WHERE d.broadcast_id IN (SELECT id FROM broadcasts WHERE status = 'sending' "
            "  AND (scheduled_at IS NULL OR scheduled_at <= ?)) "
            "AND d.status = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?",
            (to_db(now), after, limit),
        )
        return [
            Delivery(
                r["id"],
                r["broadcast_id"],
                r["person"],
                r["attempts"],
                r["from_chat_id"],
                r["message_id"],
                r["locale"],
            )
            for r in found
        ]

    async def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Record what became of deliveries, in one write (the sender batches them)."""
        stamp = to_db(now)

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE id = ? AND status = 'pending'",
                ((o.status, o.attempts, o.error, o.status, stamp, o.delivery_id) for o in outcomes),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO unreachable (person, since, reason) "
                "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)",
                (
                    (o.person, stamp, o.error or "", o.person)
                    for o in outcomes
                    if o.status == "skipped"
                ),
            )
            # Deliveries still pending for someone now known unreachable are not tried.
            conn.executemany(
                "UPDATE deliveries SET status = 'skipped', last_error = 'unreachable' "
                "WHERE person = ? AND status = 'pending'",
                ((o.person,) for o in outcomes if o.status == "skipped"),
            )

        if outcomes:
            await self.db.transact(write)

    async def finish_done(self) -> int:
        """Mark sending broadcasts with nothing pending as done; returns how many."""

        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "UPDATE broadcasts SET status = 'done' WHERE status = 'sending' AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.broadcast_id = broadcasts.id "
                " AND d.status = 'pending')"
            )
            return cursor.rowcount

        return await self.db.transact(write)

    async def set_status(
        self,
        broadcast: int,
        status: str,
        actor: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Pause ('paused'), resume ('sending') or cancel ('cancelled') a broadcast; False if
        it is finished or already so (a second tap changes nothing and records nothing). With
        `actor` (every staff tap), who did it and when is recorded in the same transaction. A
        cancelled one keeps its pending rows as the record of who was not reached, and gets
        its finished_at."""
        action = {"paused": "paused", "sending": "resumed", "cancelled": "cancelled"}[status]
        if actor is not None and now is None:
            raise ValueError("an action is recorded with its time")
        stamp = to_db(now) if now is not None else None

        def write(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE broadcasts SET status = ?, finished_at = CASE WHEN ? = 'cancelled' "
                "THEN COALESCE(?, finished_at) ELSE finished_at END "
                "WHERE id = ? AND status NOT IN ('done', 'cancelled', ?)",
                (status, status, stamp, broadcast, status),
            )
            if cursor.rowcount == 0:
                return False
            if actor is not None:
                conn.execute(
                    "INSERT INTO broadcast_actions (broadcast_id, actor, action, at) "
                    "VALUES (?, ?, ?, ?)",
                    (broadcast, actor, action, stamp),
                )
            return True

        return await self.db.transact(write)

    async def counts(self, broadcast: int) -> dict[str, int]:
        found = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY status",
            (broadcast,),
        )
        return {r["status"]: int(r["n"]) for r in found}
