"""Which event reminders are due, decided once each: the SQL behind bot/services/reminders.py.

Nothing is scheduled per registration. Each sweep looks at the confirmed seats of published
events starting soon, decides the reminders whose moment has come and that no earlier sweep
decided (`reminders_sent`), and queues one job per person to send it, all in one transaction:
a reminder is then either decided and queued, or neither. Staff moving an event, a promotion
from the waiting list or an import need no reminder bookkeeping of their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import jobs
from bot.storage.database import Database
from bot.storage.timefmt import from_db, to_db

# Confirmed seats of published events starting in (now, horizon] whose nearest-to-start
# reminder due by now (`latest`, a CASE over the offsets put in by `queue_due`) is not decided
# yet for the event's current start time; `decided` is the nearest one decided so far (NULL:
# none). Filtered in SQL: every seat of every event in the next day is looked at on each tick.
_CANDIDATES = """
SELECT * FROM (
    SELECT r.id, r.user_id, r.event_id, r.confirmed_at, e.starts_at, {latest} AS latest,
           (SELECT MIN(s.minutes_before) FROM reminders_sent s
            WHERE s.registration_id = r.id AND s.starts_at = e.starts_at) AS decided
    FROM events e JOIN registrations r ON r.event_id = e.id
    WHERE e.status = 'published' AND e.starts_at > ? AND e.starts_at <= ?
      AND r.status = 'confirmed'
) WHERE decided IS NULL OR decided > latest
"""


@dataclass(frozen=True)
class Seat:
    """A registration as a reminder job re-checks it when it runs."""

    user_id: int
    event_id: int
    status: str


class ReminderRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue_due(self, now: datetime, offsets: Sequence[int], job: str) -> int:
        """Decide every reminder due by `now` (`offsets`: minutes before the start) and queue
        a `job` for each one to send; returns how many were queued.

        Per seat, only the reminder nearest the start whose moment has passed is sent; the
        earlier ones not yet decided (the bot was down when they fell due) are recorded as
        skipped, so nobody gets "tomorrow" and "in an hour" at once. A reminder whose moment
        had passed before the seat was confirmed is skipped too: whoever registers three
        hours before the start knows it is today."""
        if not offsets:
            return 0
        stamp = to_db(now)
        nearest_first = sorted(set(offsets))
        # The smallest offset whose moment (start - offset) has come: start <= now + offset.
        latest = "CASE " + "WHEN e.starts_at <= ? THEN ? " * len(nearest_first) + "END"
        params: list[object] = []
        for minutes in nearest_first:
            params += [to_db(now + timedelta(minutes=minutes)), minutes]
        params += [stamp, to_db(now + timedelta(minutes=nearest_first[-1]))]
        sql = _CANDIDATES.format(latest=latest)

        def run(conn: sqlite3.Connection) -> int:
            queued = 0
            for row in conn.execute(sql, params).fetchall():
                starts = from_db(row["starts_at"])
                passed = [m for m in nearest_first if starts - timedelta(minutes=m) <= now]
                decided, latest = row["decided"], int(row["latest"])
                confirmed = from_db(row["confirmed_at"]) if row["confirmed_at"] else None
                send = confirmed is None or confirmed <= starts - timedelta(minutes=latest)
                for minutes in passed:
                    if decided is not None and minutes >= decided:
                        continue  # decided by an earlier sweep
                    conn.execute(
                        "INSERT INTO reminders_sent (registration_id, minutes_before, starts_at, "
                        "queued_at, skipped) VALUES (?, ?, ?, ?, ?)",
                        (
                            row["id"],
                            minutes,
                            row["starts_at"],
                            stamp,
                            0 if send and minutes == latest else 1,
                        ),
                    )
                if send:
                    data = {
                        "registration_id": row["id"],
                        "event_id": row["event_id"],
                        "minutes_before": latest,
                        "starts_at": row["starts_at"],
                    }
                    jobs.insert(conn, row["user_id"], job, data, now, now)
                    queued += 1
            return queued

        return await self.db.transact(run)

    async def seat(self, registration_id: int) -> Seat | None:
        row = await self.db.fetchone(
            "SELECT user_id, event_id, status FROM registrations WHERE id = ?", (registration_id,)
        )
        return None if row is None else Seat(row["user_id"], row["event_id"], row["status"])
