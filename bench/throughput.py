"""Survey answers per second through the whole bot, beside a bare python-telegram-bot echo bot.

All run in this process against `FakeRequest(FakeTelegram())`, with the same respondents, the
same number of updates and the same concurrency, each update starting as the JSON Telegram
sends. A survey answer is: update stored in the inbox (durable intake: temp SQLite file, WAL,
synchronous=FULL as the bot sets it), answer committed, reply out, update marked handled. The
same bot with its inbox kept in memory (what polling without durable intake amounts to) shows
what durable intake costs.

    python -m bench.throughput            (or: make bench)
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.memory_inbox import MemoryInbox
from bot.app import build
from bot.core.survey.actions import Action
from bot.intake.queue import Intake
from bot.storage import database
from bot.storage.database import Database
from bot.testing.fake_telegram import TEST_TOKEN, FakeRequest, FakeTelegram
from bot.testing.harness import Bot, FakeUser, test_settings
from handlers.buttons import ButtonData, Consent, SurveyTap

RESPONDENTS = 200
ROUNDS = 25  # answers per respondent in the timed phase
QUESTIONS = 30  # more than ROUNDS: nobody reaches the review screen
REPS = 5
CONCURRENCY = Intake(None, None).concurrency  # type: ignore[arg-type]  # what the bot runs with
FIRST_USER = 500_000
PAGE = 100  # updates per getUpdates page: the intake stores them a page at a time
TARGET = 0.7
INTAKE_BUDGET = 0.15  # durable intake may cost at most this share of the answer throughput

Json = dict[str, Any]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


@dataclass
class Commits:
    """BENCH-ONLY instrumentation: counts Database._apply calls (one per transaction)."""

    transactions: int = 0
    writes: int = 0
    busy: float = 0.0  # seconds inside _apply


def count_commits(db: Database) -> Commits:
    commits, apply = Commits(), db._apply

    def counting(batch: Any) -> Any:  # runs on the writer's thread
        start = time.perf_counter()
        try:
            return apply(batch)
        finally:
            commits.transactions += 1
            commits.writes += len(batch)
            commits.busy += time.perf_counter() - start

    db._apply = counting  # type: ignore[method-assign]
    return commits


@dataclass
class Run:
    rate: float  # updates (answers) per second
    elapsed: float
    commits: Commits = field(default_factory=Commits)


def survey_yaml(kind: str) -> str:
    lines = [f"id: bench_{kind}", "title: {id: Bench, en: Bench}", "questions:"]
    for i in range(1, QUESTIONS + 1):
        lines += [f"  - id: q{i}", f"    type: {kind}", f"    text: {{id: Soal {i}, en: Q {i}}}"]
        lines += ["    min: 0", "    max: 1000"] if kind == "integer" else []
    return "\n".join(lines) + "\n"


async def timed(app: Application, updates: list[Json]) -> float:
    """Hand every update to the echo bot at once and wait until all are handled. Each is parsed
    from JSON inside the timed part, as polling parses what getUpdates returns."""
    return await _frozen(updates, lambda: _echo_all(app, updates))


async def _echo_all(app: Application, updates: list[Json]) -> None:
    for update in updates:
        app.update_queue.put_nowait(Update.de_json(update, app.bot))
    await app.update_queue.join()


async def through_intake(bot: Bot, updates: list[Json]) -> float:
    """Hand every update to the bot's intake a getUpdates page at a time, as polling does, and
    wait until all are handled."""

    async def all_pages() -> None:
        intake = bot.services.intake
        for start in range(0, len(updates), PAGE):
            await intake.accept(updates[start : start + PAGE])
        await intake.idle()

    return await _frozen(updates, all_pages)


async def _frozen(updates: list[Json], work: Callable[[], Awaitable[None]]) -> float:
    # A live bot holds a getUpdates page (<= 100 updates), not thousands in advance: keep the
    # bench's own backlog out of the collector's sight, for every bot alike.
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        await work()
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


B = TypeVar("B", bound=ButtonData)


def button(
    user: FakeUser, kind: type[B], wanted: Callable[[B], bool] = lambda value: True
) -> tuple[Json, B]:
    """The latest bot message with buttons, and its first button of `kind` that is `wanted`."""
    shown = [m for m in user.messages if m.get("reply_markup")]
    message = max(shown, key=lambda m: m["message_id"])
    rows = message["reply_markup"]["inline_keyboard"]
    found = [kind.unpack(b["callback_data"]) for row in rows for b in row]
    fitting = [value for value in found if value is not None and wanted(value)]
    if not fitting:
        raise SystemExit(f"bench: user {user.id} has no {kind.__name__} button: {user.text!r}")
    return message, fitting[0]


def plan_typed(users: list[FakeUser]) -> list[Json]:
    """Round by round, one typed number per respondent: interleaved like a crowd."""
    return [
        u.message_update(str((r * 37 + i) % 1001))
        for r in range(ROUNDS)
        for i, u in enumerate(users)
    ]


def plan_taps(users: list[FakeUser]) -> list[Json]:
    # Each answer edits the question message and bumps the session's revision by one.
    shown = [button(u, SurveyTap) for u in users]
    yes_no = (Action.YES, Action.NO)
    return [
        u.callback_update(SurveyTap(tap.rev + r, yes_no[(r + i) % 2]).pack(), message)
        for r in range(ROUNDS)
        for i, (u, (message, tap)) in enumerate(zip(users, shown, strict=True))
    ]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


async def echo_shaped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An echo whose reply looks like a survey question: HTML and one inline button."""
    if update.message and update.message.text:
        n = update.update_id % QUESTIONS
        text = f"<i>Pertanyaan {n} dari {QUESTIONS}</i>\n<b>Soal {n}</b>\n\nKetik angka 0-1000."
        back = InlineKeyboardMarkup([[InlineKeyboardButton("◀️ Kembali", callback_data="q:1:b:")]])
        await update.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=back)


