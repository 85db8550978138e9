"""Scheduled work for a person, kept until it falls due and moves into the inbox."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.storage.database import Database
from bot.storage.timefmt import from_db, to_db

# Moved into the inbox per transaction at most: a backlog of due work (after a long stop) goes
# in by rounds, never as one huge transaction.
MOVE_AT_ONCE = 500


class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, person: int, name: str, data: dict[str, Any], due_at: datetime, now: datetime
    ) -> int:
        return await self.db.transact(lambda conn: insert(conn, person, name, data, due_at, now))

    async def next_due(self) -> datetime | None:
        row = await self.db.fetchone("SELECT MIN(due_at) AS due FROM jobs")
        return from_db(row["due"]) if row and row["due"] else None

    async def move_due(self, now: datetime) -> int:
        """Move the jobs due by `now` into the inbox, in one transaction: each is then either
        still here or in the inbox, never both and never neither. Returns how many moved."""
        stamp = to_db(now)

        def move(conn: sqlite3.Connection) -> int:
            due = conn.execute(
                "SELECT id, person, name, data FROM jobs WHERE due_at <= ? ORDER BY due_at, id "
                "LIMIT ?",
                (stamp, MOVE_AT_ONCE),
            ).fetchall()
            conn.executemany(
                "INSERT INTO inbox (person, body, received_at) VALUES (?, ?, ?)",
                [(r["person"], _job_body(r), stamp) for r in due],
            )
            conn.executemany("DELETE FROM jobs WHERE id = ?", [(r["id"],) for r in due])
            return len(due)

        return await self.db.transact(move)


def insert(
    conn: sqlite3.Connection,
    person: int,
    name: str,
    data: dict[str, Any],
    due_at: datetime,
    now: datetime,
) -> int:
    """Schedule a job inside a transaction of the caller's, so the job exists if and only if
    what it stands for was written (a reminder and the record that it was decided)."""
    cursor = conn.execute(_INSERT, _row(person, name, data, due_at, now))
    return int(cursor.lastrowid or 0)


def insert_many(
    conn: sqlite3.Connection,
    people: Sequence[int],
    name: str,
    data: dict[str, Any],
    due_at: datetime,
    now: datetime,
) -> int:
    """The same job for each of `people`, in the caller's transaction (an event cancelled and
    the notice to each registrant stored together or not at all); returns how many."""
    conn.executemany(_INSERT, [_row(person, name, data, due_at, now) for person in people])
    return len(people)


_INSERT = "INSERT INTO jobs (due_at, person, name, data, created_at) VALUES (?, ?, ?, ?, ?)"


def _row(
    person: int, name: str, data: dict[str, Any], due_at: datetime, now: datetime
) -> tuple[Any, ...]:
    return (to_db(due_at), person, name, json.dumps(data, ensure_ascii=False), to_db(now))


def _job_body(row: sqlite3.Row) -> str:
    return json.dumps(
        {
            "job": row["name"],
            "job_id": row["id"],
            "person": row["person"],
            "data": json.loads(row["data"]),
        },
        ensure_ascii=False,
    )
