"""The review lists each answer under a title a person can read at a glance: the question's
`short:` title when the survey file gives one, else the question cut at a whole word."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import consent

SURVEY = """\
id: judul
title: {id: "Uji judul", en: "Titles test"}
start_payloads: [judul]
questions:
  - id: pendapatan
    type: integer
    text:
      id: "Berapa rata-rata pendapatan bersih Anda per bulan dari pekerjaan ini, setelah dipotong biaya bensin dan pulsa?"
      en: "What is your average net income a month from this work, after fuel and phone credit?"
    short: {id: "Pendapatan bersih per bulan", en: "Net monthly income"}
    min: 0
  - id: keluhan
    type: text
    text:
      id: "Apa keluhan terbesar Anda tentang pekerjaan sebagai pengemudi ojek online di kota ini?"
      en: "What is your biggest complaint about working as an online motorbike taxi driver here?"
"""


@pytest.fixture
async def titles(tmp_path: Path) -> AsyncIterator[Bot]:
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "judul.yaml").write_text(SURVEY, encoding="utf-8")
    async with running_bot(harness.test_settings(tmp_path, surveys_dir=folder)) as running:
        yield running
        assert not running.telegram.refusals


async def _review(bot: Bot, language: str) -> str:
    user = bot.user(1, language)
    await consent(user, "judul")
    await user.send("2500000")
    await user.send("Aplikasi sering memotong tarif tanpa pemberitahuan yang jelas")
    return user.text


async def test_the_review_uses_short_titles(titles: Bot) -> None:
    text = await _review(titles, "id")
    assert "1. Pendapatan bersih per bulan\n" in text
    assert "Berapa rata-rata pendapatan" not in text


async def test_a_title_without_short_is_cut_at_a_whole_word(titles: Bot) -> None:
    text = await _review(titles, "id")
    line = next(x for x in text.splitlines() if x.startswith("2. "))
    assert line == "2. Apa keluhan terbesar Anda tentang pekerjaan sebagai…"
    # The answer under it is whole: it fits.
    assert "Aplikasi sering memotong tarif tanpa pemberitahuan yang jelas" in text


async def test_short_titles_in_english(titles: Bot) -> None:
    text = await _review(titles, "en")
    assert "1. Net monthly income\n" in text
    line = next(x for x in text.splitlines() if x.startswith("2. "))
    assert line.endswith("…") and not line.endswith(" …")
    assert "What is your biggest complaint about working as an" in line
