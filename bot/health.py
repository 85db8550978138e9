"""`python -m bot check`: is everything the bot needs all right? For people setting it up and for
monitoring (exit status 0 when all is well, 1 when something is wrong, 2 for bad settings).

It checks, each on one line: the settings and survey files load; the database opens and passes
SQLite's quick check, with its migrations applied or pending, and whether a bot holds it now;
Telegram accepts the token. It runs beside a running bot: the database is only read, and the
bot's lock is only tried, never held.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from filelock import Timeout
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings
from bot.core.survey.loader import SurveyFileError, load_surveys
from bot.logging_setup import redact
from bot.storage.database import migrations, process_lock

TELEGRAM_WAIT = 10.0  # seconds


@dataclass(frozen=True)
class Finding:
    ok: bool
    line: str


def check(settings: Settings) -> list[Finding]:
    """Every check, in order; each says what it found in one line."""
    return [_surveys(settings), _database(settings), asyncio.run(_telegram(settings))]


def report(findings: list[Finding], out: Callable[[str], None] = print) -> int:
    for finding in findings:
        out(f"{'OK  ' if finding.ok else 'FAIL'} {redact(finding.line)}")
    return 0 if all(f.ok for f in findings) else 1


def _surveys(settings: Settings) -> Finding:
    try:
        found = load_surveys(settings.surveys_dir)
    except SurveyFileError as exc:
        return Finding(False, f"surveys: {exc}")
    return Finding(True, f"settings and {len(found)} survey(s) in {settings.surveys_dir}")


def _database(settings: Settings) -> Finding:
    path = settings.database_path
    if not path.exists():
        return Finding(True, f"database {path}: not created yet (the first start creates it)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            quick = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Finding(False, f"database {path}: cannot be read ({exc})")
    if quick != "ok":
        return Finding(False, f"database {path}: damaged ({quick}); restore a backup")
    newest = migrations()[-1][0]
    if version > newest:
        return Finding(False, f"database {path}: from a newer bot (schema {version} > {newest})")
    schema = (
        f"schema {version}, up to date"
        if version == newest
        else f"schema {version}, {newest - version} migration(s) to apply at the next start"
    )
    size = path.stat().st_size / 1_048_576
    return Finding(True, f"database {path}: {schema}, {size:.1f} MB, {_running(settings)}")


def _running(settings: Settings) -> str:
    lock = process_lock(settings.database_path)
    try:
        lock.acquire()
    except Timeout:
        return "a bot is running on it"
    lock.release()
    return "no bot running on it"


async def _telegram(settings: Settings) -> Finding:
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
    )
    try:
        async with asyncio.timeout(TELEGRAM_WAIT):
            me = await bot.get_me()
    except InvalidToken:
        return Finding(False, "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather")
    except (NetworkError, TimeoutError) as exc:
        return Finding(False, f"Telegram cannot be reached at {settings.telegram_api_url} ({exc})")
    except TelegramError as exc:
        return Finding(False, f"Telegram answered with an error: {exc}")
    finally:
        await bot.shutdown()
    return Finding(True, f"Telegram: the token belongs to @{me.username}")
