"""The survey answer benchmark (bench/throughput.py's typed answers, through the whole bot) on a
database that already holds 1,000,000 answers, beside the same run on an empty database.

The cost of an answer must not grow with the data: every query on the answer path goes through
an index (a person's open response, the answer's primary key), so 50,000 people's submitted
responses already stored should change nothing. The stored data is what real use leaves: each
person with their consent, one submitted response of 20 answers to the same survey (the same
tables and indexes the timed answers write to). Runs alternate (empty, full) so drift in the
machine's speed hits both alike; the result is the median of the paired ratios of CPU time
per answer (the process's, every thread), which a busy machine disturbs far less than the
wall clock; answers per second are printed too.

    python -m bench.answers_at_scale [--answers N] [--reps N]      (or: make bench-scale)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.throughput import (
    FIRST_USER,
    RESPONDENTS,
    ROUNDS,
    bench_bot,
    button,
    plan_typed,
    survey_yaml,
    through_intake,
)
from bot.services.people import SURVEY_PURPOSE
from bot.storage.database import migrate
from bot.testing.harness import test_settings
from handlers.buttons import Consent

PER_RESPONSE = 20
SEEDED_FROM = 10_000_000  # ids apart from the bench's respondents
TARGET = 0.10  # an answer on the full database may cost at most this much more


def seed(path: Path, answers: int) -> int:
    """`answers` stored answers (PER_RESPONSE a person), as the bot stores them; returns the
    number of people."""
    people = answers // PER_RESPONSE
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # seeding only; the bot sets its own when it opens
    migrate(conn)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    conn.execute("BEGIN")
    for i in range(people):
        user = SEEDED_FROM + i
        began = start + timedelta(seconds=13 * i)
        stamp = began.isoformat(timespec="microseconds")
        done = (began + timedelta(minutes=6)).isoformat(timespec="microseconds")
        conn.execute("INSERT INTO users VALUES (?, 'id', ?, ?)", (user, stamp, stamp))
        conn.execute(
            "INSERT INTO consents (user_id, purpose, version, granted_at) VALUES (?, ?, '1', ?)",
            (user, SURVEY_PURPOSE, stamp),
        )
        rid = conn.execute(
            "INSERT INTO responses (user_id, survey_id, survey_version, source, status, cursor, "
            "rev, started_at, updated_at, submitted_at) "
            "VALUES (?, 'bench_integer', 1, NULL, 'submitted', '__review__', ?, ?, ?, ?)",
            (user, PER_RESPONSE, stamp, done, done),
        ).lastrowid
        conn.executemany(
            "INSERT INTO answers VALUES (?, ?, ?, NULL, ?)",
            [(rid, f"q{n}", json.dumps((i * 7 + n) % 1001), done) for n in range(1, 21)],
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return people


@dataclass
class Run:
    rate: float  # answers per second (wall clock)
    cpu_us: float  # CPU time of the whole process (every thread) per answer, microseconds
    stored: int


async def run(surveys: Path, template: Path | None) -> Run:
    """RESPONDENTS people typing ROUNDS answers each, through the whole bot (durable intake,
    writer, fake Telegram), on a copy of `template` (None: empty)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp), surveys_dir=surveys)
        if template is not None:
            shutil.copyfile(template, settings.database_path)
        async with bench_bot(settings, durable=True) as bot:
            users = [bot.user(FIRST_USER + i) for i in range(RESPONDENTS)]
            await through_intake(bot, [u.message_update("/start bench_integer") for u in users])
            agree = [(u, *button(u, Consent, lambda c: c.agree)) for u in users]
            await through_intake(bot, [u.callback_update(c.pack(), m) for u, m, c in agree])
            updates = plan_typed(users)
            cpu = time.process_time()
            elapsed = await through_intake(bot, updates)
            cpu = time.process_time() - cpu
        with sqlite3.connect(settings.database_path) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    return Run(len(updates) / elapsed, 1e6 * cpu / len(updates), int(stored))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, force=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        surveys = folder / "surveys"
        surveys.mkdir()
        (surveys / "bench_integer.yaml").write_text(survey_yaml("integer"), encoding="utf-8")
        template = folder / "full.sqlite3"
        begin = time.perf_counter()
        people = seed(template, args.answers)
        seeded = time.perf_counter() - begin
        timed = RESPONDENTS * ROUNDS
        runs: dict[str, list[Run]] = {"empty": [], "full": []}
        for rep in range(args.reps):
            # Alternate which goes first, so warming up favours neither.
            for name in ("empty", "full") if rep % 2 == 0 else ("full", "empty"):
                found = await run(surveys, template if name == "full" else None)
                expected = timed + (args.answers if name == "full" else 0)
                if found.stored != expected:
                    raise SystemExit(
                        f"bench: {name}: {found.stored} answers stored, expected {expected}"
                    )
                runs[name].append(found)
        size = template.stat().st_size / 1_048_576
    # CPU per answer (every thread of the process): what the data could make an answer cost,
    # and far steadier than the wall clock on a shared machine.
    pairs = zip(runs["empty"], runs["full"], strict=True)
    paired = sorted(f.cpu_us / e.cpu_us - 1 for e, f in pairs)
    cost = statistics.median(paired)
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"params:  {RESPONDENTS} respondents x {ROUNDS} typed answers = {timed} answers a run; "
        f"full database: {args.answers:,} answers of {people:,} people ({size:.0f} MB, seeded "
        f"in {seeded:.0f} s); {args.reps} paired runs"
    )
    for name, label in (
        ("empty", "empty database:"),
        ("full", f"{args.answers:,} answers stored:"),
    ):
        done = runs[name]
        rate = statistics.median(r.rate for r in done)
        cpu = statistics.median(r.cpu_us for r in done)
        print(
            f"{label:<30}{cpu:>6.0f} µs CPU per answer, {rate:.0f} answers/s wall  (CPU runs "
            f"{', '.join(f'{r.cpu_us:.0f}' for r in done)}; answers/s "
            f"{', '.join(f'{r.rate:.0f}' for r in done)})"
        )
    verdict = "within" if cost <= TARGET else "OVER"
    print(
        f"result:  an answer on the full database costs {100 * cost:+.1f}% CPU (median of "
        f"{', '.join(f'{100 * c:+.1f}%' for c in paired)}, runs paired in order), {verdict} "
        f"the {100 * TARGET:.0f}% target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
