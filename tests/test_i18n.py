"""Every text is translated in both languages, and the catalogs match the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR, I18n
from bot.testing.harness import Bot

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The strings the code asks to translate, extracted afresh."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str, extracted: set[str]) -> None:
    catalog = _catalog(locale)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - set(translated))
    assert not missing, f"untranslated in {locale}: {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_survive_translation(locale: str) -> None:
    for message in _catalog(locale):
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_catalogs_hold_no_stale_messages(extracted: set[str]) -> None:
    stale = {m.id for m in _catalog("id") if m.id} - extracted
    assert not stale, f"in the catalog but no longer in the code: {sorted(stale)}"


def test_language_from_telegram_and_fallback() -> None:
    i18n = I18n("id")
    assert i18n.resolve("en-GB") == "en"
    assert i18n.resolve("id") == "id"
    assert i18n.resolve("jv") == "id"
    assert i18n.resolve("fr") == "id"
    assert i18n.resolve(None) == "id"
    assert i18n.gettext("id")("Yes") == "Ya"
    assert i18n.gettext("xx")("Yes") == "Ya"


async def test_commands_registered_in_both_languages(bot: Bot) -> None:
    default = {c["command"]: c["description"] for c in bot.telegram.commands[None]}
    english = {c["command"]: c["description"] for c in bot.telegram.commands["en"]}
    for command in ("start", "survei", "batal", "bahasa", "bantuan"):
        assert command in default and command in english
    assert default["batal"] == "hentikan survei yang sedang diisi"
    assert english["batal"] == "stop the current survey"


async def test_switching_language_mid_survey(bot: Bot) -> None:
    from tests.helpers import consent, rows

    user = bot.user(21)
    await consent(user, "bpjs")
    await user.send("/bahasa")
    await user.tap("English")
    assert user.text == "Language set to English."
    (person,) = rows(bot.services.settings, "SELECT locale FROM users WHERE id = 21")
    assert person["locale"] == "en"  # kept: the next start (or a restart) speaks English too
    await user.send("/survei")
    assert "Welcome back" in user.text and "How old are you?" in user.text
    await user.send("/bahasa")
    await user.tap("Bahasa Indonesia")
    assert user.text == "Bahasa diganti ke Bahasa Indonesia."


async def test_help_in_both_languages(bot: Bot) -> None:
    await bot.user(22).send("/bantuan")
    assert "Cara memakai bot ini" in bot.user(22).text
    await bot.user(23, "en").send("/help")
    assert "How this bot works" in bot.user(23, "en").text


async def test_description_in_both_languages(bot: Bot) -> None:
    assert "UU No. 27 Tahun 2022" in bot.telegram.descriptions[None]
    assert "Law No. 27 of 2022" in bot.telegram.descriptions["en"]


def test_every_validation_error_has_a_message() -> None:
    from conversations.survey.render import ERRORS

    core = ROOT / "bot" / "core" / "survey"
    source = "".join(p.read_text() for p in core.glob("*.py"))
    source += (ROOT / "bot" / "services" / "surveys.py").read_text()
    codes = set(re.findall(r'Invalid\(\s*"([a-z_.]+)"', source))
    assert codes and codes <= set(ERRORS), codes - set(ERRORS)
