"""Input that raised once: odd digits, huge numbers, forged button data. Each gets a polite
validation message or the stale-button note, never the apology and a logged traceback.

Each row names where the person is (a question of the all-types survey), what they send and
the validation code (or note) they must get back, through the real Application.
"""

from __future__ import annotations

import logging
from datetime import date
from html import unescape
from typing import Any

import pytest

from bot.core.survey.loader import parse_survey
from bot.core.survey.model import DecimalQuestion, IntegerQuestion, Question
from bot.core.survey.parse import Invalid, ascii_digits, parse_number, parse_typed
from bot.testing.harness import Bot, FakeUser
from conversations.survey import render
from handlers.buttons import SurveyTap
from tests.conftest import TEST_SURVEYS
from tests.helpers import answers, consent

SURVEY = parse_survey(TEST_SURVEYS / "all_types.yaml")
TODAY = date(2026, 1, 15)
APOLOGY = "ada kendala"

# How to get from each question of the all-types survey to the next one, as a courier.
PATH: dict[str, list[tuple[str, str]]] = {
    "kerja": [("tap", "Kurir")],
    "platform": [("tap", "Tidak ada"), ("tap", "Selesai")],
    "hari": [("send", "5")],
    "jarak": [("tap", "Lewati")],
    "bpjs": [("tap", "Ya")],
    "puas": [("tap", "4")],
    "mulai": [("send", "1/10/2025")],
    "kota": [("send", "Kota Kupang"), ("tap", "Kota Kupang")],
    "saran": [("tap", "Lewati")],
}


async def _at(bot: Bot, where: str, user_id: int = 1) -> FakeUser:
    """A person who agreed and answered everything before `where` (a question id, or review)."""
    user = bot.user(user_id)
    await consent(user, "uji")
    for question, steps in PATH.items():
        if question == where:
            return user
        for kind, value in steps:
            await (user.tap(value) if kind == "tap" else user.send(value))
    assert where == "review", where
    return user


def _rev(user: FakeUser) -> int:
    """The revision the survey buttons on screen carry."""
    for row in user.last["reply_markup"]["inline_keyboard"]:
        for button in row:
            tap = SurveyTap.unpack(button["callback_data"])
            if tap is not None:
                return tap.rev
    raise AssertionError("no survey buttons on screen")


def _expected(bot: Bot, where: str, code: str, params: dict[str, Any]) -> str:
    """The validation message for `code`, in Indonesian, as the person reads it."""
    _ = bot.services.i18n.gettext("id")
    question = SURVEY.question(where)  # None on the review
    return unescape(render.error_text(Invalid(code, params), question, "id", _))


