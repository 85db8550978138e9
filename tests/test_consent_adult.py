"""UU PDP Pasal 25: a child's data needs a parent's or guardian's consent, which the bot cannot
collect. Every consent notice asks "18 or over?" as part of agreeing; whoever says they are
under 18 is thanked, told why, and nothing about them is stored, not even that answer."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.services.people import CONSENT_VERSION, EVENTS_PURPOSE
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from handlers.buttons import Consent, EventConsent, WishConsent
from tests.helpers import answers, clock_at, consent, no_refusals, rows
from tests.test_event_registration import open_haki
from tests.test_events_chat import NOW, store

CHILD = 918273645  # an id that cannot be mistaken for any other number in the database
UNDER_18 = "Saya di bawah 18 tahun"
ADULT = "Setuju, saya 18 tahun ke atas"


def traces_of(settings: Settings, person: int) -> list[str]:
    """Every row of every table that holds the person's id anywhere (a column equal to it, or
    text containing it: an update's body), read as an auditor would."""
    conn = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # The id as a whole number: a timestamp's microseconds (".391016") can hold its digits.
        whole = re.compile(rf"(?<!\d){person}(?!\d)")
        found = []
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                if any(v == person or (isinstance(v, str) and whole.search(v)) for v in row):
                    found.append(f"{table}: {row}")
        return found
    finally:
        conn.close()


@pytest.fixture
async def events(settings: Settings) -> AsyncIterator[Bot]:
    """The bot at NOW with the example events imported."""
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        await store(running)
        yield running


def under_18_said(text: str) -> bool:
    return (
        "Terima kasih" in text
        and "18 tahun" in text
        and "orang tua atau wali" in text
        and "tidak ada data Anda yang kami simpan" in text
    )


async def test_the_survey_notice_asks_18_or_over_in_one_tap(bot: Bot) -> None:
    user = bot.user(701)
    await user.send("/start bpjs")
    assert user.buttons() == [ADULT, UNDER_18, "Tidak setuju"]
    assert "Hanya untuk usia 18 tahun ke atas." in user.text
    english = bot.user(702, "en")
    await english.send("/start")
    assert english.buttons() == ["I agree, I am 18 or over", "I am under 18", "I don't agree"]
    await user.tap(ADULT)
    (agreed,) = rows(bot.services.settings, "SELECT * FROM consents WHERE user_id = 701")
    assert (agreed["purpose"], agreed["version"]) == ("survey", CONSENT_VERSION)
    assert any("menyatakan berusia 18 tahun ke atas" in m["text"] for m in user.messages)
    no_refusals(bot)


async def test_under_18_at_every_notice_stores_nothing_in_any_table(tmp_path: Path) -> None:
    """The survey notice, the events notice and the wishes notice: each "under 18" is thanked
    and told why; afterwards no table holds the person's id, not even in a handled update."""
    settings = harness.test_settings(tmp_path)
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await store(bot)
        child = bot.user(CHILD)
        await child.send("/start bpjs")
        await child.tap(UNDER_18)
        assert under_18_said(child.text)
        assert settings.controller_contact in child.text
        assert child.buttons() == []  # the notice became the answer: no button left to tap
        assert "/hapusdata" not in child.text  # nothing was ever given, nothing to delete
        # The events notice, before a registration.
        await open_haki(child)
        await child.tap("📝 Daftar")
        assert "Hanya untuk usia 18 tahun ke atas." in child.text
        await child.tap(UNDER_18)
        assert under_18_said(child.text)
        # The wishes notice, under a question no event answers.
        await child.send("pelatihan menjahit di kupang")
        await child.tap("🔔 Beri tahu saya")
        await child.tap(UNDER_18)
        assert under_18_said(child.text)
        await child.send("/dataku")
        assert child.text == "Kami tidak menyimpan data apa pun tentang Anda."
        # Asked again next time: the answer was not remembered either.
        await child.send("/start")
        assert UNDER_18 in child.buttons()
        adult = bot.user(CHILD + 1)  # the auditor's read does find someone who agreed
        await consent(adult, "bpjs")
        no_refusals(bot)
    assert traces_of(settings, CHILD) == []
    assert traces_of(settings, CHILD + 1) != []


async def test_an_adult_who_says_under_18_later_is_told_how_to_delete(events: Bot) -> None:
    """Someone who agreed to the survey as an adult and then says "under 18" at the events
    notice is not registered and is told /hapusdata deletes what they gave; nothing is
    deleted behind their back, and no events consent is recorded."""
    bot = events
    user = bot.user(703)
    await consent(user, "bpjs")
    await user.tap("25–34 tahun")
    given = answers(bot.services.settings, 703)
    assert given
    await open_haki(user)
    await user.tap("📝 Daftar")
    await user.tap(UNDER_18)
    assert under_18_said(user.text) and "/hapusdata" in user.text
    purposes = rows(bot.services.settings, "SELECT purpose FROM consents WHERE user_id = 703")
    assert [p["purpose"] for p in purposes] == ["survey"]
    assert not await bot.services.people.has_consented(703, EVENTS_PURPOSE)
    assert answers(bot.services.settings, 703) == given
    assert rows(bot.services.settings, "SELECT * FROM registrations") == []
    no_refusals(bot)


async def test_a_forged_under_18_button_is_no_longer_active(bot: Bot) -> None:
    user = bot.user(704)
    await user.send("/start")
    for data in ("minor:", "minor:school", "minor"):
        await user.deliver(user.callback_update(data, user.last))
        toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
        assert toast == "Tombol ini sudah tidak berlaku."
    assert traces_of(bot.services.settings, 704) == []
    no_refusals(bot)


def old_notice(bot: Bot, person: int, agree: str, disagree: str) -> dict[str, Any]:
    """A notice as sent before the age check: two buttons, no "under 18"."""
    buttons = [[{"text": "Setuju", "callback_data": agree}]]
    buttons.append([{"text": "Tidak setuju", "callback_data": disagree}])
    params = {"chat_id": person, "text": "Setuju?", "reply_markup": {"inline_keyboard": buttons}}
    return bot.telegram._m_sendMessage(params)


async def test_agree_on_a_notice_from_before_the_age_check_shows_the_new_one(
    events: Bot,
) -> None:
    """Agreeing there said nothing about age, and consent is recorded to the current notice:
    the current notice is shown instead, and nothing is stored until it is agreed to."""
    bot = events
    user = bot.user(705)
    haki = await bot.services.events.catalog.by_slug("haki-kupang-2026-12")
    assert haki is not None and haki.id is not None
    taps = [
        (Consent.agreeing("bpjs"), Consent(agree=False)),
        (EventConsent(True, haki.id), EventConsent(False, haki.id)),
        (WishConsent(True, "pelatihan menjahit kupang"), WishConsent(False)),
    ]
    for agree, disagree in taps:
        message = old_notice(bot, 705, agree.pack(), disagree.pack())
        await user.deliver(user.callback_update(agree.pack(), message))
        toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
        assert toast == "Pemberitahuan ini sudah diperbarui. Silakan baca yang baru di bawah."
        assert user.buttons() == [ADULT, UNDER_18, "Tidak setuju"]
        assert traces_of(bot.services.settings, 705) == []
    await user.tap(ADULT)  # the wish's new notice, agreed to: kept
    assert user.text.startswith("🔔 Baik")
    no_refusals(bot)
