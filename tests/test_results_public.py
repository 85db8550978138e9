"""Interim results for the people who answered: after submitting a survey with public questions,
a button shows them as text and as the chart staff see, for everyone or the person's own
province, with the same small-group rule as /hasil; nobody else sees them."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.core.results.tally import public
from bot.core.text import pick
from bot.testing.harness import Bot, FakeUser
from handlers.buttons import ResultsPublic
from tests.helpers import consent, no_refusals, pelatihan_shortest
from tests.test_results import PNG, SURVEYS, db_counts, photos_after, since_id
from tests.test_results_data import seed

SURVEY = SURVEYS["pelatihan"]
TOPIK = public(SURVEY)[0]


def bar_lines(text: str, locale: str) -> dict[str, int]:
    """The bars of the public question in a message, by label: its count."""
    labels = {pick(c.label, locale) for c in TOPIK.choices}
    found = {}
    for line in text.split("\n"):
        label, _, figures = line.removeprefix("• ").rpartition(": ")
        if line.startswith("• ") and label in labels:
            found[label] = int(figures.split("(")[1].rstrip(")"))
    return found


def expected(settings: Settings, locale: str, province: str = "") -> dict[str, int]:
    _, tally = db_counts(settings, SURVEY, TOPIK.id, province)
    return {pick(c.label, locale): tally.get(c.id, 0) for c in TOPIK.choices}


async def answer(user: FakeUser) -> None:
    await consent(user, "pelatihan")
    await pelatihan_shortest(user)  # from Kota Kupang
    await user.tap("Kirim")


def toast(bot: Bot) -> Any:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


async def test_respondents_see_interim_results_for_everyone_and_their_province(
    bot: Bot, settings: Settings
) -> None:
    # Ten in Bandung, two in Kota Kupang: with the person below, three in their province.
    seed(settings, SURVEY, {"32.73": 10, "53.71": 2}, bot.clock.now(), first_user=50_000)
    user = bot.user(701)
    await answer(user)
    assert user.buttons()[0] == "📊 Lihat hasil sementara"
    first = since_id(user)
    await user.tap("📊 Lihat hasil sementara")
    shown = next(m for m in user.messages if m["message_id"] > first)
    lines = shown["text"].split("\n")
    assert lines[0] == "📊 Hasil sementara: " + pick(SURVEY.title, "id")
    assert lines[1] == "Semua responden · 13 orang"
    assert bar_lines(shown["text"], "id") == expected(settings, "id")
    assert sum(bar_lines(shown["text"], "id").values()) >= 13
    assert lines[-1] == "Hasil ini dapat berubah seiring bertambahnya jawaban."
    [photo] = photos_after(user, first)
    assert photo["upload"].content.startswith(PNG)
    assert photo["caption"].startswith(TOPIK.short["id"] if TOPIK.short else "")
    assert user.buttons(shown) == ["📍 Hanya Nusa Tenggara Timur"]

    # Their province has three respondents: fewer than five, so nothing is broken down.
    first = since_id(user)
    await user.tap("📍 Hanya Nusa Tenggara Timur", shown)
    mine = next(m for m in user.messages if m["message_id"] > first)
    assert mine["text"].split("\n")[1] == "Responden di Nusa Tenggara Timur · 3 orang"
    assert "Responden di sini kurang dari 5: hasil tidak dirinci" in mine["text"]
    assert bar_lines(mine["text"], "id") == {}
    assert photos_after(user, first) == []
    assert user.buttons(mine) == ["🇮🇩 Seluruh Indonesia"]

    # Two more answer from Kupang: now five there, and the province's results are shown.
    seed(settings, SURVEY, {"53.71": 2}, bot.clock.now(), first_user=60_000)
    first = since_id(user)
    await user.tap("📍 Hanya Nusa Tenggara Timur", shown)
    mine = next(m for m in user.messages if m["message_id"] > first)
    assert mine["text"].split("\n")[1] == "Responden di Nusa Tenggara Timur · 5 orang"
    assert bar_lines(mine["text"], "id") == expected(settings, "id", province="53")
    assert len(photos_after(user, first)) == 1


async def test_interim_results_in_english(bot: Bot, settings: Settings) -> None:
    seed(settings, SURVEY, {"32.73": 6}, bot.clock.now(), first_user=70_000)
    user = bot.user(702)
    await answer(user)
    offer = user.last
    # English chosen after answering: the button under the thanks answers in English.
    await user.send("/language")
    await user.tap("English")
    first = since_id(user)
    await user.tap("📊 Lihat hasil sementara", offer)
    shown = next(m for m in user.messages if m["message_id"] > first)
    assert shown["text"].startswith("📊 Interim results: " + pick(SURVEY.title, "en"))
    assert "All respondents · 7 people" in shown["text"]
    assert bar_lines(shown["text"], "en") == expected(settings, "en")
    assert len(photos_after(user, first)) == 1
    assert user.buttons(shown) == ["📍 Only Nusa Tenggara Timur"]


async def test_too_few_respondents_overall_and_only_for_respondents(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(703)
    await answer(user)
    first = since_id(user)
    await user.tap("📊 Lihat hasil sementara")
    shown = next(m for m in user.messages if m["message_id"] > first)
    assert "Semua responden · 1 orang" in shown["text"]
    assert "Responden di sini kurang dari 5: hasil tidak dirinci" in shown["text"]
    assert photos_after(user, first) == []

    # Someone who has not answered the survey (a forwarded or forged button): nothing shown.
    seed(settings, SURVEY, {"32.73": 10}, bot.clock.now(), first_user=80_000)
    visitor = bot.user(704)
    await visitor.send("/start")
    mark = since_id(visitor)
    for mine in (False, True):
        data = ResultsPublic(SURVEY.id, mine).pack()
        await visitor.deliver(visitor.callback_update(data, visitor.last))
        assert toast(bot) == "Hasil hanya ditampilkan kepada yang sudah mengisi survei ini."
    # A survey with no public question, or one that does not exist.
    for data in (ResultsPublic("tidakada", False).pack(), "rsp:pelatihan:x"):
        await user.deliver(user.callback_update(data, user.last))
        assert toast(bot) == "Tombol ini sudah tidak berlaku."
    assert [m for m in visitor.messages if m["message_id"] > mark] == []
    no_refusals(bot)
