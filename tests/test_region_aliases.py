"""The names people type for places: short names of provinces ("NTT", "Jogja", "DKI") and the
capitals of kabupaten ("Soe", "Kefamenanu"), in the survey's region question and in the events
search, from one table (bot.core.regions)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core import regions
from bot.core.events.search import places
from bot.core.survey import steps
from bot.core.survey.loader import parse_survey
from bot.core.survey.session import Session
from bot.testing.harness import Bot
from tests.helpers import answers, consent


def _codes(text: str, province: str | None = None) -> list[str]:
    return [r.code for r in regions.search(text, province)]


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("NTT", ["53"]),
        ("ntb", ["52"]),
        ("TTS", ["53.02"]),
        ("TTU", ["53.03"]),
        ("Jogja", ["34", "34.71"]),
        ("Yogya", ["34", "34.71"]),
        ("DIY", ["34", "34.71"]),
        ("DKI", ["31"]),
        ("Jakarta", ["31"]),
        ("Soe", ["53.02"]),
        ("Kefamenanu", ["53.03"]),
        ("Atambua", ["53.04"]),
        ("Waingapu", ["53.11"]),
        ("Ruteng", ["53.10"]),
        ("Labuan Bajo", ["53.15"]),
        ("labuan-bajo", ["53.15"]),
        ("Maumere", ["53.07"]),
        ("Bajawa", ["53.09"]),
        ("Kalabahi", ["53.05"]),
        ("  SOE. ", ["53.02"]),
        ("Cibinong", ["32.01"]),
        ("Solo", ["33.72"]),
    ],
)
def test_a_name_people_use_finds_its_region_first(typed: str, codes: list[str]) -> None:
    assert _codes(typed)[: len(codes)] == codes


def test_every_alias_names_real_regions() -> None:
    table = regions.aliases()
    assert len(table) > 150
    for alias, codes in table.items():
        assert alias == " ".join(alias.split()) and alias == alias.casefold(), alias
        assert codes and all(regions.by_code(c) is not None for c in codes), alias


def test_an_alias_gives_all_its_regions_beyond_the_limit() -> None:
    found = _codes("Jabodetabek")
    assert len(found) == 9 and found[0] == "31"
    assert {"32.76", "36.74", "32.75"} <= set(found)


def test_within_a_province_only_its_kabupaten_and_kota() -> None:
    assert _codes("soe", "53") == ["53.02"]
    assert _codes("soe", "52") == []
    assert _codes("ntt", "53") == []  # the province itself is no answer there


def test_official_names_still_found_as_before() -> None:
    assert set(_codes("kupang")) == {"53.01", "53.71"}
    assert _codes("ku") == []


def test_the_events_search_reads_the_same_table() -> None:
    names = places._place_names()
    assert names[("soe",)] == frozenset({"53.02"})
    assert names[("labuan", "bajo")] == frozenset({"53.15"})
    assert names[("ntt",)] == frozenset({"53"})
    assert names[("jogja",)] == frozenset({"34", "34.71"})


async def _at_region_question(mini: Bot, user_id: int = 1):
    user = mini.user(user_id)
    await consent(user, "uji")
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    await user.send("5")
    await user.tap("Lewati")
    await user.tap("Tidak")
    await user.send("1/10/2025")
    assert "Di kota mana Anda bekerja?" in user.text
    return user


async def test_soe_typed_on_the_region_question_is_answered(mini: Bot) -> None:
    user = await _at_region_question(mini)
    await user.send("soe")
    assert user.buttons()[0] == "Kabupaten Timor Tengah Selatan, Nusa Tenggara Timur"
    assert "📋 Daftar provinsi" in user.buttons()
    await user.tap("Kabupaten Timor Tengah Selatan")
    assert answers(mini.services.settings, 1)["kota"] == "53.02"
    assert "Ada saran?" in user.text


async def test_nothing_found_suggests_the_list_without_blaming_the_letters(mini: Bot) -> None:
    user = await _at_region_question(mini)
    await user.send("Kupng Kota Karang")
    assert "“Kupng Kota Karang” tidak ditemukan. Silakan pilih dari daftar di bawah." in user.text
    assert "huruf" not in user.text
    assert "Aceh" in user.buttons()  # the province list, there to tap
    await user.send("xq")
    assert "“xq” tidak ditemukan" in user.text and "huruf" not in user.text


async def test_the_list_is_one_tap_away_from_search_results(mini: Bot) -> None:
    user = await _at_region_question(mini)
    await user.send("Kupang")
    assert "Kota Kupang, Nusa Tenggara Timur" in user.buttons()
    assert "Aceh" not in user.buttons()
    await user.tap("📋 Daftar provinsi")
    assert "Aceh" in user.buttons()
    await user.send("NTT")
    await user.tap("Nusa Tenggara Timur")
    assert "Provinsi: Nusa Tenggara Timur" in user.text
    await user.send("Atambua")  # within the province
    assert user.buttons()[0] == "Kabupaten Belu, Nusa Tenggara Timur"
    assert "📋 Daftar kabupaten/kota" in user.buttons()
    await user.tap("📋 Daftar kabupaten/kota")
    assert "Kabupaten Kupang" in user.buttons()
    await user.tap("Kabupaten Belu")
    assert answers(mini.services.settings, 1)["kota"] == "53.04"


PROVINCE_ONLY = """\
id: provinsi
title: {id: "Uji provinsi", en: "Province test"}
questions:
  - id: prov
    type: region
    level: province
    text: {id: "Di provinsi mana Anda tinggal?", en: "Which province do you live in?"}
"""


@pytest.mark.parametrize(
    ("typed", "codes"),
    [("Soe", ["53"]), ("Kupang", ["53"]), ("Jogja", ["34"]), ("jabodetabek", ["31", "32", "36"])],
)
def test_a_place_typed_for_a_province_question_names_its_province(
    tmp_path: Path, typed: str, codes: list[str]
) -> None:
    (tmp_path / "provinsi.yaml").write_text(PROVINCE_ONLY, encoding="utf-8")
    survey = parse_survey(tmp_path / "provinsi.yaml")
    session = Session(1, 1, "provinsi", None, "prov", {}, datetime.now(UTC))
    step = steps.typed(survey, session, typed, "id", date(2026, 12, 2))
    assert isinstance(step, steps.Moved)
    assert [r.code for r in step.matches] == codes