async def run_echo(handler: Handler) -> Run:
    tg = FakeTelegram()
    builder = ApplicationBuilder().token(TEST_TOKEN).request(FakeRequest(tg))
    app = builder.get_updates_request(FakeRequest(tg)).concurrent_updates(CONCURRENCY).build()
    app.add_handler(MessageHandler(filters.TEXT, handler))
    await app.initialize()
    await app.start()
    try:
        updates = plan_typed([FakeUser(app, tg, FIRST_USER + i) for i in range(RESPONDENTS)])
        elapsed = await timed(app, updates)
    finally:
        await app.stop()
        await app.shutdown()
    if len(tg.calls_to("sendMessage")) != len(updates):
        raise SystemExit("bench: the echo bot did not answer every update")
    return Run(len(updates) / elapsed, elapsed)


@asynccontextmanager
async def bench_bot(settings: Any, durable: bool) -> AsyncIterator[Bot]:
    """The real bot; with `durable=False` its inbox is kept in memory instead of SQLite."""
    telegram = FakeTelegram()
    runtime = build(settings, request=FakeRequest(telegram), rate_limit=False)
    if not durable:  # BENCH-ONLY: the comparison point for the cost of durable intake
        runtime.services.intake = Intake(MemoryInbox(), runtime.services.clock)  # type: ignore[arg-type]
        runtime.services.scheduler.intake = runtime.services.intake
    try:
        await runtime.start()
        yield Bot(runtime.app, telegram, runtime.services.clock)
    finally:
        await runtime.stop()


async def run_survey(kind: str, surveys: Path, checks: dict[str, str], durable: bool = True) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp), surveys_dir=surveys)
        async with bench_bot(settings, durable) as bot:
            db: Database = bot.services.db
            users = [bot.user(FIRST_USER + i) for i in range(RESPONDENTS)]
            await through_intake(bot, [u.message_update(f"/start bench_{kind}") for u in users])
            agree = [(u, *button(u, Consent, lambda c: c.agree)) for u in users]
            await through_intake(bot, [u.callback_update(c.pack(), m) for u, m, c in agree])
            updates = (plan_typed if kind == "integer" else plan_taps)(users)
            # read on the writer's own connection: the setting the answers are committed under
            synchronous = await db.transact(
                lambda conn: conn.execute("PRAGMA synchronous").fetchone()[0]
            )
            before, commits = len(bot.telegram.calls), count_commits(db)
            elapsed = await through_intake(bot, updates)
            calls = [c.method for c in bot.telegram.calls[before:]]
            refused = len(getattr(bot.telegram, "refusals", []))
        with sqlite3.connect(settings.database_path) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            handled = conn.execute(
                "SELECT COUNT(*) FROM inbox WHERE handled_at IS NOT NULL"
            ).fetchone()[0]
    expected = RESPONDENTS * ROUNDS
    # Through the durable intake every update (2 set-up rounds + the timed ones) is in the inbox.
    inbox = expected + 2 * RESPONDENTS if durable else 0
    replies = {m: calls.count(m) for m in sorted(set(calls))}
    label = kind if durable else f"{kind}, inbox in memory"
    checks[label] = (
        f"{label}: database holds {stored} answers, expected {expected} ({RESPONDENTS} x "
        f"{ROUNDS}); {handled} updates marked handled in the inbox, expected {inbox}; "
        f"journal_mode={mode}, synchronous={synchronous} (2 = FULL); bot calls {replies}; "
        f"refused by the fake: {refused}"
    )
    if (stored, handled, mode, synchronous, refused) != (expected, inbox, "wal", 2, 0):
        print("\n".join(f"check:   {c}" for c in checks.values()))
        raise SystemExit(f"bench: FAILED check for the {label} survey (see the last line)")
    return Run(len(updates) / elapsed, elapsed, commits)


