"""/hasil at scale: how long one survey's summary takes with many responses stored.

Fills a temporary database with N submitted responses of the shipped bpjs survey (every
question answered at random, spread over six kabupaten/kota and 140 days), then times the
results service as /hasil uses it: the list, the whole survey, one province, one kabupaten/kota
over 30 days, and drawing the charts. Not a test: figures depend on the machine.

    python -m bench.results [N]          (default 100,000 responses)
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import BUNDLED_SURVEYS
from bot.core.results.chart import ChartText
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import (
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    TextQuestion,
    YesNoQuestion,
)
from bot.services.clock import Clock
from bot.services.results import Labels, ResultsService
from bot.storage.database import Database
from bot.storage.results import ResultRepository
from bot.storage.timefmt import to_db

PLACES = ["53.71", "53.01", "32.73", "31.71", "51.71", "35.78"]
WORDS = ["pelatihan", "modal", "pemasaran", "digital", "sertifikat", "iuran", "murah", "jmo"]


def _value(question: Question, rng: random.Random, place: str) -> Any:
    if isinstance(question, SingleChoice):
        return rng.choice(question.choices).id
    if isinstance(question, MultiChoice):
        ordinary = [c.id for c in question.choices if not c.exclusive]
        return rng.sample(ordinary, rng.randint(1, min(3, len(ordinary))))
    if isinstance(question, YesNoQuestion):
        return rng.random() < 0.5
    if isinstance(question, ScaleQuestion):
        return rng.randint(question.min, question.max)
    if isinstance(question, RegionQuestion):
        return place
    if isinstance(question, TextQuestion):
        return "Saya ingin " + " dan ".join(rng.sample(WORDS, 2))
    return rng.randint(1, 7)


def fill(path: Path, n: int, now: datetime) -> None:
    survey = load_surveys(BUNDLED_SURVEYS)["bpjs"]
    rng = random.Random(1)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', ?, ?)",
            [(i + 1, to_db(now), to_db(now)) for i in range(n)],
        )
        for i in range(n):
            submitted = now - timedelta(minutes=rng.randint(0, 200_000))
            started = submitted - timedelta(seconds=rng.randint(100, 900))
            cursor = conn.execute(
                "INSERT INTO responses (user_id, survey_id, survey_version, status, cursor, "
                "started_at, updated_at, submitted_at) VALUES (?, ?, ?, 'submitted', "
                "'__review__', ?, ?, ?)",
                (i + 1, survey.id, survey.version, to_db(started), to_db(submitted),
                 to_db(submitted)),
            )  # fmt: skip
            place = rng.choice(PLACES)
            conn.executemany(
                "INSERT INTO answers (response_id, question_id, value, answered_at) "
                "VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, q.id, json.dumps(_value(q, rng, place)), to_db(started))
                 for q in survey.questions],
            )  # fmt: skip
    conn.close()


async def main(n: int) -> None:
    surveys = load_surveys(BUNDLED_SURVEYS)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.open()  # creates the schema
        now = datetime.now(UTC)
        started = time.perf_counter()
        fill(db.path, n, now)
        print(f"{n:,} bpjs responses stored in {time.perf_counter() - started:.1f} s")
        service = ResultsService(surveys, ResultRepository(db), Clock(), min_group=5)
        labels = Labels("id", "Ya", "Tidak")
        started = time.perf_counter()
        await service.overview()
        print(f"/hasil list (started, completed, median): {time.perf_counter() - started:.2f} s")
        survey = surveys["bpjs"]
        for name, place, days in (
            ("whole survey", "", 0),
            ("one province (53)", "53", 0),
            ("one kabupaten/kota (53.71), last 30 days", "53.71", 30),
        ):
            started = time.perf_counter()
            summary = await service.summary(survey, labels, place=place, days=days)
            counted = time.perf_counter() - started
            shown = [c for c in summary.choices if not c.suppressed]
            started = time.perf_counter()
            await service.charts([(ChartText(c.question.id, "n"), c) for c in shown])
            drawn = time.perf_counter() - started
            print(
                f"{name}: {summary.responses:,} responses, counted in {counted:.2f} s, "
                f"{len(shown)} charts drawn in {drawn:.2f} s ({drawn / max(len(shown), 1):.2f} s each)"
            )
        await service.close()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
