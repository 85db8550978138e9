"""The SQLite database: one process per file, numbered migrations, and durable writes with group
commit.

Every answer must be on disk before the bot replies, and hundreds of people answer at once at
an event. One fsync per answer caps throughput at the disk's sync rate, so writes go through a
single writer: whatever writes arrive while a commit is in progress are committed together in
the next transaction (group commit). Each caller still awaits its own commit, so "written
before replied" holds for every answer.

Writes in a batch run in the order they were queued, each inside its own SAVEPOINT: one that
fails is rolled back alone and its caller gets the error, the others commit. A write is either
statements prepared beforehand or a *transaction function* (`transact`) that reads and writes
on the writer's connection, for rules that span rows or people ("is this response still open at
this revision?", "is a seat left?"): it sees every write queued before it and nothing can
interleave with it.

A batch's statements run in one go on the event loop's thread (microseconds each: SQLite writes
to its page cache), and only its COMMIT, which waits for the disk, runs on the writer's own
thread. Through aiosqlite every statement would be a hop to its thread and back, each waiting
for a turn of a busy loop; on a thread of our own, each would have to win the GIL back from the
loop. Reads use an aiosqlite connection, which WAL lets run beside the writer and which only
ever sees committed data.

Two processes on one file would each cache sessions and each believe it is the only writer, so
`open` takes an OS lock on `<file>.lock` first (released by the kernel however the process
ends) and refuses to start when another process holds it. Migrations run under that lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

Statement = tuple[str, Sequence[Any]]
T = TypeVar("T")
MAX_BATCH = 500


class DatabaseInUse(RuntimeError):
    """Another process has the database open: running two would corrupt what each caches."""


class MigrationError(RuntimeError):
    """A migration file is misnamed or numbered twice: refusing beats silently skipping it."""


class Conflict(Exception):
    """A guarded write found the row changed since it was read (a stale copy): nothing written."""


@dataclass
class _Write:
    run: Callable[[sqlite3.Connection], Any]
    done: asyncio.Future[Any] = field(repr=False)


def _statements(statements: Sequence[Statement]) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        for sql, params in statements:
            conn.execute(sql, params)

    return run


class Reads:
    """Reading through an aiosqlite connection that sees only committed data: the bot's own
    reader (`Database`), or a read-only look beside a running bot (`ReadOnlyDatabase`)."""

    _reader: aiosqlite.Connection | None = None

    # Each read runs and is fetched to its end in one call on the reader's thread. Run and
    # fetched in two calls, another task's read could run in between while the first statement
    # was still open, and SQLite gives every statement of a connection the snapshot of the
    # first one still open: that read missed what had been committed meanwhile (the intake
    # missed a batch it had just stored; tests/test_durability.py shows it).

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = list(await self._require().execute_fetchall(sql, params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._require().execute_fetchall(sql, params))

    def _require(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader


def process_lock(path: Path) -> FileLock:
    """The OS lock a running bot holds on its database (`<file>.lock`, beside the real file:
    two spellings of one path, or a symlink, share one lock). Not waited for: `acquire` raises
    filelock.Timeout at once when another process holds it."""
    return FileLock(f"{path.resolve()}.lock", timeout=0)


class Database(Reads):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = process_lock(self.path)
        self._conn: sqlite3.Connection | None = None  # the writer (see _apply for its threads)
        self._thread: ThreadPoolExecutor | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[_Write | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise DatabaseInUse(
                f"Another berdaya-bot process is already using the database {self.path}: "
                "stop it first (one process per DATABASE_PATH)."
            ) from None
        try:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
            await self._on_writer(self._open_writer)
            self._reader = await aiosqlite.connect(self.path, isolation_level=None)
            self._reader.row_factory = sqlite3.Row
            for pragma in ("query_only=ON", "busy_timeout=5000"):
                await self._reader.execute(f"PRAGMA {pragma}")
        except BaseException:
            await self._close_connections()
            raise
        self._task = asyncio.create_task(self._write_loop(), name="db-writer")

    def _open_writer(self) -> None:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per batch.
        # check_same_thread=False: statements run on the loop's thread, COMMIT on the writer's
        # (never both at once: the write loop awaits each commit before the next batch).
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # synchronous=FULL: a committed answer survives a power cut, not only a crash.
        for pragma in ("foreign_keys=ON", "synchronous=FULL", "busy_timeout=5000"):
            conn.execute(f"PRAGMA {pragma}")
        self._conn = conn
        migrate(conn)

    async def _on_writer(self, fn: Callable[[], T]) -> T:
        assert self._thread is not None
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    async def close(self) -> None:
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._thread is not None:
            if self._conn is not None:
                await self._on_writer(self._conn.close)
                self._conn = None
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._lock.is_locked:
            self._lock.release()

    # -- writes --------------------------------------------------------------------------

    async def write(self, *statements: Statement) -> None:
        """Run the statements as one unit; returns once committed. (For a write that must read,
        check or return something, use `transact`.)"""
        await self._submit(_statements(statements))

    async def transact(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the writer's connection inside the next batch, as one unit: it sees every
        write queued before it, nothing interleaves with it, and if it raises, what it wrote is
        rolled back and the error is raised here. Returns `fn`'s result once committed.

        `fn` is plain synchronous code run while the batch is applied: it must be quick (the
        event loop waits for it), use only the connection it is given, and not await."""
        return await self._submit(fn)

    def soon(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        """Queue a transaction function nobody waits for (bookkeeping): it runs and commits with
        the next batch, after every write already queued. A failure is logged."""
        self._enqueue(fn).add_done_callback(_log_failure)

    async def _submit(self, run: Callable[[sqlite3.Connection], T]) -> T:
        # A caller cancelled while waiting cancels only its own future: the batch still commits
        # (its write included) and the writer skips settling a future that is already done.
        return await self._enqueue(run)

    def _enqueue(self, run: Callable[[sqlite3.Connection], Any]) -> asyncio.Future[Any]:
        if self._task is None:
            raise RuntimeError("database is not open")
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Write(run, done))
        return done

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
            # Any failure, not only sqlite3.Error: the writer must outlive it, or every later
            # caller would wait forever for a commit that never comes.
            try:
                outcomes = self._apply(batch)
                await self._on_writer(self._commit)
            except Exception as exc:  # BEGIN or COMMIT failed (disk full, I/O): none committed
                await self._on_writer(self._rollback)
                for item in batch:
                    _settle(item.done, error=exc)
                continue
            for item, (result, error) in zip(batch, outcomes, strict=True):
                _settle(item.done, result, error)

    def _apply(self, batch: list[_Write]) -> list[tuple[Any, Exception | None]]:
        """One transaction for the batch, a savepoint for each write; not committed yet.

        Runs on the event loop's thread, deliberately: it is CPU work of microseconds per write
        (SQLite writes to its page cache), and on another thread every statement would have to
        win the GIL back from the busy loop (in the bench that made a batch ten times slower).
        Only the COMMIT, which waits for the disk, goes to the writer's thread."""
        conn = self._conn
        assert conn is not None
        outcomes: list[tuple[Any, Exception | None]] = []
        conn.execute("BEGIN IMMEDIATE")
        for item in batch:
            conn.execute("SAVEPOINT one_write")
            try:
                result = item.run(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO one_write")
                conn.execute("RELEASE one_write")
                outcomes.append((None, exc))
            else:
                conn.execute("RELEASE one_write")
                outcomes.append((result, None))
        return outcomes

    def _commit(self) -> None:
        assert self._conn is not None
        self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        # A failed COMMIT may already have ended the transaction; the first error is the one
        # the callers get.
        if self._conn is not None and self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")


def _settle(done: asyncio.Future[Any], result: Any = None, error: Exception | None = None) -> None:
    if done.done():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("A background write failed", exc_info=future.exception())


_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(folder: Traversable | None = None) -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration file, in order. A .sql file that does not follow
    `NNNN_name.sql`, or a number used twice, stops the bot: it would otherwise never run."""
    found: dict[int, tuple[int, str, str]] = {}
    folder = folder or resources.files("bot.storage").joinpath("migrations")
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _MIGRATION.match(entry.name)
        if match is None:
            raise MigrationError(
                f"Migration file {entry.name!r} is not named NNNN_name.sql (e.g. 0002_events.sql)"
            )
        number = int(match.group(1))
        if number in found:
            raise MigrationError(
                f"Migrations {found[number][1]!r} and {entry.name!r} share {number}"
            )
        found[number] = (number, entry.name, entry.read_text(encoding="utf-8"))
    return sorted(found.values())


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations newer than the database's user_version; returns the new version."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for number, name, sql in migrations():
        if number <= current:
            continue
        log.info("Applying migration %s", name)
        # executescript commits on its own; the version bump sits inside the same script so
        # a crash mid-migration leaves the old version and the script is re-run whole.
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
        current = number
    return current
