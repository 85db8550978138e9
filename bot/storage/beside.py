"""Writing from the command line beside a running bot, for the few tables the bot re-reads.

The running bot holds the database's one-process lock (`Database`), because it caches what it
writes (sessions, seats) and must be the only one changing those rows. Imported surveys are
different: the bot never trusts its copy of them, it looks at the live versions every few
seconds (`SurveyCatalog.refresh`). So `python -m bot surveys import --publish` may write them
while the bot runs: on a plain connection of its own, each write one short transaction that
SQLite serialises with the bot's writer (WAL, and a busy timeout for the moment the bot commits).

Only code that writes such tables may use this; everything else waits for the lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.readonly import DatabaseUnreadable

T = TypeVar("T")


class Beside:
    """A connection for short writes beside the bot. Same shape as `Database` for what the
    survey catalog needs: fetchone, fetchall, transact."""

    def __init__(self, path: Path | str, needs: int) -> None:
        self.path = Path(path)
        self.needs = needs  # the schema version the caller's tables came with
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if not self.path.is_file():
            raise DatabaseUnreadable(f"No database at {self.path}: check DATABASE_PATH.")
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in ("foreign_keys=ON", "synchronous=FULL", "busy_timeout=10000"):
            conn.execute(f"PRAGMA {pragma}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version < self.needs:
            conn.close()
            raise DatabaseUnreadable(
                f"The database {self.path} is at schema {version}, this needs {self.needs}: the "
                "running bot is an older version. Stop it, then run this command again."
            )
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._require().execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self._require().execute(sql, params).fetchall())

    async def transact(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` in one transaction: committed whole, or rolled back and its error raised."""
        conn = self._require()
        # IMMEDIATE: take the write lock first (waiting out the bot's commit), so what `fn`
        # reads cannot change before it writes.
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn
