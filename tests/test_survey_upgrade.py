"""A survey file replaced while people are half-way through it (a new version of a shipped
survey): whoever comes back continues on the new file, never meets a question that is gone,
and is asked again what the new file would not take as it was answered."""

from __future__ import annotations

from pathlib import Path

from bot.core.survey.engine import Answer
from bot.core.survey.fit import fits
from bot.core.survey.loader import parse_survey
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import running_bot
from tests.helpers import answers, no_refusals, rows

OLD = """\
id: versi
title: {id: "Survei versi", en: "Version survey"}
start_payloads: [versi]
questions:
  - id: peran
    type: single
    text: {id: "Q1 pekerjaan", en: "Q1 work"}
    choices:
      - {id: ojol, label: {id: "Ojek online", en: "Ride-hailing"}}
      - {id: kurir, label: {id: "Kurir", en: "Courier"}}
  - id: hari
    type: integer
    min: 1
    max: 7
    text: {id: "Q2 hari kerja", en: "Q2 days"}
  - id: jam
    type: integer
    min: 1
    max: 24
    text: {id: "Q3 jam kerja", en: "Q3 hours"}
  - id: saran
    type: text
    text: {id: "Q4 saran", en: "Q4 suggestion"}
"""
# Version 2: the days are buttons now, the hours question is gone.
NEW = """\
id: versi
title: {id: "Survei versi", en: "Version survey"}
start_payloads: [versi]
questions:
  - id: peran
    type: single
    text: {id: "Q1 pekerjaan", en: "Q1 work"}
    choices:
      - {id: ojol, label: {id: "Ojek online", en: "Ride-hailing"}}
      - {id: kurir, label: {id: "Kurir", en: "Courier"}}
  - id: hari
    type: single
    text: {id: "Q2 hari kerja (tombol)", en: "Q2 days (buttons)"}
    choices:
      - {id: h1_4, label: {id: "1–4 hari", en: "1–4 days"}}
      - {id: h5_7, label: {id: "5–7 hari", en: "5–7 days"}}
  - id: saran
    type: text
    text: {id: "Q4 saran", en: "Q4 suggestion"}
"""


async def test_someone_half_way_continues_on_the_new_file(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "versi.yaml").write_text(OLD, encoding="utf-8")
    settings = harness.test_settings(tmp_path, surveys_dir=surveys)
    telegram = FakeTelegram()  # the same chats across the restart, as Telegram keeps them
    async with running_bot(settings, telegram) as bot:
        user = bot.user(40)
        await user.send("/start versi")
        await user.tap("Setuju")
        await user.tap("Kurir")
        await user.send("5")
        assert "Q3 jam kerja" in user.text  # on a question version 2 does not have

    (surveys / "versi.yaml").write_text(NEW, encoding="utf-8")
    async with running_bot(settings, telegram) as bot:
        user = bot.user(40)
        old_screen = user.last
        await user.send("/survei")
        # "5" is no answer to the buttons: asked again; the removed question is never shown.
        assert "Q2 hari kerja (tombol)" in user.text
        # A button of the old screen (its question is gone) only brings the question back.
        await user.tap("Kembali", old_screen)
        assert "Q2 hari kerja (tombol)" in user.text
        await user.tap("5–7 hari")
        assert "Q4 saran" in user.text
        await user.send("Iuran lebih murah")
        await user.tap("Kirim")
        no_refusals(bot)
    assert rows(settings, "SELECT status FROM responses")[0]["status"] == "submitted"
    assert answers(settings, 40) == {"peran": "kurir", "hari": "h5_7", "saran": "Iuran lebih murah"}


def test_what_fits_a_question_as_the_file_says_now(tmp_path: Path) -> None:
    (tmp_path / "versi.yaml").write_text(NEW, encoding="utf-8")
    survey = parse_survey(tmp_path / "versi.yaml")
    hari, saran = survey.question("hari"), survey.question("saran")
    assert hari is not None and saran is not None
    assert fits(hari, Answer("h1_4"))
    assert not fits(hari, Answer(5))  # stored by version 1 as a number
    assert not fits(hari, Answer("h9"))
    assert not fits(hari, Answer(None))  # required: a skip does not fit
    assert fits(saran, Answer("ok"))
    assert not fits(saran, Answer(5))
    assert not fits(saran, Answer("ok", other="x"))
