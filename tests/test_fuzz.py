"""Fuzzing the update path: thousands of generated updates through the real Application.

Each example is a few people (fresh ids) doing a list of things: typing arbitrary text (digits
of every script, huge numbers, commands with odd arguments), tapping the real buttons on
screen or old ones, tapping buttons whose data is forged or mutated, editing messages, sending
stickers and photos, letting time pass. Whatever they do:

- nothing is logged at ERROR (the apology-and-traceback path is never taken),
- Telegram is never sent a request it would refuse,
- every tap is answered and every message gets a reply (unknown commands too),
- the database holds only what an auditor would accept (see `_audit`).

One bot runs for the whole test, inside one event loop, because starting one per example costs
more than the example. `FUZZ_EXAMPLES` sets the number of examples (`make fuzz` runs 2000);
`FUZZ_SHRINK=1` shrinks a failure to its fewest doings.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.core import regions
from bot.core.survey import engine
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.loader import parse_survey
from bot.core.survey.model import (
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    TextQuestion,
    YesNoQuestion,
)
from bot.core.survey.parse import MAX_NUMBER
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import KINDS, Consent, PickSurvey, SurveyTap
from tests.conftest import TEST_SURVEYS
from tests.helpers import rows

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
# Shrinking a failure to the fewest doings replays it through the bot thousands of times
# (minutes), so it is asked for: FUZZ_SHRINK=1. Unshrunk, the failure still names the update.
PHASES = [Phase.explicit, Phase.generate] + (
    [Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []
)
SURVEY = parse_survey(TEST_SURVEYS / "all_types.yaml")

# -- what people send ------------------------------------------------------------------------

# Digits int() and float() accept (other scripts' decimal digits) and ones they refuse
# (superscripts, circled, fractions), with the separators and signs numbers are typed with.
DIGITS = "0123456789²³¹⁴①②⑩½٣٤۵३৪３４𝟓"
NUMBERISH = DIGITS + ".,-+ eE/:Rp_\u00a0"
PLAUSIBLE = [
    "5", "3", "0", "7", "8", "-1", "2,5", "12,5", "1.500.000", "Rp 16.800", "1/10/2025",
    "31/2/2025", "1/1/1990", "Kupang", "kota kupang", "Sleman", "xq", "Honda", "ya", "tidak",
    "Kurir", "2", "lainnya", "mungkin", "halo", "<b>x</b> & y",
]  # fmt: skip
COMMANDS = [
    "/start", "/survei", "/survey", "/batal", "/cancel", "/bahasa", "/language", "/bantuan",
    "/help", "/dataku", "/mydata", "/hapusdata", "/deletedata", "/privasi", "/privacy",
]  # fmt: skip
ODD = ["²", "①", "٣", "３", "-1", "--5", "-", "", "0", "00", "9" * 50, "x", REVIEW, "53.²",
       "53", "53.71", "99.99", "uji", "semua", "y", "n", ":", "q:1:c:kurir"]  # fmt: skip
# Forged data starts like each kind of button, or a little further in, or like none.
PREFIXES = ["", *(f"{kind.prefix}:" for kind in KINDS), "q:1:", "cs:y:"]


class Long(str):
    """A long text that a failing example prints in a few characters."""

    shown: str

    def __new__(cls, head: str, fill: str, times: int) -> Long:
        text = super().__new__(cls, head + fill * times)
        text.shown = f"{head!r} + {fill!r} * {times}"
        return text

    def __repr__(self) -> str:
        return self.shown


# What broke the bot once, or nearly: see tests/test_input_safety.py.
NASTY = [
    "²", "①", "5²", "²²", "⑩", "½", "9" * 400, "-" + "9" * 400, "1e999", "1e308*10", "inf",
    "nan", "-Infinity", "1_000", "0x10", "٣", "３", "𝟓", "١/١٠/٢٠٢٥", "²/①/2025", "1/10/" + "9" * 50,
]  # fmt: skip

texts = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(NASTY),
    st.text(alphabet=DIGITS, min_size=1, max_size=4),
    st.text(alphabet=NUMBERISH, min_size=1, max_size=12),
    st.text(min_size=1, max_size=40),  # any Unicode (Hypothesis leaves out lone surrogates)
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.floats().map(str),  # "inf", "nan", "1e+308", "-0.0"
    st.builds(Long, st.just("1"), st.just("0"), st.integers(10, 4000)),
    st.just(Long("", "x", 4096)),  # Telegram's longest message
).filter(lambda t: t.strip())  # Telegram sends no empty messages

commands = st.builds(
    lambda c, arg: f"{c} {arg}".rstrip(),
    st.sampled_from(COMMANDS),
    st.one_of(st.just(""), st.sampled_from(["uji", "UJI", "semua", *ODD]), st.text(max_size=20)),
)


def _fit(data: str) -> str:
    """Callback data as Telegram carries it: 1 to 64 bytes of UTF-8."""
    return data.encode()[:64].decode(errors="ignore") or "x"


forged = st.builds(lambda p, t: _fit(p + t), st.sampled_from(PREFIXES), st.text(max_size=64))

# Answers to each question, as typed text or as the action and argument of a button (or, with
# no survey open, agreeing to the notice and picking a survey), mostly good ones (a few just
# wrong): with these among the random doings, people get through the whole survey and submit it.
A = Action
GOOD: dict[str, list[tuple[str, str]]] = {
    "kerja": [(A.CHOOSE, "kurir"), (A.CHOOSE, "ojol"), (A.CHOOSE, "lainnya")],
    "platform": [(A.TOGGLE, "gojek"), (A.TOGGLE, "tidak_ada"), (A.TOGGLE, "lain"),
                 (A.DONE, ""), (A.DONE, "")],
    "merek_motor": [("text", "Honda"), ("text", "x" * 21)],
    "hari": [("text", "5"), ("text", "٣"), ("text", "7")],
    "jarak": [("text", "12,5"), (A.SKIP, ""), ("text", "1" + "0" * 400)],
    "bpjs": [(A.YES, ""), (A.NO, "")],
    "puas": [(A.SCALE, "4"), ("text", "5"), (A.SCALE, "1")],
    "mulai": [("text", "1/10/2025"), ("text", "١/١٠/٢٠٢٠")],
    "kota": [("text", "Kupang"), (A.REGENCY, "53.71"), (A.PROVINCE, "53"), (A.PAGE, "1"),
             (A.REGENCY, "53.01")],
    "saran": [("text", "Iuran lebih murah"), (A.SKIP, "")],
    REVIEW: [(A.SUBMIT, ""), (A.SUBMIT, ""), (A.EDIT, "hari"), (A.EDIT, "bpjs")],
    "other": [("text", "kuli angkut")],
    "confirm": [(A.CARRY_ON, ""), (A.STOP, "")],
    "none": [("agree", ""), ("pick", "semua"), ("text", "/start uji")],
}  # fmt: skip

# What one person does, with how often (in twentieths): good answers and real buttons weigh
# most, so people get deep into the survey and submit it, between all the odd things.
DOINGS: dict[str, tuple[int, tuple[st.SearchStrategy[Any], ...]]] = {
    "answer": (8, (st.integers(0, 40),)),
    "tap": (3, (st.integers(0, 40),)),  # a button on screen, any of them
    "text": (2, (texts,)),
    "command": (1, (commands,)),
    "old": (1, (st.integers(0, 40), st.integers(0, 40))),  # a button on an older message
    "mutate": (
        1,
        (st.integers(0, 40), st.integers(0, 3), st.sampled_from(ODD) | st.text(max_size=10)),
    ),
    "forged": (1, (forged,)),
    "edit": (1, (texts,)),
    "other": (1, (st.sampled_from(["sticker", "photo", "voice", "location"]),)),
    # A moment; a break that brings the question back; a longer one lets the response expire.
    "wait": (1, (st.sampled_from([1, 45, 45, 60 * 24 * 15]),)),
}
actions = st.sampled_from(
    [kind for kind, (weight, _) in DOINGS.items() for _ in range(weight)]
).flatmap(lambda kind: st.tuples(st.just(kind), *DOINGS[kind][1]))

person = st.fixed_dictionaries(
    {
        "language": st.sampled_from(["id", "en", "ar"]),
        "started": st.booleans(),  # agreed to the notice from the survey's link first
    }
)
# Who does what, in the order it reaches the bot: people's updates interleave.
doings = st.lists(st.tuples(st.integers(0, 2), actions), min_size=20, max_size=100)


# -- one example ------------------------------------------------------------------------------


class Errors(logging.Handler):
    """Every record at ERROR or above, from any logger, with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))


