"""Every XLSForm of the corpus that pyxform accepts, answered to the end in the chat.

The respondent of `bot.testing.player` plays each imported form through the real Application
against the fake Telegram: it looks at the question on screen, picks a valid answer, and gives
it as a person would: taps the button that carries it (turning the pages of a long list when
it is not on the first), types numbers, dates and texts, shares a location. Then the database
is read as an auditor would: one submitted response, holding exactly the answers the form
keeps (and its calculations), every one of them meeting its constraint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.core.survey import engine
from bot.core.survey.engine import Answer
from bot.core.survey.model import Survey
from bot.testing import harness
from bot.testing.harness import running_bot
from bot.testing.player import play_in_chat
from tests.helpers import consent, no_refusals, rows
from tests.test_xlsform_play import FILES, REFUSED_BY_PYXFORM, imported

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
