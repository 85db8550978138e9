"""Events: imported a whole file at a time or made by staff in the chat (created, changed,
cancelled), read in time order.

A change that concerns people is one transaction with the jobs that tell them: an event is never
cancelled without its notices, nor a notice sent for an event that was not cancelled.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.events.model import Event
from bot.storage import jobs
from bot.storage.database import Database
from bot.storage.registrations import give_seats
from bot.storage.timefmt import from_db, to_db

# What an import sets. Status is not among them: an event cancelled in the chat stays cancelled
# when an old file is imported again (its registrants were told it is off).
_CONTENT = (
    "kind",
    "title_id",
    "title_en",
    "description_id",
    "description_en",
    "region",
    "venue",
    "zone",
    "starts_at",
    "ends_at",
    "registration_closes",
    "capacity",
    "topics",
)
_SELECT = f"SELECT id, slug, status, {', '.join(_CONTENT)} FROM events"
_INSERT = (
    f"INSERT INTO events (slug, {', '.join(_CONTENT)}, created_at, updated_at) "
    f"VALUES (?, {', '.join('?' for _ in _CONTENT)}, ?, ?)"
)
_UPDATE = (
    f"UPDATE events SET {', '.join(f'{c} = ?' for c in _CONTENT)}, updated_at = ? WHERE id = ?"
)


class NotPublished(Exception):
    """The event was cancelled (or deleted) before the change reached the writer."""


class CapacityBelowConfirmed(Exception):
    """Fewer seats than people already holding one: nobody loses a seat they were given."""

    def __init__(self, confirmed: int) -> None:
        super().__init__(f"{confirmed} seats are confirmed already")
        self.confirmed = confirmed


@dataclass(frozen=True)
class Saved:
    promoted: tuple[int, ...]  # moved from the waiting list into new seats
    told: int  # registrants a change notice was scheduled for


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


class Reader(Protocol):
    """Reads, from the bot's Database or from a read-only look at it (`ReadOnlyDatabase`)."""

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...


