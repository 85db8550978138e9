"""The audit log: event creation, changes, cancellations and imports, role changes, data requests
and deletions are written with who and when; /audit (admins) pages it newest first with the
broadcasts' own record among it, and sends the whole log as a CSV where no cell can start a
formula; entries go after the retention period. Through the real bot; the database read as an
auditor would."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.sheet import safe_cell
from bot.services.audit import PAGE_SIZE, Action
from bot.storage.timefmt import to_db
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import clock_at, consent, no_refusals, rows
from tests.test_event_admin import open_haki
from tests.test_event_wizard import quick_event
from tests.test_events_chat import NOW
from tests.test_events_import import EXAMPLE

ADMIN, PERSON = 990, 991


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({ADMIN}), retention_days=30)


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def entries(settings: Settings) -> list[tuple[int | None, str, str, str]]:
    found = rows(settings, "SELECT actor, action, subject, detail FROM audit_log ORDER BY id")
    return [(r["actor"], r["action"], r["subject"], r["detail"]) for r in found]


async def test_events_made_changed_cancelled_and_imported_are_recorded(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(ADMIN)
    await staff.send_document("acara.csv", EXAMPLE.read_bytes())
    await quick_event(staff)
    assert staff.text.startswith("✅ Diterbitkan")
    (made,) = rows(staff_settings, "SELECT slug FROM events WHERE title_id = 'Dialog UMKM Kupang'")
    await open_haki(staff)
    await staff.tap("✏️ Ubah")
    await staff.tap("Kursi")
    await staff.send("40")
    await staff.tap("💾 Simpan")
    await open_haki(staff)
    await staff.tap("❌ Batalkan acara")
    await staff.tap("Ya, batalkan acara")
    assert entries(staff_settings) == [
        (ADMIN, "events_imported", "", "5 added, 0 changed"),
        (ADMIN, "event_created", made["slug"], ""),
        (ADMIN, "event_changed", "haki-kupang-2026-12", "capacity"),
        (ADMIN, "event_cancelled", "haki-kupang-2026-12", "0 told"),
    ]
    stamps = rows(staff_settings, "SELECT at FROM audit_log")
    assert all(r["at"].startswith("2026-12-01") for r in stamps)  # the bot's clock: when


async def test_data_requests_are_recorded_and_an_erasure_names_no_one(
    bot: Bot, staff_settings: Settings
) -> None:
    person = bot.user(PERSON)
    await consent(person, "bpjs")
    await person.send("/dataku")
    assert entries(staff_settings) == [(PERSON, "data_request", "", "")]
    await person.send("/hapusdata")
    await person.tap("Ya, hapus semua")
    # The request went with the person; the erasure is there, with nothing pointing at them.
    assert entries(staff_settings) == [(None, "data_erased", "", "")]


async def test_audit_pages_newest_first_with_broadcasts_and_the_file_is_formula_safe(
    bot: Bot, staff_settings: Settings
) -> None:
    audit = bot.services.audit
    # A broadcast and its actions, as the outbox records them (broadcast_actions).
    await bot.services.db.write(
        (
            "INSERT INTO broadcasts (id, created_by, created_at, from_chat_id, message_id) "
            "VALUES (7, ?, ?, ?, 1)",
            (ADMIN, to_db(bot.clock.now()), ADMIN),
        ),
        (
            "INSERT INTO broadcast_actions (broadcast_id, actor, action, at) "
            "VALUES (7, ?, 'created', ?)",
            (ADMIN, to_db(bot.clock.now())),
        ),
    )
    bot.clock.advance(timedelta(minutes=1))
    # Text staff typed can reach the log (an event's slug, an export's detail).
    await audit.record(ADMIN, Action.EXPORT, '=HYPERLINK("http://x")', "@SUM(1)")
    for number in range(PAGE_SIZE):
        bot.clock.advance(timedelta(minutes=1))
        await audit.record(ADMIN, Action.ROLE_GRANTED, 1000 + number, "editor")

    admin = bot.user(ADMIN)
    await admin.send("/audit")
    assert admin.text.startswith("Log audit, halaman 1 dari 2 (terbaru di atas)")
    assert "990 memberi peran staf kepada 1009" in admin.text  # the newest first
    assert "1000" in admin.text and "#7" not in admin.text
    assert admin.buttons() == ["Lebih lama ▶️", "⬇️ Seluruh log sebagai CSV"]
    await admin.tap("Lebih lama ▶️")
    assert admin.text.startswith("Log audit, halaman 2 dari 2")
    assert "990 membuat siaran #7" in admin.text
    assert "990 mengekspor survei “=HYPERLINK" in admin.text
    assert admin.buttons() == ["◀️ Lebih baru", "⬇️ Seluruh log sebagai CSV"]

    await admin.tap("⬇️ Seluruh log sebagai CSV")
    (upload,) = admin.files()
    assert upload.filename.startswith("audit-") and upload.filename.endswith(".csv")
    text = upload.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["at_utc", "actor", "action", "subject", "detail"]
    body = table[1:]
    # Every entry of both records (taking the file is recorded first, so it is in it).
    logged = rows(staff_settings, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    broadcast = rows(staff_settings, "SELECT count(*) AS n FROM broadcast_actions")[0]["n"]
    assert len(body) == logged + broadcast == PAGE_SIZE + 3
    assert body[0][1:3] == [str(ADMIN), "audit_exported"]
    assert ["broadcast_created", "7"] in [r[2:4] for r in body]
    export = next(r for r in body if r[2] == "export")
    assert export[3:] == ['\'=HYPERLINK("http://x")', "'@SUM(1)"]
    for row in body:
        for cell in row:
            assert safe_cell(cell) == cell, cell  # nothing left that a spreadsheet would run


async def test_audit_in_english(bot: Bot) -> None:
    await bot.services.audit.record(None, Action.EXPORT, "bpjs", "csv, 3 responses")
    admin = bot.user(ADMIN, "en")
    await admin.send("/audit")
    assert admin.text.startswith("Audit log, page 1 of 1 (newest first)")
    assert "the command line exported the survey “bpjs” (csv, 3 responses)" in admin.text
    assert admin.buttons() == ["⬇️ The whole log as CSV"]


async def test_entries_go_after_the_retention_period(staff_settings: Settings) -> None:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as bot:
        assert bot.app.job_queue is not None
        (housekeeping,) = bot.app.job_queue.get_jobs_by_name("housekeeping")
        await bot.services.audit.record(ADMIN, Action.ROLE_GRANTED, 1, "editor")
        bot.clock.advance(timedelta(days=29))
        await bot.services.audit.record(ADMIN, Action.ROLE_REVOKED, 1, "editor")
        bot.clock.advance(timedelta(days=2))
        await housekeeping.run(bot.app)
        no_refusals(bot)
    assert [e[1] for e in entries(staff_settings)] == ["role_revoked"]
