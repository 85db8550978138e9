"""Wishes come true: "tell me when there is a sewing training in Kupang" is answered when a
matching event is published, whichever way it is published (a CSV sent in chat, the /buatacara
wizard, `python -m bot events import` while the bot is stopped), once: the wish is deleted
(the notice says "we tell you once and then delete it"), a person whose two wishes one event
matches hears once, and nobody is told at night."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services.people import EVENTS_PURPOSE
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from tests.helpers import clock_at, no_refusals, rows
from tests.test_event_search_chat import SEARCH_CSV, wish_for
from tests.test_event_wizard import quick_event
from tests.test_events_chat import store
from tests.test_events_import import csv_bytes, run_events

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)  # 16.00 WITA, 15.00 WIB
STAFF = 900
TOLD_ID = "🔔 Anda meminta kabar tentang “{wish}”. Acara ini cocok:"
SEWING = {
    "slug": "menjahit-kupang-2027-03",
    "title_id": "Pelatihan Menjahit untuk Usaha Rumahan",
    "title_en": "Sewing training for home businesses",
    "kind": "pelatihan",
    "region": "53.71",
    "venue": "Balai Latihan Kerja Kupang",
    "starts_at": "2027-03-02 09:00",
    "ends_at": "2027-03-02 15:00",
    "capacity": "20",
    "registration_closes": "",
    "topics": "menjahit;konveksi",
    "description_id": "Dasar menjahit pakaian dan tas.",
    "description_en": "Basics of sewing clothes and bags.",
}


def staff_settings(tmp_path: Path, **more: object) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}), **more)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return staff_settings(tmp_path)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        await store(running, SEARCH_CSV.read_bytes())
        yield running
        no_refusals(running)


async def look(bot: Bot) -> None:
    """What the scheduler does every tick: look for due work, then run it."""
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()


def told(user: FakeUser) -> list[str]:
    """The wishes-come-true messages the person got."""
    starts = ("🔔 Anda meminta kabar", "🔔 You asked us to tell you")
    return [m["text"] for m in user.messages if m.get("text", "").startswith(starts)]


def told_rows(settings: Settings) -> list[tuple[int, str]]:
    found = rows(settings, "SELECT user_id, wish FROM wishes_told ORDER BY user_id")
    return [(r["user_id"], r["wish"]) for r in found]


def wishes_of(settings: Settings, person: int) -> list[str]:
    found = rows(settings, "SELECT text FROM event_wishes WHERE user_id = ?", (person,))
    return [r["text"] for r in found]


async def test_a_csv_sent_in_chat_tells_each_wish_once_in_the_persons_language(
    bot: Bot, settings: Settings
) -> None:
    seeker, english, elsewhere = bot.user(813), bot.user(815, "en"), bot.user(814)
    await wish_for(seeker, "pelatihan menjahit di kupang")
    await wish_for(seeker, "menjahit di kupang")  # a second wish the same event answers
    await english.send("pelatihan menjahit di kupang")
    await english.tap("🔔")
    await english.tap("I agree, I am 18 or over")
    await wish_for(elsewhere, "pelatihan menjahit di jogja")
    await look(bot)
    assert told(seeker) == told(english) == told(elsewhere) == []  # nothing published yet

    await bot.user(STAFF).send_document("acara.csv", csv_bytes([SEWING]))
    await look(bot)
    (message,) = told(seeker)  # two wishes, one message
    lines = message.split("\n")
    assert lines[0] == TOLD_ID.format(wish="pelatihan menjahit kupang")
    assert lines[2] == "Pelatihan Menjahit untuk Usaha Rumahan"
    assert "📍 Kota Kupang, Balai Latihan Kerja Kupang" in lines
    assert lines[-1] == (
        "Permintaan kabar ini sudah kami hapus. Silakan bertanya lagi kapan saja untuk kabar "
        "acara berikutnya."
    )
    assert seeker.buttons() == ["📝 Daftar", "◀️ Kembali"]
    (in_english,) = told(english)
    assert in_english.startswith(
        "🔔 You asked us to tell you about “pelatihan menjahit kupang”. This event matches:\n\n"
        "Sewing training for home businesses\n"
    )
    assert english.buttons()[0] == "📝 Register"
    assert told(elsewhere) == []

    # Told once, then deleted: the wishes are gone, the record of the telling stays.
    assert wishes_of(settings, 813) == wishes_of(settings, 815) == []
    assert wishes_of(settings, 814) == ["pelatihan menjahit jogja"]
    assert told_rows(settings) == [
        (813, "pelatihan menjahit kupang"),
        (815, "pelatihan menjahit kupang"),
    ]
    for _ in range(2):
        await look(bot)
    assert len(told(seeker)) == len(told(english)) == 1

    # The Daftar under the message registers like the one in /acara.
    await seeker.tap("📝 Daftar")
    assert seeker.text.startswith("Pendaftaran acara: tentang data Anda")
    await seeker.tap("Setuju")
    seat = rows(
        settings,
        "SELECT r.status FROM registrations r JOIN events e ON e.id = r.event_id "
        "WHERE r.user_id = 813 AND e.slug = ?",
        (SEWING["slug"],),
    )
    assert [r["status"] for r in seat] == ["confirmed"]

    # Asked again, the same event is not news: nobody is told twice about it.
    await bot.services.event_search.keep_wish(813, "pelatihan menjahit di kupang")
    await look(bot)
    assert len(told(seeker)) == 1
    assert wishes_of(settings, 813) == ["pelatihan menjahit kupang"]  # waits for the next one


async def test_an_event_published_with_the_wizard_tells_the_wishes_it_matches(
    settings: Settings,
) -> None:
    async with running_bot(settings, clock=clock_at(NOW)) as bot:  # no events at all yet
        seeker = bot.user(820)
        await wish_for(seeker, "dialog umkm di kupang")
        assert wishes_of(settings, 820) == ["dialog umkm kupang"]
        await quick_event(bot.user(STAFF))  # "Dialog UMKM Kupang", 15 Dec, Kota Kupang
        await look(bot)
        (message,) = told(seeker)
        assert message.startswith(TOLD_ID.format(wish="dialog umkm kupang") + "\n\nDialog UMKM")
        await look(bot)
        assert len(told(seeker)) == 1
        no_refusals(bot)


async def test_an_import_from_the_command_line_is_found_after_the_restart(
    tmp_path: Path, settings: Settings
) -> None:
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await store(bot, SEARCH_CSV.read_bytes())
        await wish_for(bot.user(813), "pelatihan menjahit di kupang")
        no_refusals(bot)
    # Staff import with the bot stopped (the command holds the database's lock).
    (tmp_path / "menjahit.csv").write_bytes(csv_bytes([SEWING]))
    imported = run_events(tmp_path, "import", str(tmp_path / "menjahit.csv"))
    assert imported.returncode == 0, imported.stderr

    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await look(bot)
        (message,) = told(bot.user(813))
        assert message.startswith(TOLD_ID.format(wish="pelatihan menjahit kupang"))
        no_refusals(bot)


async def test_nobody_is_told_at_night_and_hapusdata_stops_a_telling_not_yet_sent(
    tmp_path: Path,
) -> None:
    settings = staff_settings(tmp_path, quiet_hours="21-6")
    night = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 21.30 WIB (the bot's TIMEZONE)
    async with running_bot(settings, clock=clock_at(night)) as bot:
        await store(bot, SEARCH_CSV.read_bytes())
        sleeper, changes_mind = bot.user(813), bot.user(816)
        await wish_for(sleeper, "pelatihan menjahit di kupang")
        await wish_for(changes_mind, "pelatihan menjahit di kupang")
        await bot.user(STAFF).send_document("acara.csv", csv_bytes([SEWING]))
        await look(bot)
        assert told(sleeper) == told(changes_mind) == []
        (due,) = {r["due_at"] for r in rows(settings, "SELECT due_at FROM jobs")}
        assert datetime.fromisoformat(due) == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 06.00

        # They also registered for events once, so /hapusdata asks what to delete.
        await bot.services.people.consent(816, "id", EVENTS_PURPOSE)
        await changes_mind.send("/hapusdata")
        await changes_mind.tap("Hanya pemberitahuan acara yang saya minta")
        assert [u for u, _ in told_rows(settings)] == [813]

        bot.clock.advance(timedelta(hours=8))  # 05.30 WIB: still night
        await look(bot)
        assert told(sleeper) == []
        bot.clock.advance(timedelta(minutes=30))  # 06.00 WIB
        await look(bot)
        assert len(told(sleeper)) == 1
        assert told(changes_mind) == []
        no_refusals(bot)
