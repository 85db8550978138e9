"""Importing XLSForms, and answering an imported 200-question form beside a native survey.

1. Import: the largest files of the corpus (tests/xlsforms), read (pyxform + the report),
   converted, and stored as a draft by the catalog, the way `surveys import` does it; beside
   pyxform's own reading of the same file (`parse_file_to_json`), measured in the same run:
   what the bot adds to what KoboToolbox's own converter does. The largest file of all is
   refused by pyxform: how long until staff read why.
2. Answers: REACH's MSNA form (200 questions, 46 calculations, 4 repeats counted by the
   household's size, 125 relevants, 78 constraints) answered through the real Application by
   the test player, against the same 200 questions as a native survey (YAML: the same types
   and choices, without expressions or repeats), in the same run. Only the bot's handling of
   each update (stored, answered, replied) is timed, not the player choosing.

    python -m bench.xlsform            (or: make bench-xlsform)
"""

from __future__ import annotations

import asyncio
import gc
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from bot.core.survey.expressions import PIPED
from bot.core.survey.model import UNASKED, Survey
from bot.core.xlsform.convert import convert
from bot.core.xlsform.reader import FormError, read
from bot.services.audit import AuditService
from bot.services.clock import Clock
from bot.services.survey_catalog import SurveyCatalog
from bot.storage.audit import AuditRepository
from bot.storage.database import Database
from bot.storage.survey_forms import SurveyFormRepository
from bot.testing.harness import running_bot, test_settings
from bot.testing.player import play_in_chat

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "xlsforms"
LARGEST = "slum_assessment_survey.xlsx"  # the largest file pyxform accepts (233 KB)
MOST_QUESTIONS = "REACH_2024_MSNA-kobo-tool_draft_v11.xlsx"  # 200 questions
REFUSED = "liberiaCoverage.xlsx"  # the largest file (879 KB), which pyxform refuses
REPS = 5
RESPONDENTS = 6


def _median(work: Callable[[], Any], reps: int = REPS) -> float:
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pyxform(path: Path) -> None:
    from pyxform import xls2json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xls2json.parse_file_to_json(str(path))


def _refused(path: Path) -> None:
    try:
        read(path)
    except FormError:
        return
    raise AssertionError(f"{path.name} was expected to be refused")


async def _stored(path: Path, folder: Path) -> float:
    """`surveys import`'s work: read, convert, store a draft in a fresh database."""
    db = Database(folder / f"import-{time.monotonic_ns()}.sqlite3")
    await db.open()
    try:
        clock = Clock()
        catalog = SurveyCatalog(
            SurveyFormRepository(db), {}, AuditService(AuditRepository(db), clock), clock
        )
        start = time.perf_counter()
        imported = await catalog.import_file(path, by=None, without_unsupported=True)
        elapsed = time.perf_counter() - start
        assert imported.draft is not None, imported.refusal
        return elapsed
    finally:
        await db.close()


def native_twin(survey: Survey) -> Survey:
    """The same questions as a native survey: types, texts and choices kept; expressions,
    repeats, notes and calculations gone (one round of each repeated question)."""
    questions: list[dict[str, Any]] = []
    for q in survey.questions:
        if q.type in UNASKED or q.type == "location":
            continue
        data = q.model_dump(
            exclude={
                "relevant",
                "constraint",
                "constraint_message",
                "required_if",
                "required_message",
                "default",
                "repeat",
                "section",
                "path",
                "name",
                "choice_filter",
            },
            exclude_none=True,
        )
        data = _unpiped(data)
        data["id"] = f"q{len(questions)}"
        if data.get("type") == "multi":
            data["min_choices"] = 0
        questions.append(data)
    return Survey.model_validate(
        {"id": "native_twin", "title": {"id": "Survei kembar"}, "questions": questions}
    )


def _unpiped(value: Any) -> Any:
    """Texts without `${name}` (a native survey has no answers to fill in)."""
    if isinstance(value, str):
        return PIPED.sub("…", value)
    if isinstance(value, dict):
        return {k: _unpiped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpiped(v) for v in value]
    return value


async def _answers_per_second(survey: Survey, folder: Path) -> tuple[float, int]:
    """Updates handled per second (bot time only) over RESPONDENTS people answering it all."""
    import yaml

    surveys = folder / f"surveys-{survey.id}"
    surveys.mkdir()
    data = survey.model_dump(mode="json", exclude_defaults=True)
    (surveys / f"{survey.id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    settings = test_settings(folder / survey.id, surveys_dir=surveys)
    (folder / survey.id).mkdir()
    handled, spent = 0, 0.0
    async with running_bot(settings) as bot:
        for n in range(RESPONDENTS):
            user = bot.user(700_000 + n, "id")
            await user.send(f"/start {survey.id}")
            await user.tap("Setuju")

            async def timed(update: dict[str, Any], user: Any = user) -> None:
                nonlocal handled, spent
                start = time.perf_counter()
                await user.deliver(update)
                spent += time.perf_counter() - start
                handled += 1

            deliver: Callable[[dict[str, Any]], Awaitable[None]] = timed
            await play_in_chat(bot, user, survey, seed=n + 1, deliver=deliver)
    return handled / spent, handled


async def main() -> int:
    logging.disable(logging.CRITICAL)
    print(f"XLSForm import and answers; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("\n1. Import (median of 5)")
        for name in (LARGEST, MOST_QUESTIONS):
            path = CORPUS / name
            baseline = _median(partial(_pyxform, path))
            ours = statistics.median([await _stored(path, folder) for _ in range(REPS)])
            print(
                f"  {name} ({path.stat().st_size // 1024} KB): imported as a draft in "
                f"{ours:.2f} s; pyxform's reading alone {baseline:.2f} s; "
                f"ratio {ours / baseline:.2f}"
            )
        refused = CORPUS / REFUSED
        took = _median(lambda: _refused(refused))
        print(f"  {REFUSED} ({refused.stat().st_size // 1024} KB, refused): reason in {took:.2f} s")

        print(f"\n2. Answers ({RESPONDENTS} respondents each, whole forms, bot time only)")
        form = read(CORPUS / MOST_QUESTIONS)
        imported = convert(form, without_unsupported=True)
        twin = native_twin(imported)
        native_rate, native_n = await _answers_per_second(twin, folder)
        imported_rate, imported_n = await _answers_per_second(imported, folder)
        print(
            f"  native survey, {len(twin.questions)} questions: "
            f"{native_rate:,.0f} updates/s ({native_n} updates)"
        )
        print(
            f"  imported REACH MSNA, {len(imported.questions)} questions: "
            f"{imported_rate:,.0f} updates/s ({imported_n} updates)"
        )
        print(f"  ratio imported / native: {imported_rate / native_rate:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