def _toast(bot: Bot) -> str:
    return str(bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


def _no_trouble(user: FakeUser, caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not loud, [r.getMessage() for r in loud]
    assert not any(APOLOGY in str(m["text"]) for m in user.messages)


HUGE = "9" * 400
HARI = {"min": 1, "max": 7}
JARAK = {"min": 0, "max": 500}
PUAS = {"min": 1, "max": 5}

TYPED = [
    # (where, typed, code, params)
    ("kerja", "²", "choice.buttons", {}),
    ("kerja", "①", "choice.buttons", {}),
    ("kerja", HUGE, "choice.buttons", {}),
    ("hari", "²", "number.nan", {}),
    ("hari", "①", "number.nan", {}),
    ("hari", "5²", "number.nan", {}),
    ("hari", HUGE, "number.range", HARI),
    ("hari", "-" + HUGE, "number.range", HARI),
    ("hari", "1" + "0" * 400 + ",5", "number.range", HARI),
    ("hari", "1e999", "number.nan", {}),
    ("hari", "1e308*10", "number.nan", {}),
    ("hari", "inf", "number.nan", {}),
    ("hari", "-Infinity", "number.nan", {}),
    ("hari", "nan", "number.nan", {}),
    ("hari", "1_000", "number.nan", {}),
    ("jarak", "²", "number.nan", {}),
    ("jarak", "①,5", "number.nan", {}),
    ("jarak", HUGE, "number.range", JARAK),
    ("jarak", HUGE + ",5", "number.range", JARAK),
    ("jarak", "1e999", "number.nan", {}),
    ("jarak", "nan", "number.nan", {}),
    ("puas", "²", "scale.range", PUAS),
    ("puas", "①", "scale.range", PUAS),
    ("puas", HUGE, "scale.range", PUAS),
    ("puas", "-3", "scale.range", PUAS),
    ("mulai", "²/①/2025", "date.format", {}),
    ("mulai", "1/10/" + HUGE, "date.format", {}),
]


@pytest.mark.parametrize(("where", "typed", "code", "params"), TYPED)
async def test_typed_input_gets_a_validation_message(
    mini: Bot,
    caplog: pytest.LogCaptureFixture,
    where: str,
    typed: str,
    code: str,
    params: dict[str, Any],
) -> None:
    user = await _at(mini, where)
    await user.send(typed)
    assert _expected(mini, where, code, params) in user.text
    assert where not in answers(mini.services.settings, 1)
    _no_trouble(user, caplog)


# Decimal digits of other scripts mean the same number, so they are taken as typed.
OTHER_DIGITS = [
    ("hari", "٣", 3),  # Arabic-Indic
    ("hari", "３", 3),  # full-width
    ("jarak", "１２,５", 12.5),
    ("puas", "٤", 4),
    ("mulai", "١/١٠/٢٠٢٥", "2025-10-01"),
    ("kerja", "２", "kurir"),
]


@pytest.mark.parametrize(("where", "typed", "stored"), OTHER_DIGITS)
async def test_decimal_digits_of_other_scripts_are_numbers(
    mini: Bot, caplog: pytest.LogCaptureFixture, where: str, typed: str, stored: object
) -> None:
    user = await _at(mini, where)
    await user.send(typed)
    assert answers(mini.services.settings, 1)[where] == stored
    _no_trouble(user, caplog)


STALE = "Tombol ini sudah tidak berlaku"
STAY = "Sudah tercatat. Silakan lanjut di bawah."

# `{rev}` is the revision of the buttons on screen: the forged part is what follows it.
TAPPED = [
    # (where, callback data, expected: a validation code, or the note the tap gets)
    ("kerja", "q:²:c:ojol", STALE),
    ("kerja", "q:①:c:ojol", STALE),
    ("kerja", "q:٣:c:ojol", STALE),
    ("kerja", "q:" + "9" * 60 + ":c:x", STALE),
    ("kerja", "q:-1:c:ojol", STALE),
    ("kerja", "q::c:ojol", STALE),
    ("kerja", "q:{rev}:c:²", "choice.buttons"),
    ("kerja", "q:{rev}:zz:", STALE),  # an action no button carries: refused by SurveyTap.unpack
    ("platform", "q:{rev}:t:①", "choice.buttons"),
    ("puas", "q:{rev}:v:²", "scale.range"),
    ("puas", "q:{rev}:v:①", "scale.range"),
    ("puas", "q:{rev}:v:--5", "scale.range"),
    ("puas", "q:{rev}:v:-", "scale.range"),
    ("puas", "q:{rev}:v:" + "9" * 50, "scale.range"),
    ("puas", "q:{rev}:v:", "scale.range"),
    ("kota", "q:{rev}:pg:--5", STAY),
    ("kota", "q:{rev}:pg:²", STAY),
    ("kota", "q:{rev}:pg:-5", STAY),
    ("kota", "q:{rev}:pg:" + "9" * 50, STAY),
    ("kota", "q:{rev}:pv:²", STAY),
    ("kota", "q:{rev}:rg:53.²", STAY),
    ("kota", "q:{rev}:rg:" + "5" * 50 + ".71", STAY),
    ("review", "q:{rev}:e:²", "review.buttons"),
    # Buttons no handler knows (an older version of the bot, or forged) are answered too.
    ("kerja", "zz:top", STALE),
    ("kerja", "²", STALE),
]


@pytest.mark.parametrize(("where", "data", "expected"), TAPPED)
async def test_button_data_gets_a_validation_message_or_the_stale_note(
    mini: Bot, caplog: pytest.LogCaptureFixture, where: str, data: str, expected: str
) -> None:
    user = await _at(mini, where)
    before = answers(mini.services.settings, 1)
    await user.deliver(user.callback_update(data.format(rev=_rev(user)), user.last))
    if expected in render.ERRORS:
        params = PUAS if expected == "scale.range" else {}
        expected = _expected(mini, where, expected, params)
    assert expected in _toast(mini)
    assert answers(mini.services.settings, 1) == before
    _no_trouble(user, caplog)


@pytest.mark.parametrize("data", ["cs:²", "cs:y:²²", "sv:①", "lang:²", "erase:²"])
async def test_other_buttons_with_odd_data(
    mini: Bot, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    """Every tap is answered (the spinner stops), whatever its data says."""
    user = await _at(mini, "kerja")
    taps = len(mini.telegram.calls_to("answerCallbackQuery"))
    await user.deliver(user.callback_update(data, user.last))
    assert len(mini.telegram.calls_to("answerCallbackQuery")) == taps + 1
    _no_trouble(user, caplog)


@pytest.mark.parametrize("command", ["/start ²²", "/start ①", "/start " + HUGE, "/survei ²"])
async def test_commands_with_odd_arguments(
    mini: Bot, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    user = await _at(mini, "hari")
    await user.send(command)
    assert "hari kerja" in user.text  # the question on screen, again
    _no_trouble(user, caplog)


# -- the same inputs to the parsing itself, without a bot -------------------------------------


def _q(question_id: str) -> Question:
    question = SURVEY.question(question_id)
    assert question is not None
    return question


@pytest.mark.parametrize(("where", "typed", "code", "params"), TYPED)
def test_parse_typed_says_why(where: str, typed: str, code: str, params: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as caught:
        parse_typed(_q(where), typed, "id", TODAY)
    assert (caught.value.code, caught.value.params) == (code, params)


@pytest.mark.parametrize(("where", "typed", "stored"), OTHER_DIGITS)
def test_parse_typed_reads_other_scripts_digits(where: str, typed: str, stored: object) -> None:
    assert parse_typed(_q(where), typed, "id", TODAY) == stored


@pytest.mark.parametrize(
    ("text", "digits"),
    [("٣", "3"), ("３４", "34"), ("۱۲", "12"), ("5", "5"), ("²", "²"), ("①", "①"), ("x٣", "x3")],
)
def test_ascii_digits(text: str, digits: str) -> None:
    assert ascii_digits(text) == digits


@pytest.mark.parametrize(
    "text",
    ["²", "①", "5²", "1e999", "1e308*10", "inf", "-inf", "nan", "NaN", "Infinity", "0x10", "1_0"],
)
def test_parse_number_refuses_what_is_not_a_plain_number(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_number(text, "id")
    assert caught.value.code == "number.nan"


UNBOUNDED = [
    IntegerQuestion.model_validate({"type": "integer", "id": "n", "text": {"id": "n"}}),
    DecimalQuestion.model_validate({"type": "decimal", "id": "d", "text": {"id": "d"}}),
]


@pytest.mark.parametrize("question", UNBOUNDED, ids=["integer", "decimal"])
@pytest.mark.parametrize("text", [HUGE, "-" + HUGE, "1" + "0" * 20, "1.000.000.000.000.000.000"])
def test_numbers_beyond_any_sensible_answer_are_too_large(question: Question, text: str) -> None:
    """Without bounds in the survey file, a number still has to fit what is stored and shown."""
    with pytest.raises(Invalid) as caught:
        parse_typed(question, text, "id", TODAY)
    assert caught.value.code == "number.too_large"


@pytest.mark.parametrize("question", UNBOUNDED, ids=["integer", "decimal"])
def test_large_but_sensible_numbers_are_kept(question: Question) -> None:
    assert parse_typed(question, "Rp 150.000.000.000", "id", TODAY) == 150_000_000_000
