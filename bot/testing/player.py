"""A respondent who answers any survey validly: for tests and benchmarks that play real forms.

`next_move` looks at the question on screen (the slot, the answers so far) and picks an answer
the form will take: a choice the choice_filter offers, a number or a text its constraint
accepts (tried against the form's own constraint through the engine), a location, "no more
rounds". Counts are kept small, so repeats end. The same moves are played in the pure core
(`play_in_core`) and through the real Application (`play_in_chat`): as a person would, by
tapping the button that carries the answer (turning the pages of a long list when it is not
on the first), typing numbers, dates and texts, sharing a location.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.survey import engine, steps
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.model import ChoiceQuestion, IntegerQuestion, MultiChoice, Survey
from bot.core.survey.session import Session
from bot.testing.harness import Bot, FakeUser
from handlers.buttons import SurveyTap

# Small numbers first: a count of household members of 2 keeps a test short.
NUMBERS = [2, 1, 3, 0, 5, 10, 18, 25, 30, 45, 60, 100, 150, 365, 1000, 2020, 5000]
DECIMALS = [1.5, 2.0, 0.5, 10.25, 25.0, 100.0, 3.75]
TEXTS = ["Budi Santoso", "abc", "Jalan Melati 12", "A1", "12345", "08123456789", "x"]
PLACE = (-8.65, 115.2167)


@dataclass(frozen=True)
class Move:
    """`tap` (action, arg), `type` (text), `locate` (lat, lon) or several taps (`then`)."""

    kind: str
    action: Action | None = None
    arg: str = ""
    text: str = ""
    then: tuple[Move, ...] = field(default_factory=tuple)


def _today() -> date:
    return date.today()


def _typed_candidates(survey: Survey, answers: dict[str, Answer], key: str) -> list[Any]:
    question = survey.question(key)
    assert question is not None
    kind = question.type
    if isinstance(question, IntegerQuestion):
        return [n for n in NUMBERS if (question.min is None or n >= question.min)]
    if kind == "decimal":
        return DECIMALS
    if kind == "date":
        today = _today()
        return [(today - timedelta(days=d)).isoformat() for d in (365 * 30, 400, 30, 1, 0)] + [
            "2000-01-01"
        ]
    return TEXTS


def _spelled(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # an Indonesian phone's decimal comma
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return str(value)


def next_move(survey: Survey, session: Session, rng: random.Random, rounds: int = 2) -> Move:
    """A valid answer to what is on screen (the review: submit)."""
    key = session.cursor
    if key == REVIEW:
        return Move("tap", Action.SUBMIT)
    answers = session.answers
    question = survey.question(key)
    assert question is not None, key
    required = engine.is_required(survey, answers, key)
    kind = question.type
    if kind == "another":
        round_ = engine.rounds_of(survey, key)[-1][1]
        return Move("tap", Action.YES if round_ < rounds else Action.NO)
    if kind == "acknowledge":
        return Move("tap", Action.ACKNOWLEDGE)
    if kind == "location":
        return Move("locate", text=f"{PLACE[0]} {PLACE[1]}")
    if isinstance(question, ChoiceQuestion):
        offered = engine.choices_for(survey, answers, key)
        plain = [c for c in offered if not c.other] or offered
        if isinstance(question, MultiChoice):
            return _several(survey, answers, key, question, plain, rng)
        ok = [c for c in plain if engine.constraint_holds(survey, answers, key, c.id)]
        if not ok:
            return Move("tap", Action.SKIP)
        # The choice that leaves the most still to ask: a test should walk the form, not
        # leave at its first "no consent".
        rng.shuffle(ok)
        choice = max(ok[:8], key=lambda c: _ahead(survey, answers, key, c.id))
        return Move("tap", Action.CHOOSE, _arg(question, choice))
    for value in _typed_candidates(survey, answers, key):
        if engine.constraint_holds(survey, answers, key, value):
            return Move("type", text=_spelled(value))
    if not required:
        return Move("tap", Action.SKIP)
    raise AssertionError(f"no answer the constraint of {key!r} takes: {question.constraint}")


def _several(
    survey: Survey,
    answers: dict[str, Answer],
    key: str,
    question: MultiChoice,
    offered: list[Any],
    rng: random.Random,
) -> Move:
    """Ticks the constraint takes ("count-selected(.) > 1"), exclusive choices alone."""
    plain = [c for c in offered if not c.exclusive]
    rng.shuffle(plain)
    top = question.max_choices or len(question.choices)
    for size in range(1, min(4, top, len(plain)) + 1):
        chosen = [c for c in question.choices if c in plain[:size]]
        if engine.constraint_holds(survey, answers, key, [c.id for c in chosen]):
            taps = tuple(Move("tap", Action.TOGGLE, _arg(question, c)) for c in chosen)
            return Move("multi", then=(*taps, Move("tap", Action.DONE)))
    if not engine.is_required(survey, answers, key):
        return Move("tap", Action.SKIP)
    raise AssertionError(f"no ticks the constraint of {key!r} takes: {question.constraint}")


def _ahead(survey: Survey, answers: dict[str, Answer], key: str, value: Any) -> int:
    return len(engine.asked(survey, {**answers, key: Answer(value)}, optimistic=True))


def _arg(question: ChoiceQuestion, choice: Any) -> str:
    """A choice as a button may name it: its id, or "#N" (its place) when the id is long or
    names two choices of a cascading list (the screen's button matches either way)."""
    ids = [c.id for c in question.choices]
    if len(choice.id.encode()) <= 32 and ids.count(choice.id) == 1:
        return str(choice.id)
    return f"#{next(i for i, c in enumerate(question.choices) if c is choice)}"


def play_in_core(survey: Survey, seed: int = 1, most: int = 2000) -> tuple[steps.Submit, int]:
    """Answer the whole form in the pure core; the submit, and how many steps it took."""
    rng = random.Random(seed)
    session = Session(1, 7, survey.id, None, engine.first_question(survey), {}, datetime.now())
    for count in range(most):
        move = next_move(survey, session, rng)
        for part in move.then or (move,):
            step = apply_in_core(survey, session, part)
            if isinstance(step, steps.Submit):
                return step, count
            assert isinstance(step, steps.Moved), (session.cursor, part, step)
            session = step.session
    raise AssertionError(f"{survey.id}: not finished after {most} answers")


def apply_in_core(survey: Survey, session: Session, move: Move) -> steps.Step:
    """One move on the pure core's steps (what the chat's `perform` does through Telegram)."""
    if move.kind == "tap":
        assert move.action is not None
        return steps.tap(survey, session, move.action, move.arg)
    if move.kind == "locate":
        latitude, longitude = (float(x) for x in move.text.split())
        return steps.located(survey, session, latitude, longitude)
    return steps.typed(survey, session, move.text, "id", _today())


Deliver = Callable[[dict[str, Any]], Awaitable[None]]


def _button(user: FakeUser, survey: Survey, key: str, move: Move) -> dict[str, Any] | None:
    """The button on screen that makes this move, if the screen shows it."""
    message = user._last_with_buttons()
    question = survey.question(key)
    wanted = {move.arg}
    if isinstance(question, ChoiceQuestion) and move.arg:
        # The screen names a choice by its id, or by its place when the id does not fit.
        ids = [c.id for c in question.choices]
        place = int(move.arg[1:]) if move.arg.startswith("#") else ids.index(move.arg)
        wanted |= {ids[place], f"#{place}"}
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


async def perform(user: FakeUser, bot: Bot, survey: Survey, move: Move, deliver: Deliver) -> None:
    """Make one move as a person would, through `deliver` (the user's, or a timed one)."""
    session, _ = await bot.services.surveys.current(user.id)
    assert session is not None
    if move.kind == "type":
        await deliver(user.message_update(move.text))
        return
    if move.kind == "locate":
        latitude, longitude = (float(x) for x in move.text.split())
        place = {"latitude": latitude, "longitude": longitude}
        await deliver(user.other_update("location", location=place))
        return
    seen: set[str] = set()
    while (button := _button(user, survey, session.cursor, move)) is None:
        # A long list: the choice is on a later page.
        page = _next_page(user)
        assert page is not None and page["callback_data"] not in seen, (
            f"no button for {move} on {session.cursor!r}: {user.buttons()}"
        )
        seen.add(page["callback_data"])
        await deliver(user.callback_update(page["callback_data"], user._last_with_buttons()))
    await deliver(user.callback_update(button["callback_data"], user._last_with_buttons()))


async def play_in_chat(
    bot: Bot, user: FakeUser, survey: Survey, seed: int, deliver: Deliver | None = None
) -> dict[str, Answer]:
    """Answer the open survey to the end; the answers the respondent gave, as the bot held
    them just before submitting."""
    rng = random.Random(seed)
    send: Deliver = deliver or (lambda update: user.deliver(update))
    last: dict[str, Answer] = {}
    for _ in range(3000):
        session, _ = await bot.services.surveys.current(user.id)
        if session is None:
            return last
        last = dict(session.answers)
        move = next_move(survey, session, rng)
        for part in move.then or (move,):
            await perform(user, bot, survey, part, send)
    raise AssertionError(f"{survey.id}: not finished")
