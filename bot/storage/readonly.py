"""A read-only look at the database, beside a running bot.

The bot holds the one-process lock for as long as it runs (see `Database`), so a command that
opened the Database to read would be refused while the bot runs. Reading needs no lock: SQLite
in WAL mode lets a reader see the last committed state while the writer carries on, and a
connection opened read-only cannot write by mistake. It applies no migrations either, so it
refuses a database older than this code rather than misread it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.storage.database import Reads, migrations


class DatabaseUnreadable(RuntimeError):
    """No database at that path, or one this code cannot read yet. One line for a person."""


class ReadOnlyDatabase(Reads):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    async def open(self) -> None:
        if not self.path.is_file():
            raise DatabaseUnreadable(
                f"No database at {self.path}: check DATABASE_PATH (the bot creates the file "
                "when it first starts, `python -m bot events import` too)."
            )
        # mode=ro: SQLite refuses every write on this connection, whatever the SQL says.
        conn = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA busy_timeout=5000")
        self._reader = conn
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        needed = migrations()[-1][0]
        if version < needed:
            await self.close()
            raise DatabaseUnreadable(
                f"The database {self.path} is at schema {version}, this version needs {needed}: "
                "start the bot (or run `python -m bot events import`) once to update it."
            )

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
