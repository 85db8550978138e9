"""Staff send an XLSForm in the chat: the report, a draft (or the refusal, and importing
without the parts chat cannot run), a preview that counts nothing, publishing (asking first
when a live version is replaced) and the deep link. Through the real Application; the file
travels as Telegram carries it (getFile, then the file URL) in the fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from conversations.surveys_admin.upload import MAX_BYTES
from tests.helpers import clock_at, no_refusals, rows
from tests.test_events_chat import NOW

STAFF, VISITOR, RESPONDENT = 960, 961, 962
CORPUS = Path(__file__).resolve().parent / "xlsforms"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def upload(user: FakeUser, name: str, content: bytes | None = None) -> None:
    data = content if content is not None else (CORPUS / name).read_bytes()
    await user.send_document(
        name, data, "application/vnd.ms-excel" if name.endswith(".xls") else XLSX
    )


def forms(settings: Settings) -> list[tuple[str, int, str]]:
    found = rows(settings, "SELECT survey_id, version, status FROM survey_forms ORDER BY id")
    return [(r["survey_id"], r["version"], r["status"]) for r in found]


def draft_message(user: FakeUser) -> dict[str, Any]:
    """The newest draft screen (its buttons stay usable under a preview)."""
    drafts = [
        m for m in user.messages if str(m.get("text", "")).startswith(("📝 Draf", "📝 Draft"))
    ]
    return drafts[-1]


def same_message(user: FakeUser, message: dict[str, Any]) -> dict[str, Any]:
    """`message` as it reads now (edited in place after a tap)."""
    return next(m for m in user.messages if m["message_id"] == message["message_id"])


async def answer_first_choices(user: FakeUser) -> None:
    """Through choice_filter_test.xlsx's three cascading questions, to the review."""
    for _ in range(3):
        await user.tap(user.buttons()[0])


async def test_a_whole_form_is_a_draft_tried_without_counting_then_published(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await upload(staff, "choice_filter_test.xlsx")
    report = staff.messages[-3]["text"]
    assert report.split("\n")[0] == "📄 “cascading selects” (id cascading_selects1)"
    assert "Pertanyaan: Satu pilihan: 3" in report
    assert "• (tanpa nama bahasa) → Bahasa Indonesia, Bahasa Inggris" in report
    assert report.endswith("✅ Semua bagian formulir ini bisa berjalan di chat.")
    [file] = staff.files()
    assert file.filename == "cascading_selects1-report.txt"
    assert b"Every part of this form can run in chat." in file.content
    assert staff.text.startswith("📝 Draf: “cascading selects”, versi 1")
    assert staff.buttons() == ["👀 Coba dulu", "✅ Terbitkan", "🗑 Buang"]
    assert forms(staff_settings) == [("cascading_selects1", 1, "draft")]

    # Staff who never agreed to the data notice see it first, as a respondent does.
    await staff.tap("👀 Coba dulu")
    await staff.tap("Setuju")
    await staff.tap("👀 Coba dulu", draft_message(staff))
    assert staff.text.startswith("Pertanyaan 1 dari 3")
    await answer_first_choices(staff)
    assert staff.text.startswith("Periksa kembali jawaban Anda")
    # Half-way, a preview is in no count of the survey's responses.
    assert await bot.services.survey_catalog.half_way("cascading_selects1") == 0
    await staff.tap("✅ Kirim")
    assert staff.text.startswith("✅ Uji coba selesai: tidak ada yang disimpan")
    # Nothing of the preview is a response: no answer kept, no response of the survey, and
    # the draft's buttons still work.
    assert rows(staff_settings, "SELECT * FROM answers") == []
    assert (
        rows(staff_settings, "SELECT * FROM responses WHERE survey_id = 'cascading_selects1'") == []
    )
    [tried] = rows(staff_settings, "SELECT survey_id, status, submitted_at FROM responses")
    assert (tried["status"], tried["submitted_at"]) == ("cancelled", None)
    assert not tried["survey_id"].startswith("cascading")

    draft = draft_message(staff)
    await staff.tap("✅ Terbitkan", draft)
    published = same_message(staff, draft)  # the draft turned into what was published
    assert published["text"] == (
        "✅ “cascading selects” versi 1 sudah terbit. Tautannya:\n"
        "https://t.me/berdaya_test_bot?start=cascading_selects1"
    )
    assert staff.buttons(published) == ["📣 Umumkan"]
    assert forms(staff_settings) == [("cascading_selects1", 1, "live")]

    # A respondent opens it with the link; staff, who tried it, may answer it for real.
    respondent = bot.user(RESPONDENT)
    await respondent.send("/start cascading_selects1")
    await respondent.tap("Setuju")
    assert respondent.text.startswith("Pertanyaan 1 dari 3")
    await answer_first_choices(respondent)
    await respondent.tap("✅ Kirim")
    await staff.send("/start cascading_selects1")
    assert staff.text.startswith("Pertanyaan 1 dari 3")
    counted = rows(
        staff_settings,
        "SELECT user_id, status FROM responses WHERE survey_id = 'cascading_selects1'",
    )
    assert {tuple(r) for r in counted} == {(RESPONDENT, "submitted"), (STAFF, "in_progress")}
    progress = await bot.services.results.repo.progress()
    assert progress["cascading_selects1"] == (2, 1)
