"""/hasil for staff: every survey's progress, one survey's summary with a chart per charted
question, filters by place and period, free-text words, small groups never broken down. The
figures shown are checked against the database read as an auditor (tests.helpers.rows)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.config import BUNDLED_SURVEYS, Settings
from bot.core.results.tally import charted, title_of
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import MultiChoice, Survey, YesNoQuestion
from bot.core.text import pick
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from tests.helpers import no_refusals, rows
from tests.test_results_data import seed

STAFF, VISITOR = 901, 902
SURVEYS = load_surveys(BUNDLED_SURVEYS)
PNG = b"\x89PNG\r\n\x1a\n"
# Where the seeded respondents are: NTT 15 (Kota Kupang 12, Kabupaten Kupang 3), Jawa Barat 8,
# DKI Jakarta 2 (a province too small to show).
PLACES = {"53.71": 12, "53.01": 3, "32.73": 8, "31.71": 2}


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


def _toast(bot: Bot) -> Any:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


def since_id(user: FakeUser) -> int:
    return max((m["message_id"] for m in user.messages), default=0)


def message(user: FakeUser, message_id: int) -> dict[str, Any]:
    return next(m for m in user.messages if m["message_id"] == message_id)


def photos_after(user: FakeUser, first: int) -> list[dict[str, Any]]:
    return [m for m in user.messages if m["message_id"] > first and "photo" in m]


def db_counts(
    settings: Settings, survey: Survey, question: str, province: str = "", since: str = ""
) -> tuple[int, Counter[str]]:
    """(people who answered, count per answer) of submitted responses, read as an auditor."""
    region = next(q.id for q in survey.questions if q.type == "region")
    found = rows(
        settings,
        "SELECT r.id, a.value, (SELECT g.value FROM answers g WHERE g.response_id = r.id "
        "AND g.question_id = ?) AS place, r.submitted_at FROM responses r "
        "JOIN answers a ON a.response_id = r.id "
        "WHERE r.survey_id = ? AND r.status = 'submitted' AND a.question_id = ?",
        (region, survey.id, question),
    )
    tally: Counter[str] = Counter()
    answered = 0
    for row in found:
        place = json.loads(row["place"]) if row["place"] else ""
        if province and place.split(".")[0] != province and place != province:
            continue
        if since and row["submitted_at"] < since:
            continue
        value = json.loads(row["value"]) if row["value"] is not None else None
        if value is None:
            continue
        answered += 1
        for item in value if isinstance(value, list) else [value]:
            tally[str(item).lower()] += 1
    return answered, tally


def check_charts(
    settings: Settings,
    survey: Survey,
    photos: list[dict[str, Any]],
    locale: str,
    province: str = "",
    since: str = "",
) -> None:
    """One photo per charted question with enough answers, each caption's figures those of
    the database, in `locale`."""
    by_title = {title_of(q, locale): q for q in charted(survey)}
    seen = set()
    for photo in photos:
        assert photo["upload"].content.startswith(PNG)
        title, note, *bars = photo["caption"].split("\n")
        question = by_title[title]
        seen.add(question.id)
        answered, tally = db_counts(settings, survey, question.id, province, since)
        assert re.match(r"(\d+) ", note) and int(note.split()[0]) == answered
        labels = (
            {
                "true": "Ya" if locale == "id" else "Yes",
                "false": "Tidak" if locale == "id" else "No",
            }
            if isinstance(question, YesNoQuestion)
            else {c.id: pick(c.label, locale) for c in getattr(question, "choices", [])}
        )
        shown = {}
        for line in bars:
            label, _, figures = line.removeprefix("• ").rpartition(": ")
            percent, count = re.fullmatch(r"(\d+)% \((\d+)\)", figures).groups()  # type: ignore[union-attr]
            shown[label] = int(count)
            assert int(percent) == round(int(count) * 100 / answered)
        assert (
            shown
            == {labels.get(k, k): tally.get(k, 0) for k in labels}
            | {k: v for k, v in tally.items() if k not in labels}
            or not labels
        )
        if isinstance(question, MultiChoice):
            assert sum(shown.values()) >= answered
        else:
            assert sum(shown.values()) == answered
    return None


async def test_every_shipped_survey_is_charted_and_its_figures_match_the_database(
    staff_settings: Settings,
) -> None:
    async with running_bot(staff_settings) as bot:
        now = bot.clock.now()
        next_user = 10_000
        for survey in SURVEYS.values():
            # One question answered by only 3 people: too few to chart.
            sparse = charted(survey)[-1].id
            next_user = seed(
                staff_settings, survey, PLACES, now, first_user=next_user, skip={sparse: 3},
                unfinished=4,
            )  # fmt: skip
        staff = bot.user(STAFF)
        await staff.send("/hasil")
        listing = staff.text
        assert listing.startswith("📊 Hasil survei")
        for survey in SURVEYS.values():
            started = rows(
                staff_settings,
                "SELECT COUNT(*) AS n FROM responses WHERE survey_id = ?",
                (survey.id,),
            )[0]["n"]
            done = rows(
                staff_settings,
                "SELECT COUNT(*) AS n FROM responses WHERE survey_id = ? AND status = 'submitted'",
                (survey.id,),
            )[0]["n"]
            assert (started, done) == (29, 25)
            assert f"Dimulai {started} · selesai {done} (86%) · median lama pengisian" in listing
        for survey in SURVEYS.values():
            await staff.send("/hasil")
            first = since_id(staff)
            await staff.tap("📊 " + pick(survey.title, "id"))
            summary = message(staff, first)  # the list became the summary
            assert "Jumlah responden dalam pilihan ini: 25" in summary["text"]
            assert "📍 Seluruh Indonesia · 🗓 Semua waktu" in summary["text"]
            sparse_title = title_of(charted(survey)[-1], "id")
            assert f"kurang dari 5):\n• {sparse_title}" in summary["text"]
            # Free text: its most common words (stop words such as "yang", "dan" left out).
            assert "Kata yang paling sering muncul: " in summary["text"]
            assert " yang (" not in summary["text"] and " dan (" not in summary["text"]
            assert "Jawaban terbaru:\n“Saya ingin" in summary["text"]
            photos = photos_after(staff, first)
            assert len(photos) == len(charted(survey)) - 1
            check_charts(staff_settings, survey, photos, "id")
        no_refusals(bot)
