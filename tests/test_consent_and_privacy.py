"""UU PDP: consent before anything is stored; people see and delete their data."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services import people
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, running_bot
from tests.helpers import answers, consent, pelatihan_shortest, rows

PERSONAL_TABLES = ("users", "consents", "responses", "answers")


def _stored_rows(bot: Bot) -> int:
    return sum(len(rows(bot.services.settings, f"SELECT * FROM {t}")) for t in PERSONAL_TABLES)


async def test_refusing_consent_stores_nothing(bot: Bot) -> None:
    user = bot.user(11)
    await user.send("/start bpjs")
    await user.send("/bahasa")
    await user.tap("English")  # a language chosen before consent stays in memory only
    await user.send("/start bpjs")
    assert "Do you agree?" in user.text
    await user.tap("I don't agree")
    assert "Nothing about you has been stored" in user.text
    await user.send("hello")
    await user.send_other("sticker")
    assert "/start" in user.text
    assert _stored_rows(bot) == 0


async def test_a_language_chosen_before_consent_is_used_but_not_stored(bot: Bot) -> None:
    """/bahasa before agreeing: the chat changes language, but the person stays unknown to the
    database (nothing to show, nothing to delete) until they agree; then it is their language."""
    user = bot.user(20)  # Telegram says Indonesian
    await user.send("/bahasa")
    await user.tap("English")
    assert user.text == "Language set to English."
    await user.send("/dataku")
    assert user.text == "We keep no data about you."
    await user.send("/hapusdata")
    assert user.text == "We keep no data about you." and user.buttons() == []
    await user.send("/start bpjs")
    assert "Do you agree?" in user.text
    assert _stored_rows(bot) == 0
    await user.tap("Agree")
    (person,) = rows(bot.services.settings, "SELECT locale FROM users WHERE id = 20")
    assert person["locale"] == "en"
    await user.send("/dataku")
    assert "Language: English" in user.text


async def test_consent_is_recorded_with_version_and_time(bot: Bot) -> None:
    user = bot.user(12)
    await consent(user, "bpjs")
    (row,) = rows(bot.services.settings, "SELECT * FROM consents WHERE user_id = 12")
    assert row["version"] and row["granted_at"] and row["withdrawn_at"] is None
    (person,) = rows(bot.services.settings, "SELECT * FROM users")
    assert set(person.keys()) == {"id", "locale", "created_at", "updated_at"}


async def test_consent_tapped_twice_records_once(bot: Bot) -> None:
    user = bot.user(13)
    await user.send("/start bpjs")
    first, second = user.tap_update("Setuju"), user.tap_update("Setuju")
    await user.deliver(first)
    shown = len(user.messages)
    await user.deliver(second)
    assert len(user.messages) == shown  # neither the notice nor the survey a second time
    toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert toast == "Sudah tercatat. Silakan lanjut di bawah."
    assert len(rows(bot.services.settings, "SELECT * FROM consents")) == 1
    assert len(rows(bot.services.settings, "SELECT * FROM responses")) == 1


async def test_consent_recorded_twice_is_stored_once(bot: Bot) -> None:
    """The handler's "already agreed?" check is one process's view; the database keeps one
    consent per person and notice version whatever it is asked."""
    await bot.services.people.consent(23, "id")
    await bot.services.people.consent(23, "id")
    assert len(rows(bot.services.settings, "SELECT * FROM consents WHERE user_id = 23")) == 1


async def test_start_without_payload_offers_a_survey_choice(bot: Bot) -> None:
    user = bot.user(14)
    await user.send("/start")
    await user.tap("Setuju")
    assert "Survei mana" in user.text
    await user.tap("BPJS Ketenagakerjaan")
    assert "Pertanyaan 1 dari" in user.text
    await user.send("/start tidakada")
    assert "Selamat datang kembali" in user.text


async def test_unknown_link_after_consent(bot: Bot) -> None:
    user = bot.user(15)
    await consent(user)
    await user.send("/start tautan_salah")
    assert any("tidak dikenali" in m["text"] for m in user.messages)


async def test_see_and_delete_my_data(mini: Bot) -> None:
    user = mini.user(16)
    await user.send("/dataku")
    assert "tidak menyimpan data" in user.text
    await consent(user, "uji")
    await user.tap("Kurir")
    await user.send("/dataku")
    assert "ID Telegram: 16" in user.text and "1 jawaban" in user.text
    await user.send("/hapusdata")
    await user.tap("Tidak, simpan")
    assert "Tidak ada yang dihapus" in user.text
    assert answers(mini.services.settings, 16) == {"kerja": "kurir"}
    await user.send("/hapusdata")
    await user.tap("Ya, hapus semua")
    assert "sudah kami hapus" in user.text
    assert _stored_rows(mini) == 0
    await user.send("/dataku")  # a stranger again, to the bot as to the database
    assert "tidak menyimpan data" in user.text
    await user.send("/hapusdata")
    assert "tidak menyimpan data" in user.text and user.buttons() == []
    await user.send("/survei")  # starts over with the notice
    assert "Sebelum mulai" in user.text


async def test_my_data_lists_submitted_answers(bot: Bot) -> None:
    user = bot.user(17)
    await consent(user, "pelatihan")
    await pelatihan_shortest(user)
    await user.tap("Kirim")
    await user.send("/dataku")
    assert "Keselamatan berkendara" in user.text
    # When it was submitted, in the person's zone (tests/test_my_data.py says which).
    assert re.search(r"pukul \d\d\.\d\d WI(B|TA|T)\n", user.text)


async def test_submitted_answers_are_deleted_after_the_retention_period(bot: Bot) -> None:
    user = bot.user(18)
    await user.send("/start pelatihan")
    assert "paling lama 2 tahun" in user.text and "setelah 14 hari" in user.text
    await user.tap("Setuju")
    await pelatihan_shortest(user)
    await user.tap("Kirim")
    surveys = bot.services.surveys
    assert await surveys.purge_old(timedelta(days=730)) == 0
    bot.clock.advance(timedelta(days=731))
    assert await surveys.purge_old(timedelta(days=730)) == 1
    assert answers(bot.services.settings, 18) == {}
    assert rows(bot.services.settings, "SELECT * FROM responses") == []


async def test_housekeeping_deletes_what_the_notice_says_is_kept_no_longer(
    tmp_path: Path,
) -> None:
    """The bot's own hourly job, with the configured periods: a submitted response goes after
    RETENTION_DAYS and an unfinished one's answers after RESPONSE_EXPIRY_HOURS; younger ones stay."""
    settings = harness.test_settings(tmp_path, retention_days=30, response_expiry_hours=48)
    async with running_bot(settings) as bot:
        assert bot.app.job_queue is not None
        (housekeeping,) = bot.app.job_queue.get_jobs_by_name("housekeeping")
        old, idle, recent, active = (bot.user(i) for i in (31, 32, 33, 34))
        await consent(old, "pelatihan")
        await pelatihan_shortest(old)
        await old.tap("Kirim")
        await consent(idle, "bpjs")
        await idle.tap("25–34 tahun")
        bot.clock.advance(timedelta(days=29))
        await consent(recent, "pelatihan")
        await pelatihan_shortest(recent)
        await recent.tap("Kirim")
        await consent(active, "bpjs")
        await active.tap("25–34 tahun")
        bot.clock.advance(timedelta(days=1, hours=1))
        await housekeeping.run(bot.app)
    statuses = rows(settings, "SELECT user_id, status FROM responses ORDER BY user_id")
    assert [tuple(r) for r in statuses] == [(32, "expired"), (33, "submitted"), (34, "in_progress")]
    assert answers(settings, 31) == {} and answers(settings, 32) == {}
    assert answers(settings, 33)["jenis_pekerjaan"] == "ojol" and answers(settings, 34) == {
        "usia": "u25_34"
    }


async def test_a_reworded_notice_is_agreed_to_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram()
    async with running_bot(settings, telegram) as bot:
        user = bot.user(19)
        await consent(user, "bpjs")
        await user.tap("25–34 tahun")
    monkeypatch.setattr(people, "CONSENT_VERSION", "3")  # the notice was reworded
    async with running_bot(settings, telegram) as bot:
        user = bot.user(19)
        await user.send("/dataku")
        assert "ID Telegram: 19" in user.text  # their data is still theirs to see
        await user.send("/start")
        assert "Sebelum mulai" in user.text
        await user.tap("Setuju")
        assert any("Versi 3 · " in m.get("text", "") for m in user.messages)
        assert "Selamat datang kembali" in user.text  # the survey carries on where it was
    versions = [r["version"] for r in rows(settings, "SELECT version FROM consents")]
    assert versions == ["2", "3"]
