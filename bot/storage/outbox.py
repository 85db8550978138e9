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

from bot.core.events.zones import PROVINCE_ZONES, WIB, ZONES
from bot.core.quiet import QuietHours
from bot.storage.database import Database
from bot.storage.timefmt import to_db

CHUNK = 10_000  # rows handed to one executemany: bounds memory, not the transaction


def _zone_of(code: str) -> str:
    """SQL: the IANA zone of a region code expression ("53.71" -> Asia/Makassar), else NULL.
    A CASE over the province table, so filling a million deliveries' zones stays in SQLite."""
    whens = " ".join(f"WHEN '{p}' THEN '{z}'" for p, z in PROVINCE_ZONES.items())
    return f"(CASE substr({code}, 1, 2) {whens} END)"


_CHOSEN_ZONE = _zone_of("json_extract(s.regions, '$[0]')")  # the first region subscribed to
_ANSWERED_ZONE = _zone_of("w.code")  # the region last answered in a survey


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
    def __init__(
        self,
        db: Database,
        *,
        quiet: QuietHours | None = None,
        zone: str = WIB,
        region_questions: Sequence[tuple[str, str]] = (),
    ) -> None:
        """`quiet`: the hours nothing is delivered in a recipient's zone (None: none). `zone`:
        the bot's TIMEZONE, for recipients whose region is unknown. `region_questions`: the
        (survey, question) pairs asking where a person is, the fallback for their zone."""
        self.db = db
        self.quiet = quiet
        self.zone = zone
        self.region_questions = tuple(region_questions)
        self._unreachable: set[int] | None = None  # loaded at the first look (came_back)

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
                self._fill(conn, broadcast, recipients, tuple(params))
            else:
                # Ids from Python go through a temporary table, so both kinds of recipients
                # are filled (zones included) by the one INSERT ... SELECT of _fill.
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS picked_ids (person INTEGER)")
                conn.execute("DELETE FROM temp.picked_ids")
                people = iter(recipients)
                while chunk := list(itertools.islice(people, CHUNK)):
                    conn.executemany(
                        "INSERT INTO temp.picked_ids (person) VALUES (?)",
                        ((person,) for person in chunk),
                    )
                self._fill(conn, broadcast, "SELECT person FROM temp.picked_ids", ())
                conn.execute("DELETE FROM temp.picked_ids")
            count = int(
                conn.execute(
                    "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?", (broadcast,)
                ).fetchone()[0]
            )
            if count == 0:  # nobody to tell: the sender would never see it to finish it
                conn.execute("UPDATE broadcasts SET status = 'done' WHERE id = ?", (broadcast,))
            return broadcast, count

        return await self.db.transact(write)

    def _fill(self, conn: sqlite3.Connection, broadcast: int, query: str, params: Any) -> None:
        """One pending delivery per person `query` selects (one column of ids), with the zone
        they get it in: the province of the first region they subscribed to, else of the
        region they last answered in a survey, else NULL (the bot's TIMEZONE). People recorded
        unreachable get none. All in SQLite: a million recipients take seconds, not a loop."""
        pairs = self.region_questions
        if pairs:
            which = " OR ".join("(r.survey_id = ? AND a.question_id = ?)" for _ in pairs)
            # One pass over the answers for everyone (responses have no index by person):
            # SQLite takes the bare column from the row of MAX(answered_at), the latest.
            answered = (
                "SELECT user_id, code FROM (SELECT r.user_id, json_extract(a.value, '$') AS "
                "code, MAX(a.answered_at) FROM answers a JOIN responses r ON r.id = "
                "a.response_id WHERE r.status IN ('submitted', 'in_progress') "
                f"AND a.value IS NOT NULL AND ({which}) GROUP BY r.user_id)"
            )
        else:
            answered = "SELECT NULL, NULL WHERE 0"
        # Named by CTEs, so the query's own column names do not matter.
        conn.execute(
            f"WITH picked(person) AS ({query}), "
            f"answered(person, code) AS MATERIALIZED ({answered}) "
            "INSERT OR IGNORE INTO deliveries (broadcast_id, person, zone) "
            f"SELECT ?, p.person, COALESCE({_CHOSEN_ZONE}, {_ANSWERED_ZONE}) "
            "FROM picked p LEFT JOIN subscriptions s ON s.user_id = p.person "
            "LEFT JOIN answered w ON w.person = p.person "
            "WHERE p.person NOT IN (SELECT person FROM unreachable)",
            (*params, *[part for pair in pairs for part in pair], broadcast),
        )

    def _asleep(self, now: datetime) -> tuple[frozenset[str], bool]:
        """The zones in quiet hours at `now`, and whether the bot's TIMEZONE (recipients with
        no zone of their own) is one of them."""
        if self.quiet is None:
            return frozenset(), False
        asleep = self.quiet.quiet_zones(now, {*ZONES, self.zone})
        return asleep, self.zone in asleep

    async def waiting_for_quiet(self, broadcast: int, now: datetime) -> int:
        """How many of the broadcast's pending deliveries wait for their quiet hours to end.
        Counted a zone at a time on deliveries_by_zone (the progress message asks every few
        seconds; one count over a million rows with OR read every row's zone from the table)."""
        asleep, default_asleep = self._asleep(now)
        urgent = await self.db.fetchone(
            "SELECT quiet_hours = 0 FROM broadcasts WHERE id = ?", (broadcast,)
        )
        if not asleep or urgent is None or urgent[0]:
            return 0
        ranges: list[tuple[str, tuple[str, ...]]] = [("zone = ?", (z,)) for z in sorted(asleep)]
        if default_asleep:
            ranges.append(("zone IS NULL", ()))
        total = 0
        for condition, values in ranges:
            row = await self.db.fetchone(
                "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND status = 'pending' "
                f"AND {condition}",
                (broadcast, *values),
            )
            total += int(row[0]) if row else 0
        return total

    async def claim(self, now: datetime, after: int = 0, limit: int = 200) -> list[Delivery]:
        """The next `limit` pending deliveries with an id above `after`, of broadcasts that are
        sending and due, in id order, leaving out those whose recipient is in quiet hours now
        (unless the broadcast is urgent): a later look, in their morning, finds them. Nothing
        is written: a delivery stays pending until its outcome is recorded, so one claimed by a
        process that then died is claimed again.

        Read a broadcast at a time, and within one a zone at a time (deliveries_by_zone): each
        is one index range in id order, so a look costs the rows it returns, not the rows
        waiting. Broadcasts' deliveries are written one broadcast after another, so this is id
        order across broadcasts too."""
        due = await self.db.fetchall(
            "SELECT id, quiet_hours FROM broadcasts WHERE status = 'sending' "
            "AND (scheduled_at IS NULL OR scheduled_at <= ?) ORDER BY id",
            (to_db(now),),
        )
        asleep, default_asleep = self._asleep(now)
        awake: list[str | None] = [z for z in sorted({*ZONES, self.zone}) if z not in asleep]
        if not default_asleep:
            awake.append(None)
        found: list[sqlite3.Row] = []
        for broadcast in due:
            if broadcast["quiet_hours"] and asleep:
                ranges = [("AND d.zone IS NULL", ()) if z is None else ("AND d.zone = ?", (z,))
                          for z in awake]  # fmt: skip
            else:
                ranges = [("", ())]
            rows: list[sqlite3.Row] = []
            for condition, values in ranges:
                rows += await self.db.fetchall(
                    "SELECT d.id, d.broadcast_id, d.person, d.attempts, b.from_chat_id, "
                    "b.message_id, u.locale FROM deliveries d "
                    "JOIN broadcasts b ON b.id = d.broadcast_id JOIN users u ON u.id = d.person "
                    f"WHERE d.broadcast_id = ? AND d.status = 'pending' {condition} "
                    "AND d.id > ? ORDER BY d.id LIMIT ?",
                    (broadcast["id"], *values, after, limit - len(found)),
                )
            found += sorted(rows, key=lambda r: int(r["id"]))[: limit - len(found)]
            if len(found) >= limit:
                break
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

    async def load_unreachable(self) -> None:
        """Read who is unreachable once (at start), so `came_back` costs no read per update."""
        found = await self.db.fetchall("SELECT person FROM unreachable")
        self._unreachable = {int(r["person"]) for r in found}

    async def came_back(self, person: int) -> bool:
        """`person` sent the bot something: whatever Telegram said before (they blocked the
        bot), it reaches them now, so later broadcasts go to them again. Called for every
        update: a set lookup, and a write only for someone who was unreachable. True if they
        were."""
        if self._unreachable is None:
            await self.load_unreachable()
        assert self._unreachable is not None
        if person not in self._unreachable:
            return False
        self._unreachable.discard(person)
        await self.db.write(("DELETE FROM unreachable WHERE person = ?", (person,)))
        return True

    async def blocked(self, person: int, now: datetime) -> None:
        """`person` blocked the bot (Telegram told us with a my_chat_member update): record them
        unreachable and skip their pending deliveries now, rather than learn it from a 403 at
        the next copy. Someone the bot holds nothing about (no users row) leaves no trace."""
        stamp = to_db(now)

        def write(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO unreachable (person, since, reason) "
                "SELECT ?, ?, 'blocked the bot' WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)",
                (person, stamp, person),
            )
            conn.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = 'unreachable' "
                "WHERE person = ? AND status = 'pending'",
                (person,),
            )
            return cursor.rowcount > 0

        if await self.db.transact(write) and self._unreachable is not None:
            self._unreachable.add(person)

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
            if self._unreachable is not None:
                self._unreachable.update(o.person for o in outcomes if o.status == "skipped")

    async def running(self) -> int:
        """How many broadcasts are sending or paused (the health endpoint's figure)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM broadcasts WHERE status IN ('sending', 'paused')"
        )
        return int(row["n"]) if row else 0

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
