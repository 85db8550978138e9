"""`python -m bot backup FILE` and `python -m bot restore FILE`: a copy of the database taken
while the bot runs, and putting one back.

Backup uses SQLite's online backup API in one step. In WAL mode a reader never blocks the
writer, so the copy is a consistent snapshot of the moment it began (every answer committed by
then, nothing half-written) while the bot goes on answering. Copying the file with `cp` instead
can catch the main file and its -wal at different moments: a backup that does not open.

The copy is written beside FILE under a temporary name, checked (`PRAGMA integrity_check`),
flushed to disk and only then renamed to FILE: a backup cut short by a full disk or a kill
never leaves a half file where a good one is expected.

Restore needs the bot stopped (it takes the database's lock, so a running bot refuses it and a
bot started meanwhile waits), checks the backup, and replaces the database. The old -wal and
-shm files are removed: SQLite would otherwise replay the old database's last writes onto the
restored one. Migrations newer than the backup run at the next start, as after an upgrade.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from filelock import Timeout

from bot.storage.database import migrations, process_lock


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, in one line."""


def backup(database: Path, target: Path) -> int:
    """Copy the live `database` to `target`; returns the copy's size in bytes."""
    if not database.exists():
        raise BackupError(f"There is no database at {database} (DATABASE_PATH).")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name.")
    if target.resolve() == database.resolve():
        raise BackupError("The backup cannot be the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # Opened read-only: the backup can never write to the bot's database.
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.execute("PRAGMA busy_timeout=10000")
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)  # all pages in one step: one consistent snapshot
                _check(copy, target)
                # A backup is a file to carry away: one file, no -wal beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        _flush(partial)
        partial.replace(target)
        _flush(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}.") from None
    except OSError as exc:
        raise BackupError(f"The backup could not be written to {target}: {exc.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def restore(source: Path, database: Path) -> int:
    """Replace `database` with the backup `source` (the bot must be stopped); returns the
    backup's schema version."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    lock = process_lock(database)
    try:
        lock.acquire()
    except Timeout:
        raise BackupError(
            f"The bot is running on {database}: stop it first, then restore."
        ) from None
    try:
        version = _version_of(source)
        database.parent.mkdir(parents=True, exist_ok=True)
        incoming = database.with_name(f".{database.name}.restoring")
        incoming.unlink(missing_ok=True)
        try:
            with sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True) as src:
                copy = sqlite3.connect(incoming)
                try:
                    src.backup(copy)
                finally:
                    copy.close()
            _flush(incoming)
            for leftover in ("-wal", "-shm"):  # the old database's, never the backup's
                Path(f"{database}{leftover}").unlink(missing_ok=True)
            incoming.replace(database)
            _flush(database.parent)
        finally:
            incoming.unlink(missing_ok=True)
        return version
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be restored: {exc}.") from None
    finally:
        lock.release()


def _version_of(source: Path) -> int:
    """The backup's schema version, after checking it is a whole berdaya-bot database."""
    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be opened: {exc}.") from None
    try:
        _check(conn, source)
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a database backup ({exc}).") from None
    finally:
        conn.close()
    if version == 0 or "users" not in tables:
        raise BackupError(f"{source} is not a berdaya-bot database backup.")
    newest = migrations()[-1][0]
    if version > newest:
        raise BackupError(
            f"{source} comes from a newer version of the bot (schema {version}, this one "
            f"knows {newest}): update the bot first."
        )
    return version


def _check(conn: sqlite3.Connection, name: Path) -> None:
    found = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if found != "ok":
        raise BackupError(f"{name} failed SQLite's integrity check: {found}.")


def _flush(path: Path) -> None:
    """fsync a file, or a folder (so a rename in it survives a power cut)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
