"""Staff send an XLSForm in the chat: the report, a draft (or the refusal, and importing
without the parts chat cannot run), a preview that counts nothing, publishing (asking first
when a live version is replaced) and the deep link. Through the real Application; the file
travels as Telegram carries it (getFile, then the file URL) in the fake Telegram."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.config import Settings
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from conversations.surveys_admin.upload import MAX_BYTES
from tests.conftest import TEST_SURVEYS
from tests.helpers import clock_at, no_refusals, rows
from tests.test_events_chat import NOW

STAFF, VISITOR, RESPONDENT = 960, 961, 962
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "xlsforms"
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


def kept(settings: Settings) -> Iterator[Path]:
    """The received forms waiting on disk for 'import without those parts'."""
    return (settings.database_path.parent / "xlsforms").iterdir()


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
    assert "Pertanyaan: satu pilihan (3)" in report
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
    await staff.tap("📣 Umumkan", published)
    # 📣: /umumkan's summary, the announcement written, to those who chose news of surveys.
    assert staff.messages[-2]["text"] == (
        "📝 cascading selects\n\n"
        "Isi di sini: https://t.me/berdaya_test_bot?start=cascading_selects1"
    )
    assert staff.text.startswith("📣 Siap diumumkan\n\n👥 Pelanggan topik “Survei”")
    assert staff.buttons(same_message(staff, published)) == []

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


async def test_a_form_with_parts_chat_cannot_run_is_refused_until_imported_without_them(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF, "en")
    await upload(staff, "widgets.xls")
    report = staff.messages[-2]["text"]
    assert report.split("\n")[0] == "📄 “widgets” (id widgets)"
    assert "Asks: one choice (11), several choices (8), text (3), " in report
    assert "• (no language named) → Indonesian, English" in report
    assert "Parts chat cannot run: 6" in report
    assert "• Row 13, my_image: a photo answer is not supported in chat surveys yet" in report
    assert report.endswith("read as empty where the form uses them.")
    assert staff.buttons(staff.messages[-2]) == ["Import without those parts"]
    [file] = staff.files()
    assert b"row 18, dateTime: a date-and-time answer is not supported" in file.content
    assert forms(staff_settings) == []  # refused as a whole: nothing stored
    assert len(list(kept(staff_settings))) == 1  # the file waits for the button

    await staff.tap("Import without those parts", staff.messages[-2])
    assert staff.buttons(staff.messages[-5]) == []  # the report stays, its button gone
    assert "Parts left out: 6" in staff.messages[-3]["text"]
    assert b"6 part(s) left out" in staff.files()[-1].content
    assert staff.text.startswith("📝 Draft: “widgets”, version 1")
    assert "Left out: dateTime, my_audio, my_barcode, my_image, my_time, my_video." in staff.text
    assert forms(staff_settings) == [("widgets", 1, "draft")]
    assert list(kept(staff_settings)) == []  # imported: no file waits any more
    # The refused file's button is for that file only: a forged digest is no longer active.
    await staff.deliver(staff.callback_update("xf:0123456789abcdef", staff.messages[-1]))
    assert bot.telegram.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "That button is no longer active."
    )


async def test_files_pyxform_refuses_or_that_are_no_form(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await upload(staff, "liberiaCoverage.xlsx")
    lines = staff.text.split("\n")
    assert lines[0] == "❌ “liberiaCoverage.xlsx” tidak bisa diimpor. Pembaca XLSForm menyatakan:"
    assert lines[1].startswith("[row : 126] On the 'choices' sheet, the 'name' value is invalid.")
    await upload(staff, "survei.xlsx", b"question,type\nname,text\n")
    assert staff.text == (
        "Berkas ini bukan spreadsheet Excel. Silakan kirim formulirnya sebagai berkas .xlsx "
        "atau .xls, seperti yang disimpan Excel, KoboToolbox, atau ODK."
    )
    fetched = len(bot.telegram.calls_to("getFile"))
    await upload(staff, "besar.xlsx", b"x" * (MAX_BYTES + 1))
    assert staff.text == "Berkas ini 5.000.001 byte; formulir paling besar 5.000.000 byte."
    assert len(bot.telegram.calls_to("getFile")) == fetched  # not even downloaded
    assert forms(staff_settings) == []
    assert staff.files() == []


async def test_anyone_else_s_spreadsheet_and_forged_buttons_do_nothing(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await upload(staff, "choice_filter_test.xlsx")
    draft = draft_message(staff)
    visitor = bot.user(VISITOR)
    await visitor.send("/start")
    before = len(visitor.messages)
    await upload(visitor, "liberiaStdForm.xlsx")
    assert len(visitor.messages) == before + 1  # the usual reply to a file
    assert "Liberia" not in visitor.text
    assert len(bot.telegram.calls_to("getFile")) == 1  # staff's only
    for data in ("xfd:p:1:cascading_selects1", "xfd:d:1:cascading_selects1", "xfp:x", "xf:ab"):
        await visitor.deliver(visitor.callback_update(data, visitor.messages[-1]))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1]
        assert answer.params["text"] == "Tombol ini sudah tidak berlaku."
    assert forms(staff_settings) == [("cascading_selects1", 1, "draft")]
    assert [r["action"] for r in rows(staff_settings, "SELECT action FROM audit_log")] == [
        "survey_imported"
    ]
    # Discarded, the draft's buttons are stale for staff too.
    await staff.tap("🗑 Buang", draft)
    assert same_message(staff, draft)["text"] == (
        "🗑 Versi 1 dari “cascading_selects1” sudah dibuang. Tidak ada yang melihatnya."
    )
    await staff.deliver(staff.callback_update("xfd:p:1:cascading_selects1", draft))
    answer = bot.telegram.calls_to("answerCallbackQuery")[-1]
    assert answer.params["text"] == "Tombol ini sudah tidak berlaku."
    assert forms(staff_settings) == [("cascading_selects1", 1, "discarded")]
    # Staff find how to import a form in /bantuan; nobody else learns of it.
    for person in (staff, visitor):
        await person.send("/bantuan")
    assert "📄 kirim XLSForm (.xlsx, .xls) sebagai berkas untuk mengimpor survei" in staff.text
    assert "XLSForm" not in visitor.text


def retitled(title: str) -> bytes:
    """choice_filter_test.xlsx with another title: new bytes, the same form id."""
    book = openpyxl.load_workbook(CORPUS / "choice_filter_test.xlsx")
    book["settings"]["A2"] = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_publishing_over_a_live_version_asks_first_and_the_half_way_finish_on_it(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await upload(staff, "choice_filter_test.xlsx")
    await staff.tap("✅ Terbitkan")  # nothing live yet: published at once
    assert forms(staff_settings) == [("cascading_selects1", 1, "live")]
    await upload(staff, "choice_filter_test.xlsx")  # the same bytes again
    assert staff.text == (
        "Berkas ini sudah terbit sebagai versi 1. Tautannya:\n"
        "https://t.me/berdaya_test_bot?start=cascading_selects1"
    )
    respondent = bot.user(RESPONDENT)
    await respondent.send("/start cascading_selects1")
    await respondent.tap("Setuju")
    await respondent.tap("Texas")  # half-way through version 1

    await upload(staff, "survei-v2.xlsx", retitled("Kabupaten dan kota"))
    assert staff.text.startswith("📝 Draf: “Kabupaten dan kota”, versi 2")
    draft = draft_message(staff)
    await staff.tap("✅ Terbitkan", draft)
    asked = same_message(staff, draft)
    assert asked["text"] == (
        "Versi 1 survei ini sedang berjalan. Menerbitkan versi 2 menggantikannya untuk "
        "responden baru. Orang yang sedang mengisi versi 1: 1. Mereka menyelesaikannya di "
        "versi itu, dan jawabannya tetap tersimpan sebagai versi 1."
    )
    assert staff.buttons(asked) == ["✅ Ya, terbitkan versi 2", "◀️ Nanti saja"]
    await staff.tap("◀️ Nanti saja", asked)
    assert same_message(staff, draft)["text"].startswith("📝 Draf: “Kabupaten dan kota”")
    assert forms(staff_settings)[-1] == ("cascading_selects1", 2, "draft")
    await staff.tap("✅ Terbitkan", draft)
    await staff.tap("✅ Ya, terbitkan versi 2", same_message(staff, draft))
    assert same_message(staff, draft)["text"].startswith(
        "✅ “Kabupaten dan kota” versi 2 sudah terbit."
    )
    assert forms(staff_settings) == [
        ("cascading_selects1", 1, "retired"),
        ("cascading_selects1", 2, "live"),
    ]
    # The respondent finishes on version 1; the next one gets version 2.
    await respondent.tap(respondent.buttons()[0])
    await respondent.tap(respondent.buttons()[0])
    await respondent.tap("✅ Kirim")
    late = bot.user(RESPONDENT + 1)
    await late.send("/start cascading_selects1")
    await late.tap("Setuju")
    assert late.text.startswith("Pertanyaan 1 dari 3")
    versions = rows(
        staff_settings,
        "SELECT user_id, survey_version, status FROM responses ORDER BY user_id",
    )
    assert [tuple(r) for r in versions] == [
        (RESPONDENT, 1, "submitted"),
        (RESPONDENT + 1, 2, "in_progress"),
    ]


def _simulate(args: list[str], keys: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "SURVEYS_DIR"}}
    env.update(SURVEYS_DIR=str(TEST_SURVEYS), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "simulate", *args],
        input=keys,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=90,
    )


def test_the_simulator_tries_an_xlsform_without_a_token(tmp_path: Path) -> None:
    # consent, then Texas, King, Dumont (the first choice each time), then send
    keys = "1\n1\n1\n1\n5\n:q\n"
    result = _simulate(["--xlsform", str(CORPUS / "choice_filter_test.xlsx")], keys, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Form 'cascading_selects1': cascading selects\n")
    assert "Every part of this form can run in chat." in out
    assert "Pertanyaan 3 dari 3\ncity" in out
    assert "Periksa kembali jawaban Anda" in out and "Dumont" in out
    assert "Terima kasih" in out
    assert "Bye." in out


def test_the_simulator_says_why_a_form_cannot_run(tmp_path: Path) -> None:
    widgets = str(CORPUS / "widgets.xls")
    refused = _simulate(["--xlsform", widgets], "", tmp_path)
    assert refused.returncode == 1
    assert "row 13, my_image: a photo answer is not supported" in refused.stdout
    assert "--without-unsupported" in refused.stderr
    without = _simulate(
        ["--xlsform", widgets, "--without-unsupported", "--lang", "en"], "", tmp_path
    )
    assert without.returncode == 0, without.stderr
    assert "6 part(s) left out (chat cannot run them):" in without.stdout
    assert "Before we start: your data" in without.stdout
    broken = _simulate(["--xlsform", str(CORPUS / "liberiaCoverage.xlsx")], "", tmp_path)
    assert broken.returncode == 2
    assert "liberiaCoverage.xlsx cannot be imported: [row : 126]" in broken.stderr


async def test_a_preview_survives_a_restart_and_ends_with_its_draft(
    staff_settings: Settings,
) -> None:
    telegram = FakeTelegram()
    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as first:
        staff = first.user(STAFF)
        await staff.send("/privasi")  # no consent yet: agree on the notice the preview shows
        await upload(staff, "choice_filter_test.xlsx")
        await staff.tap("👀 Coba dulu")
        await staff.tap("Setuju")
        await staff.tap("👀 Coba dulu", draft_message(staff))
        await staff.tap("Texas")
        assert staff.text.startswith("Pertanyaan 2 dari 3")
        no_refusals(first)
    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as second:
        staff = second.user(STAFF)
        await staff.tap("King")  # the restart changed nothing for whoever was trying it
        assert staff.text.startswith("Pertanyaan 3 dari 3")
        question = staff.last
        await staff.tap("🗑 Buang", draft_message(staff))
        # With its draft gone, the preview ends at its next step, its answers deleted.
        await staff.tap("Dumont", question)
        assert staff.text.startswith("Tidak ada survei yang sedang diisi.")
        [tried] = rows(staff_settings, "SELECT status FROM responses")
        assert tried["status"] == "cancelled"
        assert rows(staff_settings, "SELECT * FROM answers") == []
        no_refusals(second)


# Forms whose questions collect personal data the data notice says the bot never asks for.
PERSONAL = {
    "building_natural_risks_survey.xlsx": "manual_geopoint: the respondent's location",
    "slum_assessment_survey.xlsx": "b2_name_hoh: looks like a person's name",
    "UCL_Biomass_Plot_Form.xlsx": "leader_number: looks like a phone number",
}


async def test_every_corpus_form_gets_its_report_in_one_message(
    bot: Bot, staff_settings: Settings
) -> None:
    """Long reports (REACH's, slum_assessment's) are cut to a screen Telegram takes; each form
    is a draft at once, refused for its parts, or refused by pyxform, never an error."""
    staff = bot.user(STAFF, "en")
    for path in sorted(CORPUS.glob("*.xls*")):
        sent = len(staff.messages)
        await upload(staff, path.name)
        said = "\n".join(str(m.get("text", "")) for m in staff.messages[sent:])
        assert "Sorry" not in said, (path.name, said)
        first = staff.messages[sent]["text"]
        assert first.startswith(("📄 “", "❌ “")), (path.name, first)
        if path.name in PERSONAL:  # a location, a name: staff are warned before publishing
            assert "⚠️ Personal data: please check" in first, (path.name, first)
            assert PERSONAL[path.name] in first, (path.name, first)
        elif path.name in {"choice_filter_test.xlsx", "liberiaStdForm.xlsx"}:
            assert "Personal data" not in first, (path.name, first)
        if first.startswith("📄") and "Parts chat cannot run" in first:
            assert "Import without those parts" in staff.buttons(staff.messages[sent])
            await staff.tap("Import without those parts", staff.messages[sent])
            assert staff.text.startswith("📝 Draft: “"), (path.name, staff.text)
    imported = {survey_id for survey_id, _, _ in forms(staff_settings)}
    assert len(imported) == 8  # every file pyxform accepts
