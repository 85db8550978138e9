"""Survey responses written straight into the database, for results tests: many people's
submitted answers would take minutes to play through the chat, and /hasil only reads them."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.core.survey.model import (
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    TextQuestion,
    YesNoQuestion,
)
from bot.storage.timefmt import to_db

WORDS = ["pelatihan", "modal", "pemasaran", "digital", "sertifikat", "bpjs", "iuran", "murah"]


def _value(question: Question, rng: random.Random, region: str) -> Any:
    if isinstance(question, SingleChoice):
        return rng.choice(question.choices).id
    if isinstance(question, MultiChoice):
        ordinary = [c.id for c in question.choices if not c.exclusive]
        top = min(question.max_choices or len(ordinary), len(ordinary))
        return rng.sample(ordinary, rng.randint(1, top))
    if isinstance(question, YesNoQuestion):
        return rng.random() < 0.5
    if isinstance(question, ScaleQuestion):
        return rng.randint(question.min, question.max)
    if isinstance(question, IntegerQuestion | DecimalQuestion):
        return rng.randint(1, 7)
    if isinstance(question, DateQuestion):
        return date(2025, 1, rng.randint(1, 28)).isoformat()
    if isinstance(question, RegionQuestion):
        return region
    if isinstance(question, TextQuestion):
        return "Saya ingin " + " dan ".join(rng.sample(WORDS, 2)) + " yang lebih baik"
    raise AssertionError(question)


def seed(
    settings: Settings,
    survey: Survey,
    places: dict[str, int],
    now: datetime,
    *,
    first_user: int,
    days_ago: int = 1,
    skip: dict[str, int] | None = None,
    unfinished: int = 0,
    seed_value: int = 7,
) -> int:
    """`places[code]` people who submitted `survey` `days_ago` days before `now`, answering every
    question (at random; a region question with the place's code), except that only
    `skip[question]` of them answer that question. `unfinished` more people started and gave up.
    Returns the next free user id."""
    rng = random.Random(seed_value + first_user)
    conn = sqlite3.connect(settings.database_path, timeout=30)
    user = first_user
    skip = dict(skip or {})
    given = {q: 0 for q in skip}
    with conn:
        for place, count in places.items():
            for _ in range(count):
                submitted = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
                started = submitted - timedelta(seconds=rng.randint(120, 900))
                user = _person(conn, user, started)
                cur = conn.execute(
                    "INSERT INTO responses (user_id, survey_id, survey_version, status, cursor, "
                    "started_at, updated_at, submitted_at) "
                    "VALUES (?, ?, ?, 'submitted', '__review__', ?, ?, ?)",
                    (user, survey.id, survey.version, to_db(started), to_db(submitted),
                     to_db(submitted)),
                )  # fmt: skip
                for question in survey.questions:
                    if question.id in skip:
                        if given[question.id] >= skip[question.id]:
                            continue
                        given[question.id] += 1
                    conn.execute(
                        "INSERT INTO answers (response_id, question_id, value, answered_at) "
                        "VALUES (?, ?, ?, ?)",
                        (cur.lastrowid, question.id,
                         json.dumps(_value(question, rng, place)), to_db(started)),
                    )  # fmt: skip
                user += 1
        for _ in range(unfinished):
            user = _person(conn, user, now)
            conn.execute(
                "INSERT INTO responses (user_id, survey_id, survey_version, status, cursor, "
                "started_at, updated_at) VALUES (?, ?, ?, 'cancelled', ?, ?, ?)",
                (user, survey.id, survey.version, survey.questions[0].id, to_db(now), to_db(now)),
            )
            user += 1
    conn.close()
    return user


def _person(conn: sqlite3.Connection, user: int, when: datetime) -> int:
    conn.execute(
        "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', ?, ?)",
        (user, to_db(when), to_db(when)),
    )
    return user
