"""`python -m bot backup`, `restore` and `check`, run as processes beside a real `python -m bot`
against a Bot API server on loopback: a backup taken while people write is whole, a restore puts
exactly it back and the bot starts on it, and every refusal is one line with nothing changed."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from bot.storage.database import migrations
from bot.testing.fake_telegram import BOT_ID, FakeTelegram
from bot.testing.loopback import LoopbackServer
from tests.test_process import EXIT_WAIT, bot_env
from tests.test_process_faults import (
    bot_process,
    closed_cleanly,
    everyone_writes,
    people,
    settings,
)


async def cli(cwd: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run `python -m bot ARGS`; its exit status and everything it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=bot_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    raw, _ = await asyncio.wait_for(proc.communicate(), EXIT_WAIT)
    assert proc.returncode is not None
    return proc.returncode, raw.decode()


def updates_in(db: Path) -> set[int]:
    """The updates the database holds (the inbox keeps every update's id for two days)."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {int(r[0]) for r in conn.execute("SELECT update_id FROM inbox")}
    finally:
        conn.close()


def has_wal(db: Path) -> bool:
    return Path(f"{db}-wal").exists()


async def test_backup_while_people_write_then_restore_it(tmp_path: Path) -> None:
    db, copy = tmp_path / "bot.sqlite3", tmp_path / "backups" / "monday.sqlite3"
    telegram = FakeTelegram()
    first, later = people(telegram, 40), people(telegram, 40, first=20_000)
    async with LoopbackServer(telegram) as server:
        env = settings(server, db)
        async with bot_process(tmp_path, "first", **env) as bot:
            await everyone_writes(bot, telegram, first)
            stored_first = updates_in(db)
            code, out = await cli(tmp_path, "backup", str(copy), **env)
            assert code == 0, out
            assert f"Backup written to {copy}" in out
            await everyone_writes(bot, telegram, later)
            # While the bot runs, nothing can be put back under it.
            code, out = await cli(tmp_path, "restore", str(copy), **env)
            assert code == 1 and out.count("\n") == 1 and "stop it first" in out
            await bot.stop()
        everything = updates_in(db)
        assert len(everything) == len(first + later)

        backed_up = updates_in(copy)
        assert stored_first <= backed_up < everything
        assert not has_wal(copy)  # one file to carry away

        code, out = await cli(tmp_path, "restore", str(copy), **env)
        assert code == 0, out
        assert updates_in(db) == backed_up
        assert not has_wal(db)

        # The bot starts on what was restored and goes on answering.
        async with bot_process(tmp_path, "second", **env) as bot:
            await everyone_writes(bot, telegram, people(telegram, 5, first=30_000))
            await bot.stop()
    assert closed_cleanly(db)
    after = updates_in(db)
    assert backed_up < after and len(after - backed_up) == 5


async def test_backup_and_restore_refuse_in_one_line_and_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    async with LoopbackServer(telegram) as server:
        env = settings(server, db)
        code, out = await cli(tmp_path, "backup", str(tmp_path / "b.sqlite3"), **env)
        assert code == 1 and "There is no database" in out

        async with bot_process(tmp_path, "bot", **env) as bot:
            await everyone_writes(bot, telegram, people(telegram, 3))
            await bot.stop()
        before = db.read_bytes()

        taken = tmp_path / "taken.sqlite3"
        taken.write_text("keep me", encoding="utf-8")
        code, out = await cli(tmp_path, "backup", str(taken), **env)
        assert code == 1 and "exists already" in out
        assert taken.read_text(encoding="utf-8") == "keep me"

        code, out = await cli(tmp_path, "backup", str(db), **env)
        assert code == 1

        good = tmp_path / "good.sqlite3"
        assert (await cli(tmp_path, "backup", str(good), **env))[0] == 0
        cut = tmp_path / "cut.sqlite3"
        cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
        for bad, why in (
            (taken, "not a"),
            (cut, ""),
            (tmp_path / "missing.sqlite3", "There is no backup"),
        ):
            code, out = await cli(tmp_path, "restore", str(bad), **env)
            assert code == 1, out
            assert why in out and out.count("\n") == 1 and "Traceback" not in out
            assert db.read_bytes() == before

        code, out = await cli(tmp_path, "backup", **env)
        assert code == 2 and "Usage" in out


async def test_check_says_what_is_wrong_on_one_line_each(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    async with LoopbackServer(telegram) as server:
        env = settings(server, db)
        code, out = await cli(tmp_path, "check", **env)
        assert code == 0, out
        assert "not created yet" in out and "@" in out

        async with bot_process(tmp_path, "bot", **env) as bot:
            await everyone_writes(bot, telegram, people(telegram, 2))
            code, out = await cli(tmp_path, "check", **env)  # beside the running bot
            assert code == 0, out
            newest = migrations()[-1][0]
            assert f"schema {newest}, up to date" in out and "a bot is running on it" in out
            await bot.stop()

        wrong = f"{BOT_ID}:" + "WRONG-but-well-formed-" + "0" * 13
        code, out = await cli(tmp_path, "check", **{**env, "TELEGRAM_BOT_TOKEN": wrong})
        assert code == 1 and "rejected TELEGRAM_BOT_TOKEN" in out
        assert wrong.split(":", 1)[1] not in out

        damaged = tmp_path / "damaged.sqlite3"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
        code, out = await cli(tmp_path, "check", **{**env, "DATABASE_PATH": str(damaged)})
        assert code == 1 and "FAIL database" in out

    # The server has gone: Telegram cannot be reached.
    code, out = await cli(tmp_path, "check", **env)
    assert code == 1 and "cannot be reached" in out and "Traceback" not in out

    code, out = await cli(tmp_path, "check", **{**env, "TIMEZONE": "Mars/Olympus"})
    assert code == 2 and out.count("\n") == 1 and "TIMEZONE" in out