class Fuzz:
    def __init__(self, bot: Bot, settings: Settings, errors: Errors) -> None:
        self.bot = bot
        self.settings = settings
        self.errors = errors
        self.ids = itertools.count(1_000_000)
        self.updates = 0

    async def example(
        self, people: list[dict[str, Any]], doings: list[tuple[int, tuple[Any, ...]]]
    ) -> None:
        # Fresh people each example: examples stay independent, so a failure shrinks.
        users = [self.bot.user(next(self.ids), p["language"]) for p in people]
        self.errors.seen.clear()
        for user, p in zip(users, people, strict=True):
            if p["started"]:
                await self.deliver(user, user.message_update("/start uji"), reply=True)
                agree = "Agree" if user.language_code == "en" else "Setuju"
                await self.deliver(user, user.tap_update(agree), reply=True)
        for who, action in doings:
            await self.act(users[who % len(users)], action)
        assert not self.errors.seen, self.errors.seen
        refused = [(c.method, e.description) for c, e in self.bot.telegram.refusals]
        assert not refused, refused
        _audit(self.settings, self.bot.clock.now().astimezone(self.settings.zone).date())

    async def act(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        kind = action[0]
        if kind == "wait":
            self.bot.clock.advance(timedelta(minutes=action[1]))
        elif kind in {"text", "command"}:
            # Every text gets a reply, unknown commands included ("I don't know that command").
            await self.deliver(user, user.message_update(action[1]), reply=True)
        elif kind == "edit":
            update = user.message_update(action[1])
            update["edited_message"] = update.pop("message")
            await self.deliver(user, update, reply=True)
        elif kind == "other":
            await self.deliver(user, _other(user, action[1]), reply=True)
        elif kind == "answer":
            await self.answer(user, action[1])
        else:
            await self.tap(user, action)

    async def tap(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        shown = sorted(
            (m for m in user.messages if m.get("reply_markup")), key=lambda m: m["message_id"]
        )
        if not shown:  # nothing to tap yet: open the survey instead
            await self.deliver(user, user.message_update("/start uji"), reply=True)
            return
        kind = action[0]
        message = shown[-1] if kind != "old" else shown[action[2] % len(shown)]
        if kind == "forged":
            picked = action[1]
        else:
            data = [b["callback_data"] for row in _keyboard(message) for b in row]
            picked = data[action[1] % len(data)]
        if kind == "mutate":
            parts = picked.split(":")
            parts[action[2] % len(parts)] = action[3]
            picked = _fit(":".join(parts))
        await self.deliver(user, user.callback_update(picked, message), reply=True)

    async def answer(self, user: FakeUser, pick: int) -> None:
        """An answer to whatever is on screen, mostly a good one (see GOOD)."""
        found = rows(
            self.settings,
            "SELECT cursor, pending FROM responses WHERE user_id = ? AND status = 'in_progress'",
            (user.id,),
        )
        pending = json.loads(found[0]["pending"] or "{}") if found else {}
        where = "none" if not found else found[0]["cursor"]
        if pending.get("confirm_cancel"):
            where = "confirm"
        elif pending.get("other_of"):
            where = "other"
        move, arg = GOOD[where][pick % len(GOOD[where])]
        if move == "text":
            await self.deliver(user, user.message_update(arg), reply=True)
            return
        for message in reversed(sorted(user.messages, key=lambda m: m["message_id"])):
            for button in (b for row in _keyboard(message) for b in row):
                data = button["callback_data"]
                if _means(data, move, arg):
                    await self.deliver(user, user.callback_update(data, message), reply=True)
                    return
            if message.get("reply_markup"):
                break  # only the latest keyboard is what is on screen
        await self.tap(user, ("tap", pick))

    async def deliver(self, user: FakeUser, update: dict[str, Any], *, reply: bool) -> None:
        calls = len(self.bot.telegram.calls)
        await user.deliver(update)
        self.updates += 1
        made = self.bot.telegram.calls[calls:]
        query = update.get("callback_query")
        if query is not None:
            answered = [
                c
                for c in made
                if c.method == "answerCallbackQuery"
                and str(c.params["callback_query_id"]) == query["id"]
            ]
            assert answered, f"tap {query['data']!r} was never answered"
        elif reply:
            to_chat = [c for c in made if str(c.params.get("chat_id")) == str(user.id)]
            assert to_chat, f"no reply to {update}"


def _keyboard(message: dict[str, Any]) -> list[list[dict[str, str]]]:
    return list((message.get("reply_markup") or {}).get("inline_keyboard", []))


def _means(data: str, move: str, arg: str) -> bool:
    """Whether a button's data is `move` with `arg` (see GOOD)."""
    if move == "agree":
        consent = Consent.unpack(data)
        return consent is not None and consent.agree
    if move == "pick":
        return PickSurvey.unpack(data) == PickSurvey(arg)
    tap = SurveyTap.unpack(data)
    return tap is not None and (tap.action, tap.arg) == (move, arg)


def _other(user: FakeUser, kind: str) -> dict[str, Any]:
    # A photo's caption is text too, of the kind that broke number parsing.
    return user.other_update(kind, **({"caption": "²"} if kind == "photo" else {}))


# -- what an auditor checks ---------------------------------------------------------------------


def _audit(settings: Settings, today: date) -> None:
    """The database as a data-protection auditor would read it."""
    orphans = rows(
        settings,
        "SELECT r.status, a.question_id FROM answers a LEFT JOIN responses r "
        "ON r.id = a.response_id WHERE r.id IS NULL OR r.status NOT IN ('in_progress', 'submitted')",
    )
    assert not orphans, "answers kept of a cancelled, expired or missing response"
    twice = rows(
        settings,
        "SELECT user_id FROM responses WHERE status = 'in_progress' "
        "GROUP BY user_id HAVING COUNT(*) > 1",
    )
    assert not twice, "more than one survey in progress for one person"
    unconsented = rows(
        settings,
        "SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.user_id = u.id) "
        "UNION SELECT r.user_id FROM responses r WHERE r.user_id NOT IN (SELECT id FROM users)",
    )
    assert not unconsented, "something stored about a person who never agreed"
    responses = rows(settings, "SELECT id, status, cursor, pending FROM responses")
    stored: dict[int, dict[str, Answer]] = {r["id"]: {} for r in responses}
    for a in rows(settings, "SELECT response_id, question_id, value, other FROM answers"):
        value = None if a["value"] is None else json.loads(a["value"])
        stored[a["response_id"]][a["question_id"]] = Answer(value, a["other"])
    for response in responses:
        answers = stored[response["id"]]
        assert response["cursor"] == REVIEW or SURVEY.question(response["cursor"]), response
        assert isinstance(json.loads(response["pending"] or "{}"), dict)
        for question_id, answer in answers.items():
            question = SURVEY.question(question_id)
            assert question is not None, question_id
            problem = _unfit(question, answer, today)
            assert problem is None, f"{question_id}: {problem} ({answer})"
        if response["status"] == "submitted":
            assert not engine.missing_required(SURVEY, answers), answers
            kept = engine.relevant_answers(SURVEY, answers)
            assert set(answers) == set(kept), "answers to questions the skip logic hides"


def _unfit(q: Question, answer: Answer, today: date) -> str | None:
    """Why a stored answer could not have come from the survey's own rules, or None."""
    value = answer.value
    if value is None:
        return "a required question skipped" if q.required else None
    if answer.other is not None and not (isinstance(q, SingleChoice | MultiChoice)):
        return "an 'other' text on a question without choices"
    if isinstance(q, SingleChoice):
        choice = q.choice(value) if isinstance(value, str) else None
        if choice is None:
            return "not one of the choices"
        return None if (answer.other is not None) == choice.other else "'other' text mismatch"
    if isinstance(q, MultiChoice):
        picked = [q.choice(c) for c in value] if isinstance(value, list) else [None]
        if not picked or None in picked or len(set(value)) != len(value):
            return "not a set of the choices"
        if len(picked) > (q.max_choices or len(q.choices)):
            return "more choices than allowed"
        return None
    if isinstance(q, TextQuestion):
        ok = isinstance(value, str) and q.min_length <= len(value) <= q.max_length
        return None if ok else "text of the wrong length"
    if isinstance(q, IntegerQuestion | DecimalQuestion):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "not a number"
        if isinstance(q, IntegerQuestion) and not isinstance(value, int):
            return "not a whole number"
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            return "not a finite number"
        low = -math.inf if q.min is None else q.min
        high = math.inf if q.max is None else q.max
        return None if low <= value <= high else "out of range"
    if isinstance(q, YesNoQuestion):
        return None if isinstance(value, bool) else "not yes or no"
    if isinstance(q, ScaleQuestion):
        ok = isinstance(value, int) and not isinstance(value, bool) and q.min <= value <= q.max
        return None if ok else "not a point of the scale"
    if isinstance(q, DateQuestion):
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            return "not a date"
        earliest = q.min_date if isinstance(q.min_date, date) else date.min
        # "today" as the bot saw it when the answer came; time only moves on since.
        return None if earliest <= day <= today else "date out of range"
    if isinstance(q, RegionQuestion):
        region = regions.by_code(value) if isinstance(value, str) else None
        if region is None:
            return "not a region"
        return None if ("." in region.code) == (q.level == "regency") else "wrong kind of region"
    return "unknown question type"


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def test_fuzz_the_update_path(tmp_path: Path, errors: Errors) -> None:
    config = harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS)
    with asyncio.Runner() as runner:
        started = running_bot(config)
        bot = runner.run(started.__aenter__())
        try:
            fuzz = Fuzz(bot, config, errors)

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,  # the same examples on every machine and every run
                database=None,
                phases=PHASES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(st.lists(person, min_size=1, max_size=3), doings)
            def example(
                people: list[dict[str, Any]], doings: list[tuple[int, tuple[Any, ...]]]
            ) -> None:
                runner.run(fuzz.example(people, doings))

            example()
        finally:
            runner.run(started.__aexit__(None, None, None))
    assert not errors.seen, errors.seen  # stopping, too
    # Enough updates to mean something, whatever Hypothesis chose to generate.
    assert fuzz.updates >= 10 * EXAMPLES, fuzz.updates