async def one_commit_per_answer(surveys: Path, checks: dict[str, str]) -> Run:
    """BENCH-ONLY: the same bot with group commit switched off (a transaction per answer)."""
    batch = database.MAX_BATCH
    database.MAX_BATCH = 1
    try:
        return await run_survey("integer", surveys, {})
    finally:
        database.MAX_BATCH = batch


async def main() -> int:
    logging.basicConfig(level=logging.WARNING, force=True)
    checks: dict[str, str] = {}  # the last run of each kind; a failed check stops the bench
    with tempfile.TemporaryDirectory() as tmp:
        surveys = Path(tmp)
        for kind in ("integer", "yes_no"):
            (surveys / f"bench_{kind}.yaml").write_text(survey_yaml(kind), encoding="utf-8")
        jobs: dict[str, Callable[[], Awaitable[Run]]] = {
            "echo": lambda: run_echo(echo),
            "typed": lambda: run_survey("integer", surveys, checks),
            "in_memory": lambda: run_survey("integer", surveys, checks, durable=False),
            "shaped": lambda: run_echo(echo_shaped),
            "buttons": lambda: run_survey("yes_no", surveys, checks),
            "unbatched": lambda: one_commit_per_answer(surveys, checks),
        }
        results: dict[str, list[Run]] = {name: [] for name in jobs}
        for _ in range(REPS):  # alternate, so drift in machine speed hits all alike
            for name, job in jobs.items():
                results[name].append(await job())
    best = {k: sorted(v, key=lambda r: r.rate)[len(v) // 2] for k, v in results.items()}

    def line(label: str, name: str, unit: str = "answers/s", vs: str = "echo") -> str:
        runs = ", ".join(f"{r.rate:.0f}" for r in results[name])
        ratio = f"ratio {best[name].rate / best[vs].rate:.2f}" if name != vs else " " * 10
        return f"{label:<34}{best[name].rate:>6.0f} {unit}  {ratio}   (runs {runs})"

    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"python-telegram-bot {telegram.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"params:  {RESPONDENTS} respondents x {ROUNDS} rounds = {RESPONDENTS * ROUNDS} updates "
        f"per run, concurrency {CONCURRENCY}, {QUESTIONS}-question surveys, median of {REPS}"
    )
    for check in checks.values():
        print(f"check:   {check}")
    print(line("echo baseline:", "echo", "updates/s"))
    print(line("survey (typed):", "typed"))
    print(line("survey (buttons):", "buttons"))
    print(line("  comparison: inbox in memory", "in_memory"))
    print(line("  comparison: one commit per answer", "unbatched"))
    print(line("  diagnostic: echo, survey-shaped", "shaped", "updates/s"))
    print(line("  survey (typed) vs shaped echo", "typed", vs="shaped"))
    for name in ("typed", "buttons"):
        run, c = best[name], best[name].commits
        print(
            f"group commit ({name}): {c.transactions / run.elapsed:.0f} transactions/s for "
            f"{run.rate:.0f} answers/s ({c.writes / max(c.transactions, 1):.0f} writes per "
            f"transaction; {100 * c.busy / run.elapsed:.0f}% of the run inside a transaction) "
            "[bench-only counter around Database._apply]"
        )
    # Each survey run is paired with the echo run just before it: the median of those ratios
    # is steadier than a ratio of medians when the machine's speed drifts.
    paired = sorted(t.rate / e.rate for t, e in zip(results["typed"], results["echo"], strict=True))
    ratio = paired[len(paired) // 2]
    pairs = ", ".join(f"{r:.2f}" for r in paired)
    verdict = "meets" if ratio >= TARGET else "is BELOW"
    print(f"result:  typed/echo paired ratio {ratio:.2f} (median of {pairs}) {verdict} {TARGET}")
    costs = sorted(
        1 - d.rate / m.rate for d, m in zip(results["typed"], results["in_memory"], strict=True)
    )
    cost = costs[len(costs) // 2]
    within = "within" if cost <= INTAKE_BUDGET else "OVER"
    print(
        f"result:  durable intake costs {100 * cost:.0f}% of the answer throughput (median of "
        f"{', '.join(f'{100 * c:.0f}%' for c in costs)}, each durable run paired with the "
        f"in-memory run after it), {within} the {100 * INTAKE_BUDGET:.0f}% budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
