"""Every XLSForm of the corpus that pyxform accepts, answered to the end in the chat.

The respondent of `bot.testing.player` plays each imported form through the real Application
against the fake Telegram: it looks at the question on screen, picks a valid answer, and gives
it as a person would: taps the button that carries it (turning the pages of a long list when
it is not on the first), types numbers, dates and texts, shares a location. Then the database
is read as an auditor would: one submitted response, holding exactly the answers the form
keeps (and its calculations), every one of them meeting its constraint.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from bot.core.survey import engine
from bot.core.survey.engine import Answer
from bot.core.survey.model import ChoiceQuestion, Survey
from bot.core.text import pick
from bot.testing import harness
from bot.testing.harness import running_bot
from bot.testing.player import play_in_chat
from tests.helpers import consent, no_refusals, rows
from tests.test_xlsform_play import CORPUS, FILES, REFUSED_BY_PYXFORM, imported

PLAYED = [p for p in FILES if p.name not in REFUSED_BY_PYXFORM]


def survey_folder(tmp_path: Path, *surveys: Survey) -> Path:
    """Surveys as files in a folder the bot loads: an imported form is the same model."""
    folder = tmp_path / "surveys"
    folder.mkdir(exist_ok=True)
    for survey in surveys:
        data = survey.model_dump(mode="json", exclude_defaults=True)
        (folder / f"{survey.id}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


@pytest.mark.parametrize("path", PLAYED, ids=[p.name for p in PLAYED])
async def test_every_accepted_form_is_answered_to_the_end_in_the_chat(
    tmp_path: Path, path: Path
) -> None:
    survey = imported(path)
    settings = harness.test_settings(tmp_path, surveys_dir=survey_folder(tmp_path, survey))
    async with running_bot(settings) as bot:
        user = bot.user(9100, "en" if path.name.startswith("U") else "id")
        await consent(user, survey.id)
        given = await play_in_chat(bot, user, survey, seed=1)
        no_refusals(bot)
    responses = rows(settings, "SELECT id, survey_id, status FROM responses WHERE user_id = 9100")
    assert [(r["survey_id"], r["status"]) for r in responses] == [(survey.id, "submitted")]
    stored = {
        r["question_id"]: Answer(json.loads(r["value"]) if r["value"] else None, r["other"])
        for r in rows(
            settings, "SELECT * FROM answers WHERE response_id = ?", (responses[0]["id"],)
        )
    }
    kept = engine.relevant_answers(survey, given)
    calculations = engine.computed(survey, kept)
    assert {k: v for k, v in stored.items() if k not in calculations} == kept
    assert set(calculations) <= set(stored)
    for key, answer in kept.items():
        assert engine.constraint_holds(survey, kept, key, answer.value), key


async def test_an_imported_form_s_results_and_export_after_people_answer_it(
    tmp_path: Path,
) -> None:
    """/hasil and /ekspor take an imported form like any survey: its single and multiple
    choices charted with the figures the database holds, its export a KoboToolbox workbook
    with a row per response."""
    survey = imported(CORPUS / "building_natural_risks_survey.xlsx")
    staff_id = 9300
    settings = harness.test_settings(
        tmp_path, surveys_dir=survey_folder(tmp_path, survey), admin_ids=frozenset({staff_id})
    )
    async with running_bot(settings) as bot:
        for n in range(6):  # more than RESULTS_MIN_GROUP: charts are drawn
            user = bot.user(9200 + n, "id")
            await consent(user, survey.id)
            await play_in_chat(bot, user, survey, seed=n + 1)
        staff = bot.user(staff_id, "id")
        await staff.send("/hasil")
        before = max(m["message_id"] for m in staff.messages)
        await staff.tap("📊 " + pick(survey.title, "id"))
        summary = next(m for m in staff.messages if m["message_id"] == before)["text"]
        assert "Jumlah responden dalam pilihan ini: 6" in summary
        photos = [m for m in staff.messages if m["message_id"] > before and "photo" in m]
        answered = {
            q.id: [
                json.loads(r["value"])
                for r in rows(
                    settings,
                    "SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id "
                    "WHERE r.status = 'submitted' AND a.question_id = ? "
                    "AND a.value IS NOT NULL",
                    (q.id,),
                )
            ]
            for q in survey.questions
            if isinstance(q, ChoiceQuestion)
        }
        # A chart for each choice question enough people answered (RESULTS_MIN_GROUP, 5).
        charted = [q for q in survey.questions if len(answered.get(q.id, [])) >= 5]
        assert len(photos) == len(charted) >= 3
        for photo, question in zip(photos, charted, strict=True):
            # The caption's figures are those of the database.
            assert isinstance(question, ChoiceQuestion)
            stored, caption = answered[question.id], photo["caption"]
            assert caption.startswith(pick(question.text, "id")[:40])
            assert f"{len(stored)} orang menjawab" in caption
            for choice in question.choices:
                times = sum(choice.id in (v if isinstance(v, list) else [v]) for v in stored)
                assert f"• {pick(choice.label, 'id')}: " in caption
                assert any(
                    line.startswith(f"• {pick(choice.label, 'id')}: ")
                    and line.endswith(f"({times})")
                    for line in caption.splitlines()
                ), (question.id, choice.id, times, caption)
        await staff.send("/ekspor")
        await staff.tap(pick(survey.title, "id"), staff._last_with_buttons())
        await staff.tap("Semua (6)")
        workbook = next(f for f in staff.files() if f.filename.endswith(".xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets[0]
        header, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert len(lines) == 6
        # KoboToolbox's column names: each question's group path, as the form names it.
        paths = [q.path for q in survey.questions if q.type != "note" and q.repeat is None]
        assert paths and all(path in header for path in paths), set(paths) - set(header)
        assert any("/" in str(path) for path in paths)
        no_refusals(bot)


async def test_respondents_hear_what_personal_data_a_form_asks_before_its_first_question(
    tmp_path: Path,
) -> None:
    """The data notice says the bot never asks for a name or a phone number; an imported form
    that does (or asks for a location) says so above its first question, before anything is
    given, in the person's language. A form that asks none of it says nothing."""
    ucl = imported(CORPUS / "UCL_Biomass_Plot_Form.xlsx")
    building = imported(CORPUS / "building_natural_risks_survey.xlsx")
    cascade = imported(CORPUS / "choice_filter_test.xlsx")
    settings = harness.test_settings(
        tmp_path, surveys_dir=survey_folder(tmp_path, ucl, building, cascade)
    )
    async with running_bot(settings) as bot:
        user = bot.user(9400, "id")
        await consent(user, building.id)
        first = next(m["text"] for m in user.messages if "Pertanyaan 1 dari" in m.get("text", ""))
        assert first.startswith(
            "🔒 Survei ini juga menanyakan lokasi Anda. Jawaban itu hanya dipakai untuk survei "
            "ini, dan /hapusdata menghapusnya bersama jawaban Anda yang lain."
        )
        english = bot.user(9401, "en")
        await consent(english, ucl.id)
        first = next(m["text"] for m in english.messages if "Question 1 of" in m.get("text", ""))
        assert first.startswith(
            "🔒 This survey also asks for your location, a name, and a phone number. "
        )
        # Once something is answered, the screens go on without it.
        await play_in_chat(bot, english, ucl, seed=1)
        later = [m["text"] for m in english.messages if "Question 2 of" in m.get("text", "")]
        assert later and not any("🔒" in text for text in later)
        plain = bot.user(9402, "id")
        await consent(plain, cascade.id)
        assert "🔒" not in plain.text
        no_refusals(bot)
