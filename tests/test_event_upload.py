"""Staff send the events CSV to the bot as a document and the running bot imports it: all rows
or none, every problem by its line, only for staff. Through the real Application; the file
travels as Telegram carries it (getFile, then the file URL) in the fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from conversations.staff.upload import MAX_BYTES
from tests.helpers import clock_at, no_refusals, rows
from tests.test_events_chat import NOW
from tests.test_events_import import EXAMPLE, csv_bytes, example_rows

STAFF, VISITOR = 950, 951


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def slugs(settings: Settings) -> list[str]:
    return [r["slug"] for r in rows(settings, "SELECT slug FROM events ORDER BY slug")]


async def test_staff_import_a_file_and_again_it_changes_nothing(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await staff.send_document("acara.csv", EXAMPLE.read_bytes())
    assert staff.text == "✅ 5 acara diimpor: 5 baru, 0 diubah, 0 tetap."
    assert len(slugs(staff_settings)) == 5
    changed = [{**example_rows()[0], "venue": "Hotel Kristal Kupang"}, *example_rows()[1:]]
    await staff.send_document("acara.csv", csv_bytes(changed))
    assert staff.text == "✅ 5 acara diimpor: 0 baru, 1 diubah, 4 tetap."
    await staff.send("/acara")  # people see it at once
    assert staff.buttons()[0].startswith("15 Des · Lokakarya Pendaftaran")
    english = bot.user(STAFF, "en")  # the original file again: the venue changes back
    await english.send_document("events.csv", EXAMPLE.read_bytes())
    assert english.text == "✅ 5 events imported: 0 new, 1 changed, 4 unchanged."


async def test_a_file_with_bad_rows_imports_nothing_and_says_every_line(
    bot: Bot, staff_settings: Settings
) -> None:
    bad = example_rows()
    bad[1] = {**bad[1], "region": "Kupang"}  # the kota or the kabupaten?
    bad[3] = {**bad[3], "ends_at": bad[3]["starts_at"]}
    staff = bot.user(STAFF)
    await staff.send_document("acara.csv", csv_bytes(bad))
    lines = staff.text.split("\n")
    assert lines[0] == "Tidak ada yang diimpor. Silakan perbaiki berkasnya lalu kirim lagi:"
    assert lines[1].startswith("• Baris 3: region 'Kupang' could be Kabupaten Kupang (53.01)")
    assert lines[2] == "• Baris 5: ends_at must be after starts_at"
    assert slugs(staff_settings) == []


async def test_many_problems_are_cut_to_a_screen(bot: Bot, staff_settings: Settings) -> None:
    bad = [{**example_rows()[0], "slug": f"x-{n}", "kind": "konser"} for n in range(20)]
    staff = bot.user(STAFF)
    await staff.send_document("acara.csv", csv_bytes(bad))
    assert staff.text.count("• Baris") == 15
    assert staff.text.endswith("… dan 5 lainnya.")
    assert slugs(staff_settings) == []


async def test_not_a_csv_too_big_or_not_utf8(bot: Bot, staff_settings: Settings) -> None:
    staff = bot.user(STAFF)
    await staff.send_document("acara.pdf", b"%PDF-1.4", "application/pdf")
    assert staff.text.startswith("Untuk mengimpor acara, kirim berkas acara yang disimpan")
    await staff.send_document("acara.csv", b"x" * (MAX_BYTES + 1))
    assert staff.text == "Berkas ini 1.000.001 byte; berkas acara paling besar 1.000.000 byte."
    latin1 = EXAMPLE.read_text(encoding="utf-8").replace("Lokakarya", "Lokakaryà")
    await staff.send_document("acara.csv", latin1.encode("latin-1", "replace"))
    assert staff.text.startswith("Tidak ada yang diimpor.")
    assert "UTF-8" in staff.text
    assert slugs(staff_settings) == []


async def test_anyone_else_sending_a_file_imports_nothing(
    bot: Bot, staff_settings: Settings
) -> None:
    visitor = bot.user(VISITOR)
    await visitor.send("/start")  # what a visitor sees for a file: the usual reply
    before = len(visitor.messages)
    await visitor.send_document("acara.csv", EXAMPLE.read_bytes())
    assert len(visitor.messages) == before + 1
    assert "acara diimpor" not in visitor.text
    assert slugs(staff_settings) == []
    assert bot.telegram.calls_to("getFile") == []  # nobody else's file is even fetched
