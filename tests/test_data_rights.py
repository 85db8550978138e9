"""/hapusdata withdraws one purpose at a time (UU PDP: each was agreed to apart): its data goes
with its consent, the rest stays; whoever is left with no purpose is erased altogether. Through
the real Application; the database is read as an auditor would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.services.people import EVENTS_PURPOSE, WISHES_PURPOSE
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import Withdraw
from tests.helpers import clock_at, consent, no_refusals, rows
from tests.test_event_registration import daftar, registrations, set_capacity
from tests.test_events_chat import NOW, store

EVERYTHING = "Ya, hapus semua"
SURVEY = "Hanya jawaban survei saya"
EVENTS = "Hanya pendaftaran acara saya"
WISHES = "Hanya pemberitahuan acara yang saya minta"
KEEP = "Tidak, simpan"


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def with_everything(bot: Bot, user: FakeUser) -> None:
    """A survey under way, a seat at the HAKI workshop, and a wish kept."""
    await consent(user, "bpjs")
    await user.tap("25–34 tahun")
    await daftar(user)
    await bot.services.people.consent(user.id, "id", WISHES_PURPOSE)
    assert await bot.services.event_search.keep_wish(user.id, "pelatihan menjahit kupang")


def purposes(settings: Settings, user_id: int) -> list[tuple[str, bool]]:
    found = rows(
        settings,
        "SELECT purpose, withdrawn_at IS NOT NULL AS gone FROM consents WHERE user_id = ? "
        "ORDER BY id",
        (user_id,),
    )
    return [(r["purpose"], bool(r["gone"])) for r in found]


async def test_withdrawing_events_keeps_answers_and_wishes_and_passes_the_seat_on(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    await set_capacity(bot, 1)
    user, waiting = bot.user(601), bot.user(602)
    await with_everything(bot, user)
    await daftar(waiting)
    assert registrations(settings) == [(601, "confirmed"), (602, "waiting")]

    choices = await user.send("/hapusdata")
    assert user.text == "Apa yang ingin Anda hapus? Data yang dihapus tidak dapat dikembalikan."
    assert user.buttons() == [EVERYTHING, SURVEY, EVENTS, WISHES, KEEP]
    await user.tap(EVENTS)
    assert user.text == (
        "Selesai: “Hanya pendaftaran acara saya” sudah dihapus, beserta persetujuan Anda untuk "
        "itu. Data lainnya tetap disimpan; lihat dengan /dataku."
    )
    # The seat went to the one waiting (told by a job), and no row of 601's is left.
    assert registrations(settings) == [(602, "confirmed")]
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()
    told = [m.get("text", "") for m in bot.user(602).messages]
    assert any(text.startswith("Kabar baik: ada kursi kosong") for text in told)
    assert purposes(settings, 601) == [("survey", False), ("events", True), ("wishes", False)]
    assert rows(settings, "SELECT * FROM responses WHERE user_id = 601")
    assert rows(settings, "SELECT * FROM event_wishes WHERE user_id = 601")
    # The old button does nothing twice; registering again asks for consent again.
    await user.deliver(user.callback_update(Withdraw(EVENTS_PURPOSE).pack(), choices))
    assert bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text") == (
        "Tombol ini sudah tidak berlaku."
    )
    await user.send("/dataku")
    assert "Pendaftaran acara" not in user.text and "menjahit" in user.text
    await daftar(user)
    assert (EVENTS_PURPOSE, False) in purposes(settings, 601)[3:]


async def test_withdrawing_the_survey_deletes_the_answers_and_the_open_response(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(611)
    await with_everything(bot, user)
    await user.send("/hapusdata")
    await user.tap(SURVEY)
    assert rows(settings, "SELECT * FROM responses WHERE user_id = 611") == []
    assert rows(settings, "SELECT * FROM answers") == []
    assert registrations(settings) == [(611, "confirmed")]
    # No survey is open any more: typed text is not taken as an answer.
    await user.send("/survei")
    assert "Setuju, saya 18 tahun ke atas" in user.buttons()  # the survey notice is asked again


async def test_the_last_purpose_withdrawn_erases_the_person(bot: Bot, settings: Settings) -> None:
    await store(bot)
    user = bot.user(621)
    await daftar(user)
    await bot.services.people.consent(621, "id", WISHES_PURPOSE)
    await user.send("/hapusdata")
    choices = user.last
    assert user.buttons() == [EVERYTHING, EVENTS, WISHES, KEEP]
    await user.tap(WISHES, choices)
    assert rows(settings, "SELECT * FROM users WHERE id = 621")
    # The only purpose left, from the same (now edited) message: nothing else is kept either.
    await user.deliver(user.callback_update(Withdraw(EVENTS_PURPOSE).pack(), choices))
    assert user.text.startswith("Selesai: semua data Anda sudah kami hapus.")
    for table in ("users", "consents", "registrations", "event_wishes"):
        column = "id" if table == "users" else "user_id"
        assert rows(settings, f"SELECT * FROM {table} WHERE {column} = 621") == [], table


async def test_one_purpose_only_asks_about_everything(bot: Bot, settings: Settings) -> None:
    user = bot.user(631)
    await consent(user, "bpjs")
    await user.send("/hapusdata")
    assert (
        user.text
        == "Hapus semua data Anda yang kami simpan? Data yang dihapus tidak dapat dikembalikan."
    )
    assert user.buttons() == [EVERYTHING, KEEP]
    english = bot.user(632, "en")
    await consent(english, "bpjs")
    await bot.services.people.consent(632, "en", EVENTS_PURPOSE)
    await english.send("/deletedata")
    assert english.buttons() == [
        "Yes, delete everything",
        "Only my survey answers",
        "Only my event registrations",
        "No, keep it",
    ]
