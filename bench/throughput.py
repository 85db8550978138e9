"""Survey answers per second through the whole bot, beside a bare python-telegram-bot echo bot.

Both run in this process against `FakeRequest(FakeTelegram())`, with the same respondents, the
same number of updates and the same concurrency. A survey answer is: update in, answer
committed to SQLite (temp file, WAL, synchronous=FULL as the bot sets it), reply out.

    python -m bench.throughput            (or: make bench)
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import telegram
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.storage.database import Database
from bot.testing.fake_telegram import TEST_TOKEN, FakeRequest, FakeTelegram
from bot.testing.harness import FakeUser, running_bot, test_settings
from bot.update_processor import PerUserUpdateProcessor

RESPONDENTS = 200
ROUNDS = 25  # answers per respondent in the timed phase
QUESTIONS = 30  # > ROUNDS: nobody reaches the review screen
REPS = 3
CONCURRENCY = PerUserUpdateProcessor().max_concurrent_updates  # what the bot runs with
FIRST_USER = 500_000
TARGET = 0.7

Json = dict[str, Any]


@dataclass
class Commits:
    """BENCH-ONLY instrumentation: counts the transactions of Database._apply (no other change)."""

    transactions: int = 0
    writes: int = 0


def count_commits(db: Database) -> Commits:
    commits = Commits()
    apply = db._apply

    async def counting(batch: Any) -> Any:
        commits.transactions += 1
        commits.writes += len(batch)
        return await apply(batch)

    db._apply = counting  # type: ignore[method-assign]
    return commits


@dataclass
class Run:
    rate: float  # updates (answers) per second
    commits: Commits | None = None
    elapsed: float = 0.0


def survey_yaml(kind: str) -> str:
    lines = [f"id: bench_{kind}", "title: {id: Bench, en: Bench}", "questions:"]
    for i in range(1, QUESTIONS + 1):
        lines += [f"  - id: q{i}", f"    type: {kind}", f"    text: {{id: Soal {i}, en: Q {i}}}"]
        if kind == "integer":
            lines += ["    min: 0", "    max: 1000"]
    return "\n".join(lines) + "\n"


async def timed(app: Application, updates: list[Update]) -> float:
    """Hand every update over at once and wait until all are handled."""
    start = time.perf_counter()
    for update in updates:
        app.update_queue.put_nowait(update)
    await app.update_queue.join()
    return time.perf_counter() - start


async def deliver_all(app: Application, updates: list[Json]) -> None:
    await timed(app, [Update.de_json(u, app.bot) for u in updates])


def button(user: FakeUser, prefix: str) -> tuple[Json, str]:
    """The latest bot message with buttons, and the callback_data starting with `prefix`."""
    message = max(
        (m for m in user.messages if m.get("reply_markup")), key=lambda m: m["message_id"]
    )
    rows = message["reply_markup"]["inline_keyboard"]
    found = [
        b["callback_data"] for row in rows for b in row if b["callback_data"].startswith(prefix)
    ]
    if not found:
        raise SystemExit(f"bench: user {user.id} has no button {prefix!r}: {user.text!r}")
    return message, found[0]


def plan_typed(users: list[FakeUser]) -> list[Json]:
    return [
        u.message_update(str((r * 37 + i) % 1001))
        for r in range(ROUNDS)
        for i, u in enumerate(users)
    ]


def plan_taps(users: list[FakeUser]) -> list[Json]:
    # Each answer edits the same message and bumps the session's rev by one: q:<rev>:<y|n>:
    shown = [button(u, "q:") for u in users]
    revs = [int(data.split(":")[1]) for _, data in shown]
    return [
        u.callback_update(f"q:{revs[i] + r}:{'yn'[(r + i) % 2]}:", shown[i][0])
        for r in range(ROUNDS)
        for i, u in enumerate(users)
    ]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


async def run_echo() -> Run:
    tg = FakeTelegram()
    app = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .request(FakeRequest(tg))
        .get_updates_request(FakeRequest(tg))
        .concurrent_updates(CONCURRENCY)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    try:
        users = [FakeUser(app, tg, FIRST_USER + i) for i in range(RESPONDENTS)]
        updates = [Update.de_json(u, app.bot) for u in plan_typed(users)]
        elapsed = await timed(app, updates)
        if len(tg.calls_to("sendMessage")) != len(updates):
            raise SystemExit("bench: the echo bot did not answer every update")
    finally:
        await app.stop()
        await app.shutdown()
    return Run(len(updates) / elapsed, elapsed=elapsed)


async def run_survey(kind: str, surveys: Path, checks: list[str]) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp), surveys_dir=surveys)
        async with running_bot(settings) as bot:
            db: Database = bot.services.db
            commits = count_commits(db)
            users = [bot.user(FIRST_USER + i) for i in range(RESPONDENTS)]
            await deliver_all(bot.app, [u.message_update(f"/start bench_{kind}") for u in users])
            consent = [
                u.callback_update(button(u, "cs:y:")[1], button(u, "cs:y:")[0]) for u in users
            ]
            await deliver_all(bot.app, consent)
            plan = plan_typed if kind == "integer" else plan_taps
            updates = [Update.de_json(u, bot.app.bot) for u in plan(users)]
            async with db._writer.execute("PRAGMA synchronous") as cursor:  # type: ignore[union-attr]
                sync = (await cursor.fetchone())[0]  # type: ignore[index]
            before, commits.transactions, commits.writes = len(bot.telegram.calls), 0, 0
            elapsed = await timed(bot.app, updates)
            calls = [c.method for c in bot.telegram.calls[before:]]
        path = settings.database_path
        with sqlite3.connect(path) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    expected = RESPONDENTS * ROUNDS
    replies = {m: calls.count(m) for m in sorted(set(calls))}
    checks.append(
        f"{kind:>7}: {stored} answers stored, expected {expected}; journal_mode={mode} "
        f"synchronous={sync} (2=FULL); calls {replies}"
    )
    if stored != expected or sync != 2 or mode != "wal":
        print("\n".join(checks))
        raise SystemExit(f"bench: {kind} run stored {stored} answers, expected {expected}")
    return Run(len(updates) / elapsed, commits, elapsed)


def median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


async def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    results: dict[str, list[Run]] = {"echo": [], "integer": [], "yes_no": []}
    checks: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        surveys = Path(tmp)
        for kind in ("integer", "yes_no"):
            (surveys / f"bench_{kind}.yaml").write_text(survey_yaml(kind), encoding="utf-8")
        jobs: dict[str, Callable[[], Awaitable[Run]]] = {
            "echo": run_echo,
            "integer": lambda: run_survey("integer", surveys, checks),
            "yes_no": lambda: run_survey("yes_no", surveys, checks),
        }
        for _ in range(REPS):  # alternate, so drift in machine speed hits all alike
            for name, job in jobs.items():
                results[name].append(await job())
    echo_run, typed, taps = (median(results[k]) for k in ("echo", "integer", "yes_no"))

    def runs(name: str) -> str:
        return ", ".join(f"{r.rate:.0f}" for r in results[name])

    def line(label: str, run: Run, unit: str, name: str, ratio: bool = True) -> str:
        tail = f"  ratio {run.rate / echo_run.rate:.2f}" if ratio else ""
        return f"{label:<22}{run.rate:>8.0f} {unit}{tail}   (runs: {runs(name)})"

    n = RESPONDENTS * ROUNDS
    print(
        f"machine:   {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"python-telegram-bot {telegram.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"params:    {RESPONDENTS} respondents x {ROUNDS} rounds = {n} updates per run, "
        f"concurrency {CONCURRENCY}, {QUESTIONS}-question surveys, median of {REPS} alternating runs"
    )
    for check in checks:
        print(f"check:     {check}")
    print(line("echo baseline:", echo_run, "updates/s", "echo", ratio=False))
    print(line("survey (typed):", typed, "answers/s", "integer"))
    print(line("survey (buttons):", taps, "answers/s", "yes_no"))
    for label, run in (("typed", typed), ("buttons", taps)):
        c = run.commits or Commits()
        print(
            f"group commit ({label}): {c.transactions / run.elapsed:.0f} transactions/s for "
            f"{c.writes / run.elapsed:.0f} writes/s, {c.writes / max(c.transactions, 1):.1f} "
            f"writes per transaction [bench-only counter around Database._apply]"
        )
    ratio = typed.rate / echo_run.rate
    verdict = "meets" if ratio >= TARGET else "BELOW"
    print(f"target:    typed ratio {ratio:.2f} {verdict} the target of {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
