"""Fuzzing imported XLSForms: random doings on real corpus forms, in the core and in the chat.

The corpus forms carry what YAML surveys never do: expressions over answers of every kind,
repeats nested two deep, cascading lists with duplicate names, constraints, locations. Whatever
a person does to them (any button of the screen or an old one, forged button data naming
choices by id or by place, any text, stickers, locations from anywhere on Earth or outside it):

- in the pure core, a step is a move, a submit, a cancel, "not on this screen" or a polite
  `Invalid`, never an exception, and every answer held fits its question;
- in the chat, nothing is logged at ERROR, Telegram is never sent a request it would refuse,
  and whatever is submitted holds only answers to questions that show, meeting their
  constraints.

Mostly valid answers (the test player's) are mixed in, so examples get deep into the forms and
through their repeats to the review. `FUZZ_EXAMPLES` sets the number of examples as in
tests/test_fuzz.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.survey import engine, steps
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.fit import fits
from bot.core.survey.model import ChoiceQuestion, Survey
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from bot.testing.player import apply_in_core, next_move, perform
from handlers.buttons import SurveyTap
from tests.helpers import no_refusals, rows
from tests.test_fuzz import EXAMPLES, PHASES, Errors, texts
from tests.test_survey_walk import same_as_a_whole_walk
from tests.test_xlsform_chat_play import survey_folder
from tests.test_xlsform_play import CORPUS, imported

FORMS = [
    imported(CORPUS / name)
    for name in (
        "REACH_2024_MSNA-kobo-tool_draft_v11.xlsx",  # expressions, 4 counted repeats
        "UCL_Biomass_Plot_Form.xlsx",  # nested repeats without a count
        "choice_filter_test.xlsx",  # a cascade naming a choice twice
        "xlsform_spec_test.xlsx",  # notes, acknowledge, location, a counted repeat
    )
]
TODAY = date(2026, 12, 2)

places = st.tuples(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)
args = st.one_of(
    st.just(""),
    st.sampled_from(["#0", "#1", "#9", "#399", "#-1", "#", "#x", "0", "99", "+", REVIEW]),
    st.text(max_size=50),
)
# (kind, payload): "good" is the player's next valid answer, the rest anything at all.
doings = st.lists(
    st.one_of(
        st.tuples(st.just("good"), st.integers(0, 3)),
        st.tuples(st.just("good"), st.integers(0, 3)),
        st.tuples(st.just("good"), st.integers(0, 3)),
        st.tuples(st.just("tap"), st.tuples(st.sampled_from(list(Action)), args)),
        st.tuples(st.just("type"), texts),
        st.tuples(st.just("locate"), places),
    ),
    min_size=15,  # Hypothesis favours short lists: these must get deep into a form
    max_size=80,
)


def _held(survey: Survey, session: Session) -> None:
    for key, answer in session.answers.items():
        question = survey.question(key)
        assert question is not None, key
        assert fits(question, answer), (key, answer)


def _core_step(survey: Survey, session: Session, doing: tuple[str, Any], rng: random.Random) -> Any:
    kind, payload = doing
    if kind == "good":
        move = next_move(survey, session, rng)
        return apply_in_core(survey, session, (move.then or (move,))[0])
    if kind == "tap":
        action, arg = payload
        return steps.tap(survey, session, action, arg)
    if kind == "locate":
        return steps.located(survey, session, *payload)
    return steps.typed(survey, session, payload, "id", TODAY)


@settings(
    max_examples=EXAMPLES * 3,
    deadline=None,
    derandomize=True,
    database=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.sampled_from(FORMS), doings, st.integers(0, 2**16))
def test_any_doing_on_an_imported_form_is_a_step_or_a_polite_refusal(
    survey: Survey, doings: list[tuple[str, Any]], seed: int
) -> None:
    rng = random.Random(seed)
    session = Session(1, 7, survey.id, None, engine.first_question(survey), {}, datetime.now())
    for doing in doings:
        try:
            step = _core_step(survey, session, doing, rng)
        except Invalid as refused:
            assert refused.code  # a polite message, by its code
            continue
        if isinstance(step, steps.Submit):
            kept = {k: a for k, a in step.session.answers.items() if k not in step.drop}
            shown = {slot.key for slot in engine.visible(survey, kept)}
            assert set(kept) <= shown
            return
        if isinstance(step, steps.Cancel | steps.Unfit):
            continue
        assert isinstance(step, steps.Moved)
        session = step.session
        _held(survey, session)
        same_as_a_whole_walk(survey, dict(session.answers))
        assert session.cursor == REVIEW or survey.question(session.cursor) is not None


# -- the chat ---------------------------------------------------------------------------------


async def _chat_doing(bot: Bot, user: FakeUser, survey: Survey, doing: tuple[str, Any]) -> None:
    kind, payload = doing
    session, _ = await bot.services.surveys.current(user.id)
    if session is None:
        await user.send(f"/start {survey.id}")
        return
    if kind == "good":
        move = next_move(survey, session, random.Random(payload))
        for part in move.then or (move,):
            await perform(user, bot, survey, part, lambda update: user.deliver(update))
        return
    if kind == "tap":
        action, arg = payload
        message = user._last_with_buttons()
        question = survey.question(session.cursor)
        if isinstance(question, ChoiceQuestion) and arg.isascii() and arg.isdigit():
            arg = question.choices[int(arg) % len(question.choices)].id
        rev = session.rev if len(arg) % 3 else max(0, session.rev - 1)  # now and then old
        data = SurveyTap(rev, action, arg).pack().encode()[:64].decode(errors="ignore")
        await user.deliver(user.callback_update(data, message))
        return
    if kind == "locate":
        latitude, longitude = payload
        place = {"latitude": latitude, "longitude": longitude}
        await user.deliver(user.other_update("location", location=place))
        return
    await user.send(payload)


def test_fuzz_imported_forms_in_the_chat(tmp_path: Path) -> None:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    config = harness.test_settings(tmp_path, surveys_dir=survey_folder(tmp_path, *FORMS))
    people = iter(range(820_000, 830_000))
    try:
        with asyncio.Runner() as runner:
            started = running_bot(config)
            bot = runner.run(started.__aenter__())
            try:

                @settings(
                    max_examples=max(10, EXAMPLES // 2),
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                )
                @given(st.sampled_from(FORMS), doings)
                def example(survey: Survey, doings: list[tuple[str, Any]]) -> None:
                    async def run() -> None:
                        user = bot.user(next(people), "id")
                        await user.send(f"/start {survey.id}")
                        await user.tap("Setuju, saya 18 tahun ke atas")
                        for doing in doings:
                            await _chat_doing(bot, user, survey, doing)

                    runner.run(run())

                example()
                no_refusals(bot)
            finally:
                runner.run(started.__aexit__(None, None, None))
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.seen, errors.seen
    by_id = {s.id: s for s in FORMS}
    submitted = rows(config, "SELECT id, survey_id FROM responses WHERE status = 'submitted'")
    assert submitted, "no example got to the end of a form: the doings are too random"
    for response in submitted:
        survey = by_id[response["survey_id"]]
        stored = {
            r["question_id"]: Answer(json.loads(r["value"]) if r["value"] else None, r["other"])
            for r in rows(config, "SELECT * FROM answers WHERE response_id = ?", (response["id"],))
        }
        shown = {slot.key for slot in engine.visible(survey, stored)}
        assert set(stored) <= shown, set(stored) - shown
        for key, answer in stored.items():
            question = survey.question(key)
            assert question is not None and fits(question, answer), (key, answer)
