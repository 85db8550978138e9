"""Questions about events in people's own words, end to end through the real Application: the
matching events as buttons that open /acara's details (with Daftar), the "instead" list and
the wish (asked consent first, nothing stored before), /acarasaya, /dataku and /hapusdata,
stale and forged buttons, and the survey keeping what is typed while it waits for an answer."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services.event_search import MOST_WISHES
from bot.services.people import WISHES_PURPOSE
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import NotifyMe
from tests.helpers import answers, clock_at, consent, no_refusals, pelatihan_shortest, rows
from tests.test_events_chat import store
from tests.test_events_import import csv_bytes

SEARCH_CSV = Path(__file__).parent / "events" / "search.csv"
# Tuesday 1 December 2026, before every test event.
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
HAKI_KUPANG = "15 Des · Lokakarya Pendaftaran Merek dan HAK…"
NO_LONGER_ACTIVE = "Tombol ini sudah tidak berlaku."
NO_SURVEY = "Tidak ada survei yang sedang diisi."


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        await store(running, SEARCH_CSV.read_bytes())
        yield running
        no_refusals(running)


def toast(bot: Bot) -> str:
    return str(bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


def wishes(settings: Settings, user_id: int) -> list[sqlite3.Row]:
    return rows(settings, "SELECT * FROM event_wishes WHERE user_id = ?", (user_id,))


async def test_a_question_lists_its_event_and_a_tap_opens_details_with_register(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(801)
    answer = await user.send("kapan workshop HAKI di Kupang?")
    assert answer["text"].split("\n") == [
        "Acara yang cocok dengan pertanyaan Anda:",
        "Ketuk salah satu untuk melihat rinciannya dan mendaftar.",
    ]
    assert user.buttons() == [HAKI_KUPANG]
    details = await user.tap(HAKI_KUPANG)
    assert details["message_id"] == answer["message_id"]  # opened in place, as from /acara
    assert details["text"].startswith("Lokakarya Pendaftaran Merek dan HAKI untuk UMKM\n")
    assert "📝 Daftar" in user.buttons()
    await user.tap("📝 Daftar")
    await user.tap("Setuju")  # the events notice, asked before the first registration
    said = [str(m.get("text", "")) for m in user.messages]
    assert any(t.startswith("✅ Anda terdaftar di “Lokakarya Pendaftaran Merek") for t in said)
    (seat,) = rows(settings, "SELECT status FROM registrations WHERE user_id = 801")
    assert seat["status"] == "confirmed"
    # Reading events stores nothing: no wish, no consent for wishes.
    assert wishes(settings, 801) == []
    assert rows(settings, "SELECT * FROM consents WHERE purpose = 'wishes'") == []


async def test_more_questions_find_their_events(bot: Bot) -> None:
    user = bot.user(802)
    await user.send("info acara di soe")
    assert user.buttons() == ["9 Jan · Kelas Kewirausahaan: Mengelola Keua…"]
    await user.send("jadwal dialog bpjs")
    assert user.buttons() == [
        "10 Des · Webinar Jaminan Sosial untuk Pekerj…",
        "20 Des · Dialog Perlindungan Sosial Pekerja…",
        "22 Jan · Dialog BPJS Ketenagakerjaan untuk P…",
    ]
    await user.send("ada pelatihan pemasaran digital bulan ini?")
    assert user.buttons() == ["17 Des · Pelatihan Pemasaran Digital: Jualan…"]
    await user.send("acara di jogja")
    assert user.buttons() == [
        "5 Des · Kelas Foto Produk dengan Ponsel",
        "12 Jan · Pelatihan Pemasaran Digital untuk P…",
    ]
    # A question with nothing in it but "acara" gets the /acara list.
    await user.send("ada acara apa?")
    assert user.text.startswith("Acara mendatang, dari yang paling dekat waktunya.")


async def test_in_english(bot: Bot, settings: Settings) -> None:
    user = bot.user(803, "en")
    await user.send("digital marketing training in Kupang")
    assert user.text.startswith("Events that match your question:")
    assert user.buttons() == ["17 Dec · Digital marketing training: selling…"]
    await user.send("sewing class in Kupang")
    assert user.text.startswith("I found no upcoming event that matches your question.")
    await user.tap("🔔 Tell me")
    assert user.text.startswith("Event notices: about your data")
    assert "180 days" in user.text and "/hapusdata" in user.text
    await user.tap("Agree")
    assert user.text == (
        "🔔 Done: we will tell you once when an event for “sewing class kupang” is published. "
        "See or remove it with /acarasaya."
    )
    assert len(wishes(settings, 803)) == 1


async def test_no_match_shows_what_is_coming_and_keeps_a_wish_only_after_consent(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(804)
    answer = await user.send("pelatihan menjahit di kupang")
    assert answer["text"].split("\n") == [
        "Belum ada acara mendatang yang cocok dengan pertanyaan Anda.",
        "Acara lain yang akan datang:",
        "",
        "Ketuk 🔔 dan kami akan memberi tahu Anda satu kali saat ada acara untuk "
        "“pelatihan menjahit kupang”.",
    ]
    # What is coming, soonest first (no region is known for this person), then the offer.
    assert user.buttons() == [
        "5 Des · Kelas Foto Produk dengan Ponsel",
        "8 Des · Pelatihan Pembukuan Sederhana untuk…",
        "10 Des · Webinar Jaminan Sosial untuk Pekerj…",
        HAKI_KUPANG,
        "17 Des · Pelatihan Pemasaran Digital: Jualan…",
        "🔔 Beri tahu saya",
    ]
    await user.tap("🔔 Beri tahu saya")
    assert user.text.startswith("Pemberitahuan acara: tentang data Anda\n\n")
    assert "180 hari" in user.text and "/hapusdata" in user.text
    # Nothing is stored before the person agrees.
    assert rows(settings, "SELECT * FROM users WHERE id = 804") == []
    assert wishes(settings, 804) == []
    await user.tap("Setuju")
    assert user.text.startswith("🔔 Baik, kami akan memberi tahu Anda satu kali")
    (wish,) = wishes(settings, 804)
    assert wish["text"] == "pelatihan menjahit kupang"
    assert wish["criteria"] == (
        '{"kinds": ["pelatihan"], "online": false, "places": ["53.01", "53.71"], '
        '"topics": ["jahit"]}'
    )
    kept = datetime.fromisoformat(wish["expires_at"]) - datetime.fromisoformat(wish["created_at"])
    assert kept == timedelta(days=180)
    (agreed,) = rows(settings, "SELECT purpose FROM consents WHERE user_id = 804")
    assert agreed["purpose"] == WISHES_PURPOSE
    # The same wish again is kept once; a tap on an instead-event still opens its details.
    await user.tap("🔔 Beri tahu saya", answer)
    assert user.text.startswith(
        "Anda sudah meminta pemberitahuan untuk “pelatihan menjahit kupang”"
    )
    assert len(wishes(settings, 804)) == 1
    await user.tap("Kelas Foto Produk", answer)
    (details,) = [m for m in user.messages if m["message_id"] == answer["message_id"]]
    assert details["text"].startswith("Kelas Foto Produk dengan Ponsel\n")


async def wish_for(user: FakeUser, question: str) -> None:
    await user.send(question)
    await user.tap("🔔")
    if "Setuju, saya 18 tahun ke atas" in user.buttons():
        await user.tap("Setuju")


async def test_wishes_in_acarasaya_dataku_and_gone_with_hapusdata(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(805)
    await wish_for(user, "pelatihan menjahit di kupang")
    await wish_for(user, "workshop kopi NTT")
    await user.send("/acarasaya")
    mine, notices = user.messages[-2:]
    assert mine["text"] == "Anda belum terdaftar di acara mana pun. Cari acara dengan /acara."
    assert notices["text"].split("\n") == [
        "🔔 Pemberitahuan acara yang Anda minta",
        "• “pelatihan menjahit kupang” (hingga Minggu, 30 Mei 2027)",
        "• “workshop kopi ntt” (hingga Minggu, 30 Mei 2027)",
        "",
        "Untuk menghapus salah satunya, ketuk di bawah.",
    ]
    assert user.buttons() == ["🔕 pelatihan menjahit kupang", "🔕 workshop kopi ntt"]
    await user.send("/dataku")
    assert "Pemberitahuan acara yang Anda minta\n• “pelatihan menjahit kupang”" in user.text
    await user.send("/hapusdata")
    await user.tap("Ya, hapus semua")
    # Every table that could name the person holds nothing of them.
    conn = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            for column in {"user_id", "person"} & set(columns):
                found = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = 805")
                assert found.fetchone()[0] == 0, table
        assert conn.execute("SELECT count(*) FROM users WHERE id = 805").fetchone()[0] == 0
    finally:
        conn.close()
    await user.send("/acarasaya")
    assert user.buttons() == []  # no wishes message any more


async def test_removing_a_wish_and_stale_or_forged_wish_buttons(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(806)
    await wish_for(user, "pelatihan menjahit di kupang")
    question = await user.send("workshop kopi NTT")
    await user.tap("🔔")
    await user.send("/acarasaya")
    listing = copy.deepcopy(user.last)  # as the phone shows it, before it is edited
    await user.tap("🔕 pelatihan menjahit kupang")
    assert user.text.startswith("Pemberitahuan untuk “pelatihan menjahit kupang” sudah dihapus.")
    assert user.buttons() == ["🔕 workshop kopi ntt"]
    assert [w["text"] for w in wishes(settings, 806)] == ["workshop kopi ntt"]
    # The old list's button for the removed wish is no longer active.
    await user.tap("🔕 pelatihan menjahit kupang", listing)
    assert toast(bot) == NO_LONGER_ACTIVE
    # Forged data: words that mean nothing, an agreement without a wish, someone else's wish.
    other = bot.user(807)
    await wish_for(other, "kelas batik di soe")
    (others,) = wishes(settings, 807)
    for data in ("evw:halo terima kasih", "evw:", "evqc:y:", "evqc:y:ok", f"evq:{others['id']}"):
        await user.deliver(user.callback_update(data, question))
        assert toast(bot) == NO_LONGER_ACTIVE, data
    assert len(wishes(settings, 807)) == 1 and len(wishes(settings, 806)) == 1


async def test_at_most_ten_wishes_are_kept(bot: Bot, settings: Settings) -> None:
    user = bot.user(808)
    for n in range(MOST_WISHES):
        await wish_for(user, f"pelatihan topik{'abcdefghij'[n]}x di kupang")
    assert len(wishes(settings, 808)) == MOST_WISHES
    await wish_for(user, "pelatihan menjahit di kupang")
    assert user.text.startswith("Anda sudah punya 10 permintaan pemberitahuan")
    assert len(wishes(settings, 808)) == MOST_WISHES


async def test_wishes_are_deleted_after_their_time(bot: Bot, settings: Settings) -> None:
    user = bot.user(809)
    await wish_for(user, "pelatihan menjahit di kupang")
    assert bot.app.job_queue is not None
    (housekeeping,) = bot.app.job_queue.get_jobs_by_name("housekeeping")
    bot.clock.advance(timedelta(days=179))
    await housekeeping.run(bot.app)
    assert len(wishes(settings, 809)) == 1
    bot.clock.advance(timedelta(days=1, hours=1))
    await housekeeping.run(bot.app)
    assert wishes(settings, 809) == []


async def test_a_survey_in_progress_takes_the_text_as_its_answer(
    bot: Bot, settings: Settings
) -> None:
    user = bot.user(810)
    await consent(user, "pelatihan")
    await pelatihan_shortest(user, suggestion="kapan workshop HAKI di Kupang?")
    assert answers(settings, 810)["saran"] == "kapan workshop HAKI di Kupang?"
    assert not any("Acara yang cocok" in m.get("text", "") for m in user.messages)
    await user.tap("Kirim")
    # With no survey open, the same text is a question about events.
    await user.send("kapan workshop HAKI di Kupang?")
    assert user.text.startswith("Acara yang cocok dengan pertanyaan Anda:")
    assert user.buttons() == [HAKI_KUPANG]


async def test_what_is_not_about_events_keeps_the_usual_reply(bot: Bot) -> None:
    stranger = bot.user(811)
    await stranger.send("halo")
    assert stranger.text == "Halo! Ketik /start untuk mulai, atau /bantuan untuk melihat petunjuk."
    user = bot.user(812)
    await consent(user, "bpjs")
    await user.send("/batal")
    await user.tap("Ya, hentikan")
    for text in ("terima kasih", "ok", "25"):
        await user.send(text)
        assert user.text.startswith(NO_SURVEY), text
    for kind in ("sticker", "photo"):
        await user.send_other(kind)
        assert user.text.startswith(NO_SURVEY), kind


async def test_a_published_event_finds_the_wishes_it_fulfils(bot: Bot, settings: Settings) -> None:
    """For the broadcasts to come: which kept wishes a newly published event answers."""
    seeker, elsewhere = bot.user(813), bot.user(814)
    await wish_for(seeker, "pelatihan menjahit di kupang")
    await wish_for(elsewhere, "pelatihan menjahit di jogja")
    row = {
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
    repo = await store(bot, csv_bytes([row]))
    event = await repo.by_slug("menjahit-kupang-2027-03")
    assert event is not None
    found = await bot.services.event_search.wishes_for(event)
    assert [(w.user_id, w.text) for w in found] == [(813, "pelatihan menjahit kupang")]
    # And the question that found nothing before now finds it.
    await seeker.send("pelatihan menjahit di kupang")
    assert seeker.buttons() == ["2 Mar · Pelatihan Menjahit untuk Usaha Ruma…"]


async def test_many_matches_show_the_first_eight_and_say_how_many_more(bot: Bot) -> None:
    rows_ = [
        {
            "slug": f"menjahit-{n}",
            "title_id": f"Pelatihan Menjahit Angkatan {n}",
            "title_en": f"Sewing training, group {n}",
            "kind": "pelatihan",
            "region": "53.71",
            "venue": "Balai Latihan Kerja Kupang",
            "starts_at": f"2027-03-{n:02d} 09:00",
            "ends_at": f"2027-03-{n:02d} 15:00",
            "capacity": "",
            "registration_closes": "",
            "topics": "menjahit",
            "description_id": "Dasar menjahit.",
            "description_en": "Sewing basics.",
        }
        for n in range(1, 11)
    ]
    await store(bot, csv_bytes(rows_))
    user = bot.user(815)
    await user.send("pelatihan menjahit")
    assert "Ada 2 acara lain yang cocok. Tambahkan tempat atau bulan agar lebih tepat." in (
        user.text
    )
    assert len(user.buttons()) == 8
    assert user.buttons()[0] == "1 Mar · Pelatihan Menjahit Angkatan 1"


async def test_equal_matches_come_nearest_to_the_person_first(bot: Bot) -> None:
    user = bot.user(816)
    await consent(user, "bpjs")
    await user.tap("25–34 tahun")
    await user.send("Kota Jayapura")
    await user.tap("Kota Jayapura")
    # As if they had sent the rest of the survey: only where they work matters here, and an
    # open survey would take the question as its answer.
    await bot.services.db.write(
        ("UPDATE responses SET status = 'submitted', submitted_at = updated_at", ())
    )
    bot.services.surveys.forget(816)
    await user.send("ada workshop apa?")
    assert user.buttons() == [
        "27 Jan · Pendampingan Sertifikasi Halal Prod…",  # in Kota Jayapura
        HAKI_KUPANG,
        "9 Jan · Kelas Kewirausahaan: Mengelola Keua…",
        "20 Jan · Workshop Perlindungan Merek Dagang…",
        "17 Feb · Workshop Siap Ekspor untuk UMKM Kul…",
    ]


async def test_a_forged_wish_button_too_long_to_carry_on_is_no_longer_active(
    bot: Bot, settings: Settings
) -> None:
    """The fuzz found it: a 🔔 button with more words than the bot ever packs would have made
    a consent button over Telegram's 64 bytes, and a traceback instead of an answer."""
    user = bot.user(805)
    question = await user.send("pelatihan menjahit di kupang")
    forged = NotifyMe("pelatihan menjahit kupang sablon bordir batik tenun ikat ulo")
    assert len(forged.pack().encode()) <= 64  # a button Telegram would carry
    await user.deliver(user.callback_update(forged.pack(), question))
    assert bot.telegram.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "Tombol ini sudah tidak berlaku."
    )
    assert rows(settings, "SELECT * FROM users WHERE id = 805") == []
    no_refusals(bot)