class EventCatalog:
    """What is stored, for anyone who only reads."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def all(self) -> list[Event]:
        """Every event, past and cancelled too, in time order."""
        rows = await self.reader.fetchall(f"{_SELECT} ORDER BY starts_at, slug")
        return [_event(row) for row in rows]

    async def upcoming(self, now: datetime) -> list[Event]:
        """Published events that have not started by `now`, soonest first."""
        rows = await self.reader.fetchall(
            f"{_SELECT} WHERE status = 'published' AND starts_at > ? ORDER BY starts_at, slug",
            (to_db(now),),
        )
        return [_event(row) for row in rows]

    async def by_id(self, event_id: int) -> Event | None:
        row = await self.reader.fetchone(f"{_SELECT} WHERE id = ?", (event_id,))
        return None if row is None else _event(row)

    async def by_ids(self, ids: Collection[int]) -> dict[int, Event]:
        """The stored events with these ids, by id, in one read (a person's registrations)."""
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self.reader.fetchall(f"{_SELECT} WHERE id IN ({marks})", tuple(ids))
        return {row["id"]: _event(row) for row in rows}

    async def by_slug(self, slug: str) -> Event | None:
        row = await self.reader.fetchone(f"{_SELECT} WHERE slug = ?", (slug,))
        return None if row is None else _event(row)

    async def fingerprint(self) -> tuple[Any, ...]:
        """Differs after any event is added, removed, changed (every write stamps updated_at)
        or cancelled: a reader may keep the events it parsed until it does. One aggregate over
        the table is far cheaper than parsing a thousand events again."""
        row = await self.reader.fetchone(
            "SELECT COUNT(*), MAX(updated_at), MAX(id), SUM(status = 'cancelled') FROM events"
        )
        return tuple(row) if row is not None else ()


class EventRepository(EventCatalog):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.db = db

    async def import_events(self, events: Sequence[Event], now: datetime) -> ImportSummary:
        """Store a whole file's events in one transaction: all of them or, on any error, none.
        An event whose slug is stored already is updated in place (its id, and so whatever
        points at it, stays); one that would not change is left alone, its updated_at too."""
        stamp = to_db(now)
        wanted = [(event.slug, _content(event)) for event in events]

        def upsert(conn: sqlite3.Connection) -> ImportSummary:
            added = updated = unchanged = 0
            for slug, content in wanted:
                row = conn.execute(
                    f"SELECT id, {', '.join(_CONTENT)} FROM events WHERE slug = ?", (slug,)
                ).fetchone()
                if row is None:
                    conn.execute(_INSERT, (slug, *content, stamp, stamp))
                    added += 1
                elif tuple(row)[1:] == content:
                    unchanged += 1
                else:
                    conn.execute(_UPDATE, (*content, stamp, row["id"]))
                    updated += 1
            return ImportSummary(added, updated, unchanged)

        return await self.db.transact(upsert)

    async def create(self, event: Event, now: datetime) -> Event:
        """Store a new event. Its slug is made unique here, where nothing can take it between
        the look and the insert: "dialog-kupang-2026-12-15", then "-2", "-3", ..."""
        stamp = to_db(now)
        content = _content(event)

        def run(conn: sqlite3.Connection) -> Event:
            slug, n = event.slug, 1
            while conn.execute("SELECT 1 FROM events WHERE slug = ?", (slug,)).fetchone():
                n += 1
                slug = f"{event.slug}-{n}"
            cursor = conn.execute(_INSERT, (slug, *content, stamp, stamp))
            return event.model_copy(update={"id": cursor.lastrowid, "slug": slug})

        return await self.db.transact(run)

    async def update(
        self,
        event: Event,
        now: datetime,
        *,
        promoted_job: str,
        notice_job: str | None = None,
    ) -> Saved:
        """Store the event's new content. More seats go at once to the first people waiting
        (each told by a `promoted_job`); fewer seats than are confirmed is refused. With
        `notice_job`, every registrant is told of the change. All in one transaction."""
        assert event.id is not None
        event_id = event.id
        stamp = to_db(now)
        content = _content(event)

        def run(conn: sqlite3.Connection) -> Saved:
            row = conn.execute("SELECT status FROM events WHERE id = ?", (event.id,)).fetchone()
            if row is None or row["status"] != "published":
                raise NotPublished(event.id)
            confirmed = conn.execute(
                "SELECT COUNT(*) FROM registrations WHERE event_id = ? AND status = 'confirmed'",
                (event.id,),
            ).fetchone()[0]
            if event.capacity is not None and event.capacity < confirmed:
                raise CapacityBelowConfirmed(confirmed)
            conn.execute(_UPDATE, (*content, stamp, event.id))
            free = -1 if event.capacity is None else event.capacity - confirmed  # -1: no limit
            promoted = [
                r["id"]
                for r in conn.execute(
                    "SELECT user_id AS id FROM registrations WHERE event_id = ? "
                    "AND status = 'waiting' ORDER BY created_at, id LIMIT ?",
                    (event.id, free),
                )
            ]
            give_seats(conn, event_id, promoted, stamp)
            data = {"event_id": event.id}
            # The promoted and the notices are told by jobs stored with the change: all of it
            # happens, or none. The scheduler finds them at its next look.
            jobs.insert_many(conn, promoted, promoted_job, data, now, now)
            told = 0
            if notice_job is not None:
                people = [r["user_id"] for r in conn.execute(_ACTIVE, (event.id,))]
                told = jobs.insert_many(conn, people, notice_job, data, now, now)
            return Saved(tuple(promoted), told)

        return await self.db.transact(run)

    async def set_cancelled(self, event_id: int, now: datetime, notice_job: str) -> int | None:
        """Cancel a published event and schedule one `notice_job` for each person holding a
        seat or waiting; returns how many, or None if it was not published (cancelled already:
        a second tap tells nobody twice). The registrations stay, for /dataku."""
        stamp = to_db(now)

        def run(conn: sqlite3.Connection) -> int | None:
            done = conn.execute(
                "UPDATE events SET status = 'cancelled', updated_at = ? "
                "WHERE id = ? AND status = 'published'",
                (stamp, event_id),
            )
            if done.rowcount == 0:
                return None
            people = [r["user_id"] for r in conn.execute(_ACTIVE, (event_id,))]
            return jobs.insert_many(conn, people, notice_job, {"event_id": event_id}, now, now)

        return await self.db.transact(run)


def _content(event: Event) -> tuple[Any, ...]:
    """The event as the _CONTENT columns hold it, so a stored row compares equal to it."""
    return (
        event.kind,
        event.title["id"],
        event.title.get("en") or event.title["id"],
        event.description["id"],
        event.description.get("en") or event.description["id"],
        event.region,
        event.venue,
        event.zone,
        to_db(event.starts_at),
        to_db(event.ends_at),
        None if event.registration_closes is None else to_db(event.registration_closes),
        event.capacity,
        json.dumps(list(event.topics), ensure_ascii=False),
    )


def _event(row: sqlite3.Row) -> Event:
    closes = row["registration_closes"]
    return Event(
        id=row["id"],
        slug=row["slug"],
        kind=row["kind"],
        status=row["status"],
        title={"id": row["title_id"], "en": row["title_en"]},
        description={"id": row["description_id"], "en": row["description_en"]},
        region=row["region"],
        venue=row["venue"],
        zone=row["zone"],
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        registration_closes=None if closes is None else from_db(closes),
        capacity=row["capacity"],
        topics=tuple(json.loads(row["topics"])),
    )


# Active registrants, in the order they registered (the waiting list's order).
_ACTIVE = (
    "SELECT user_id FROM registrations WHERE event_id = ? AND status IN ('confirmed', 'waiting') "
    "ORDER BY created_at, id"
)
