"""The SQLite database: WAL mode, numbered migrations, and durable writes with group commit.

Every answer must be on disk before the bot replies, and hundreds of people answer at once at
an event. One fsync per answer caps throughput at the disk's sync rate, so writes go through a
single writer task: whatever writes arrive while a commit is in progress are committed together
in the next transaction (group commit). Each caller still awaits its own commit, so "written
before replied" holds for every answer. Reads use a second connection, which WAL lets run beside
the writer and which only ever sees committed data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Statement = tuple[str, Sequence[Any]]
MAX_BATCH = 500


@dataclass
class _Write:
    statements: Sequence[Statement]
    done: asyncio.Future[list[int | None]] = field(repr=False)
    returning: bool = False


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[_Write | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await migrate(self._writer)
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")
        self._task = asyncio.create_task(self._write_loop(), name="db-writer")

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per batch.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # synchronous=FULL: a committed answer survives a power cut, not only a crash.
        for pragma in ("foreign_keys=ON", "synchronous=FULL", "busy_timeout=5000"):
            await conn.execute(f"PRAGMA {pragma}")
        return conn

    async def close(self) -> None:
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    # -- writes --------------------------------------------------------------------------

    async def write(self, *statements: Statement, returning: bool = False) -> list[int | None]:
        """Run the statements in one transaction; returns once committed.

        With `returning=True` the result holds each statement's lastrowid (else None each).
        """
        if self._task is None:
            raise RuntimeError("database is not open")
        done: asyncio.Future[list[int | None]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Write(statements, done, returning))
        # A caller cancelled while waiting cancels only its own future: the batch still commits
        # (its write included) and the writer skips settling a future that is already done.
        return await done

    async def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._commit(batch)

    async def _commit(self, batch: list[_Write]) -> None:
        try:
            results = await self._apply(batch)
        # Any failure, not only sqlite3.Error: the writer must outlive it, or every later
        # caller would wait forever for a commit that never comes.
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            # One bad write must not fail the others: retry each in its own transaction.
            for item in batch:
                await self._commit([item])
            return
        for item, result in zip(batch, results, strict=True):
            _settle(item, result=result)

    async def _apply(self, batch: list[_Write]) -> list[list[int | None]]:
        """One transaction for the whole batch, in as few trips to SQLite's thread as we can.

        Each trip to aiosqlite's thread waits for a turn of a busy event loop, so the batch is
        run in rounds: round k runs the k-th statement of every write, with identical SQL sent
        as one `executemany`. Each write's own statements keep their order; writes in one batch
        are independent (each person's updates are handled one at a time, each awaiting its
        commit). Writes that need row ids run statement by statement.
        """
        conn = self._require(self._writer)
        results: list[list[int | None]] = [[None] * len(item.statements) for item in batch]
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for index, item in enumerate(batch):
                if item.returning:
                    for k, (sql, params) in enumerate(item.statements):
                        cursor = await conn.execute(sql, params)
                        results[index][k] = cursor.lastrowid
            grouped = [item for item in batch if not item.returning]
            for k in range(max((len(item.statements) for item in grouped), default=0)):
                by_sql: dict[str, list[Sequence[Any]]] = {}
                for item in grouped:
                    if k < len(item.statements):
                        sql, params = item.statements[k]
                        by_sql.setdefault(sql, []).append(params)
                for sql, rows in by_sql.items():
                    if len(rows) == 1:
                        await conn.execute(sql, rows[0])
                    else:
                        await conn.executemany(sql, rows)
            await conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT may already have ended the transaction; keep the first error.
            with contextlib.suppress(sqlite3.Error):
                await conn.execute("ROLLBACK")
            raise
        return results

    # -- reads ---------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._require(self._reader).execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._require(self._reader).execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @staticmethod
    def _require(conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("database is not open")
        return conn


def _settle(item: _Write, result: list[int | None] | None = None, error: Exception | None = None):
    if item.done.done():
        return
    if error is not None:
        item.done.set_exception(error)
    else:
        item.done.set_result(result or [])


_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration file, in order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations newer than the database's user_version; returns the new version."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for number, name, sql in migrations():
        if number <= current:
            continue
        log.info("Applying migration %s", name)
        # executescript commits on its own; the version bump sits inside the same script so
        # a crash mid-migration leaves the old version and the script is re-run whole.
        await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
        current = number
    return current
