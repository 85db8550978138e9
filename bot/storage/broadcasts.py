"""Reading broadcasts as staff watch them: one broadcast with its counts, the ones whose progress
message is still being kept up to date, the history for /siaran, and the record of who did what.

The outbox (bot/storage/outbox.py) writes broadcasts and deliveries and changes their status;
this module reads them, and keeps only the progress message's own columns (where it is, and
that the summary was shown).

A broadcast's counts are read every few seconds while it runs, and for a million recipients
counting takes a fifth of a second. They are counted on a read-only connection of their own
(SQLite in WAL mode lets readers run side by side), so the reads that answer people never wait
behind them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database, Reads
from bot.storage.readonly import ReadOnlyDatabase
from bot.storage.timefmt import from_db, to_db

_COLUMNS = (
    "id, created_by, created_at, status, fallback_text, audience, quiet_hours, scheduled_at, "
    "progress_chat_id, progress_message_id, locale, finished_at, summarised_at"
)


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    created_at: datetime
    status: str  # 'sending', 'paused', 'cancelled' or 'done'
    fallback_text: str
    audience: dict[str, Any]  # how the recipients were chosen; read tolerantly
    quiet_hours: bool
    scheduled_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None
    locale: str
    finished_at: datetime | None
    summarised_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "cancelled")


@dataclass(frozen=True)
class Counts:
    """A broadcast's deliveries by status."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0  # the person blocked the bot, or the chat is gone
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.skipped + self.pending


@dataclass(frozen=True)
class Action:
    actor: int
    action: str  # 'created', 'paused', 'resumed' or 'cancelled'
    at: datetime


def _audience(text: str | None) -> dict[str, Any]:
    # Written by /umumkan; an older or hand-made row must not stop /siaran from listing it.
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        status=row["status"],
        fallback_text=row["fallback_text"],
        audience=_audience(row["audience"]),
        quiet_hours=bool(row["quiet_hours"]),
        scheduled_at=_moment(row["scheduled_at"]),
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        locale=row["locale"],
        finished_at=_moment(row["finished_at"]),
        summarised_at=_moment(row["summarised_at"]),
    )


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._counting: ReadOnlyDatabase | None = None

    async def _counter(self) -> Reads:
        if self._counting is None:
            counting = ReadOnlyDatabase(self.db.path)
            await counting.open()
            self._counting = counting
        return self._counting

    async def close(self) -> None:
        """Close the counting connection (opened at the first count)."""
        if self._counting is not None:
            await self._counting.close()
            self._counting = None

    async def get(self, broadcast: int) -> Broadcast | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast,)
        )
        return _broadcast(row) if row is not None else None

    async def watched(self) -> list[Broadcast]:
        """Broadcasts with a progress message not yet turned into the summary."""
        found = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE progress_message_id IS NOT NULL "
            "AND summarised_at IS NULL ORDER BY id"
        )
        return [_broadcast(row) for row in found]

    async def page(self, offset: int, limit: int) -> tuple[list[Broadcast], int]:
        """Broadcasts newest first, and how many there are in all."""
        found = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        total = await self.db.fetchone("SELECT COUNT(*) FROM broadcasts")
        return [_broadcast(row) for row in found], int(total[0]) if total else 0

    async def counts(self, broadcast: int) -> Counts:
        # One range of the (broadcast_id, status, id) index per status: summed, half the time
        # of a GROUP BY over the broadcast's rows.
        counter = await self._counter()
        found = {}
        for status in ("sent", "failed", "skipped", "pending"):
            row = await counter.fetchone(
                "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND status = ?",
                (broadcast, status),
            )
            found[status] = int(row[0]) if row else 0
        return Counts(**found)

    async def failures(self, broadcast: int) -> list[tuple[str, int]]:
        """Why deliveries failed, each reason with how many, most frequent first."""
        found = await self.db.fetchall(
            "SELECT COALESCE(last_error, '') AS reason, COUNT(*) AS n FROM deliveries "
            "WHERE broadcast_id = ? AND status = 'failed' GROUP BY reason ORDER BY n DESC, reason",
            (broadcast,),
        )
        return [(row["reason"], int(row["n"])) for row in found]

    async def actions(self, broadcast: int) -> list[Action]:
        found = await self.db.fetchall(
            "SELECT actor, action, at FROM broadcast_actions WHERE broadcast_id = ? ORDER BY id",
            (broadcast,),
        )
        return [Action(row["actor"], row["action"], from_db(row["at"])) for row in found]

    async def attach(self, broadcast: int, chat_id: int, message_id: int, locale: str) -> None:
        """The message (and its language) that now shows the broadcast's progress: the one a
        restart goes on editing. Showing it again (from /siaran) points here to the new one."""
        await self.db.write(
            (
                "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ?, "
                "locale = ?, summarised_at = NULL WHERE id = ?",
                (chat_id, message_id, locale, broadcast),
            )
        )

    async def summarised(self, broadcast: int, now: datetime) -> None:
        """The summary is shown: the updater leaves the message alone from now on."""
        await self.db.write(
            ("UPDATE broadcasts SET summarised_at = ? WHERE id = ?", (to_db(now), broadcast))
        )

    async def stamp_finished(self, now: datetime) -> None:
        """Give broadcasts the sender finished ('done' has no time of its own there) the time
        of their last copy, else `now`. A cancelled one got its time when it was cancelled."""
        await self.db.write(
            (
                "UPDATE broadcasts SET finished_at = COALESCE((SELECT MAX(d.sent_at) FROM "
                "deliveries d WHERE d.broadcast_id = broadcasts.id), ?) "
                "WHERE status = 'done' AND finished_at IS NULL",
                (to_db(now),),
            )
        )
