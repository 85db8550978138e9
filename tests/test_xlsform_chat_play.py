"""Every XLSForm of the corpus that pyxform accepts, answered to the end in the chat.

The respondent of `xlsform_player` plays each imported form through the real Application
against the fake Telegram: it looks at the question on screen, picks a valid answer, and gives
it as a person would: taps the button that carries it (turning the pages of a long list when
it is not on the first), types numbers, dates and texts, shares a location. Then the database
is read as an auditor would: one submitted response, holding exactly the answers the form
keeps (and its calculations), every one of them meeting its constraint.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.survey import engine
from bot.core.survey.actions import Action
from bot.core.survey.engine import Answer
from bot.core.survey.model import ChoiceQuestion, Survey
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import SurveyTap
from tests.helpers import consent, no_refusals, rows
from tests.test_xlsform_play import FILES, REFUSED_BY_PYXFORM, imported
from tests.xlsform_player import Move, next_move

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


def _button(user: FakeUser, survey: Survey, key: str, move: Move) -> dict[str, Any] | None:
    """The button on screen that makes this move, if the screen shows it."""
    message = user._last_with_buttons()
    question = survey.question(key)
    wanted = {move.arg}
    if isinstance(question, ChoiceQuestion) and move.arg and not move.arg.startswith("#"):
        wanted.add(f"#{[c.id for c in question.choices].index(move.arg)}")
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            tapped = SurveyTap.unpack(button.get("callback_data"))
            if tapped and tapped.action is move.action and (tapped.arg in wanted or not move.arg):
                return button
    return None


def _next_page(user: FakeUser) -> dict[str, Any] | None:
    """The ▶️ of a paged list: the page button pointing furthest on."""
    message = user._last_with_buttons()
    pages = [
        (int(tapped.arg), button)
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if (tapped := SurveyTap.unpack(button.get("callback_data")))
        and tapped.action is Action.PAGE
    ]
    return max(pages, key=lambda page: page[0])[1] if pages else None


async def _perform(user: FakeUser, bot: Bot, survey: Survey, move: Move) -> None:
    session, _ = await bot.services.surveys.current(user.id)
    assert session is not None
    if move.kind == "type":
        await user.send(move.text)
        return
    if move.kind == "locate":
        latitude, longitude = (float(x) for x in move.text.split())
        await user.deliver(
            user.other_update("location", location={"latitude": latitude, "longitude": longitude})
        )
        return
    seen: set[str] = set()
    while (button := _button(user, survey, session.cursor, move)) is None:
        # A long list: the choice is on a later page.
        page = _next_page(user)
        assert page is not None and page["callback_data"] not in seen, (
            f"no button for {move} on {session.cursor!r}: {user.buttons()}"
        )
        seen.add(page["callback_data"])
        await user.deliver(user.callback_update(page["callback_data"], user._last_with_buttons()))
    await user.deliver(user.callback_update(button["callback_data"], user._last_with_buttons()))


async def play_in_chat(bot: Bot, user: FakeUser, survey: Survey, seed: int) -> dict[str, Answer]:
    """Answer the open survey to the end; the answers the respondent gave, as the bot held
    them just before submitting."""
    rng = random.Random(seed)
    last: dict[str, Answer] = {}
    for _ in range(3000):
        session, _ = await bot.services.surveys.current(user.id)
        if session is None:
            return last
        last = dict(session.answers)
        move = next_move(survey, session, rng)
        for part in move.then or (move,):
            await _perform(user, bot, survey, part)
    raise AssertionError(f"{survey.id}: not finished")


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
