"""The survey's consent notice (UU PDP): every part a person must be told, in both languages,
short enough to read on a phone; /privasi shows the same notice; the controller settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.testing import harness
from bot.testing.fake_telegram import TEST_TOKEN
from bot.testing.harness import Bot, running_bot
from conversations.survey.entry import NOTICE_BUDGET
from tests.helpers import consent, no_refusals

# What each language must say: the controller and a contact, who receives the data (nobody
# gets individual answers; totals only), each right with how to use it, retention, the
# readable version and date, and the age limit.
PARTS = {
    "id": [
        "Kementerian Koordinator Bidang Pemberdayaan Masyarakat (Kemenko PM)",
        "Kontak: pdp@kemenkopm.go.id",
        "tidak diberikan kepada aplikator, BPJS, atau pemberi kerja",
        "angka total",
        "/dataku",
        "perbaiki jawaban di halaman ringkasan",
        "/hapusdata",
        "tarik persetujuan",
        "paling lama 2 tahun",
        "14 hari",
        "UU PDP, UU No. 27 Tahun 2022",
        "Versi 2 · 2 Desember 2026",
        "18 tahun ke atas",
    ],
    "en": [
        "Kementerian Koordinator Bidang Pemberdayaan Masyarakat (Kemenko PM)",
        "Contact: pdp@kemenkopm.go.id",
        "never given to apps (aplikator), BPJS or employers",
        "only as totals",
        "/dataku",
        "correct an answer on the summary",
        "/hapusdata",
        "withdraw consent",
        "at most 2 years",
        "14 days",
        "Law No. 27 of 2022",
        "Version 2 · 2 December 2026",
        "18 or over",
    ],
}


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_the_notice_has_every_part_and_fits_a_phone_screen(bot: Bot, locale: str) -> None:
    user = bot.user(710 if locale == "id" else 711, locale)
    await user.send("/start bpjs")
    for part in PARTS[locale]:
        assert part in user.text, part
    assert len(user.text) <= NOTICE_BUDGET
    assert "2026-11-1" not in user.text  # the version reads as words, not a code
    no_refusals(bot)


async def test_privasi_shows_the_same_notice_without_the_question(bot: Bot) -> None:
    user = bot.user(712)
    await user.send("/start")
    asked = user.text
    await user.send("/privasi")
    notice = user.text
    assert notice == asked.removesuffix("\n\nApakah Anda setuju?") and notice != asked
    assert user.buttons() == []
    await consent(user)  # the notice agreed to stays in the chat, with what was agreed
    agreed = next(m["text"] for m in user.messages if "menyatakan berusia 18" in m["text"])
    assert agreed.startswith(notice)
    no_refusals(bot)


async def test_the_controller_settings_reach_the_notice_and_help(tmp_path: Path) -> None:
    settings = harness.test_settings(
        tmp_path, controller_name="Dinas Koperasi Kota Kupang", controller_contact="@pdp_kupang"
    )
    async with running_bot(settings) as bot:
        user = bot.user(713)
        await user.send("/start")
        assert "Pengendali data: Dinas Koperasi Kota Kupang. Kontak: @pdp_kupang." in user.text
        await user.send("/bantuan")
        assert "@pdp_kupang" in user.text
        no_refusals(bot)


@pytest.mark.parametrize(
    ("name", "value"), [("CONTROLLER_NAME", " "), ("CONTROLLER_CONTACT", "x" * 121)]
)
def test_a_bad_controller_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith(f"Configuration error: {name} is invalid") and "\n" not in message


@pytest.mark.parametrize("locale", ["id", "en"])
async def test_help_promises_only_what_is_kept_and_names_a_person_to_ask(
    bot: Bot, locale: str
) -> None:
    user = bot.user(714, locale)
    await user.send("/bantuan")
    if locale == "id":
        assert "kapan saja" not in user.text
        assert "paling lama 14 hari tanpa aktivitas. /batal menghapusnya." in user.text
        assert "Hubungi pdp@kemenkopm.go.id." in user.text
    else:
        assert "up to 14 days without activity. /batal deletes them." in user.text
        assert "Contact pdp@kemenkopm.go.id." in user.text
    no_refusals(bot)
