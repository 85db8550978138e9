"""/ekspor through the real bot: the files read back with openpyxl and the csv module and
compared with the database (read as an auditor), formula neutralisation, pseudonyms (no
Telegram id anywhere in a file), periods, files over Telegram's limit, both languages, and
the command refused to anyone not staff."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.config import Settings
from bot.testing import harness
from bot.testing.fake_telegram import Upload
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import ExportPeriod, ExportTap
from tests.conftest import TEST_SURVEYS
from tests.helpers import clock_at, consent, no_refusals, rows, to_review

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
STAFF = 7_300_900_001
# Telegram ids long enough that no date, count or code can hold them by chance.
COURIER, OTHER, ENGLISH = 7_300_041_123, 7_300_052_234, 7_300_063_345
HOSTILE = '=HYPERLINK("http://x.example","klik")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNKNOWN_TOAST = "Tombol ini sudah tidak berlaku."
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(
        tmp_path, surveys_dir=TEST_SURVEYS, admin_ids=frozenset({STAFF}), timezone="Asia/Makassar"
    )


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def other_worker(user: FakeUser, other: str, suggestion: str) -> None:
    """Through the all-types survey as someone whose work is 'Lainnya' (typed), to the review."""
    await consent(user, "uji")
    await user.tap("Lainnya")
    await user.send(other)
    await user.tap("Gojek")
    await user.tap("Grab")
    await user.tap("Selesai")
    await user.send("6")
    await user.send("12,5")
    await user.tap("Ya")
    await user.tap("4")
    await user.send("1/10/2025")
    await user.send("Kota Kupang")
    await user.tap("Kota Kupang")
    await user.send(suggestion)


async def three_respondents(bot: Bot) -> None:
    courier = bot.user(COURIER)
    await consent(courier, "uji")
    await to_review(courier)
    await courier.tap("Kirim")
    bot.clock.advance(timedelta(minutes=3))
    other = bot.user(OTHER)
    await other_worker(other, HOSTILE, "@admin -1 +1 \x07bel")
    await other.tap("Kirim")
    bot.clock.advance(timedelta(minutes=3))
    english = bot.user(ENGLISH, "en")
    await consent(english, "uji")
    await english.tap("Courier")
    await english.tap("None")
    await english.tap("Done")
    await english.send("3")
    await english.tap("Skip")
    await english.tap("No")
    await english.send("1/10/2025")
    await english.send("Kota Kupang")
    await english.tap("Kota Kupang")
    await english.tap("Skip")
    await english.tap("Submit")
    submitted = rows(
        bot_settings(bot), "SELECT COUNT(*) AS n FROM responses WHERE status = ?", ("submitted",)
    )
    assert submitted[0]["n"] == 3


def bot_settings(bot: Bot) -> Settings:
    return bot.services.settings  # type: ignore[no-any-return]


async def export_all(staff: FakeUser, title: str = "Survei uji semua jenis") -> list[Upload]:
    before = len(staff.files())
    await staff.send("/ekspor")
    await staff.tap(title)
    await staff.tap("Semua")
    return staff.files()[before:]


def xlsx_sheets(upload: Upload) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(upload.content))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book}


def csv_rows(upload: Upload) -> list[list[str]]:
    assert upload.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = upload.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def code_of(settings: Settings, user_id: int) -> str:
    """The respondent code, derived here as the README documents it, from the stored secret."""
    secret = rows(settings, "SELECT secret FROM export_secret")[0]["secret"]
    mac = hmac.new(bytes.fromhex(secret), b"respondent:%d" % user_id, hashlib.sha256)
    return "R-" + base64.b32encode(mac.digest()).decode()[:12]


def stored(settings: Settings) -> dict[int, dict[str, Any]]:
    """Every submitted response of the survey, from the database: meta and answers."""
    found: dict[int, dict[str, Any]] = {}
    for r in rows(
        settings,
        "SELECT r.id, r.user_id, r.source, r.started_at, r.submitted_at, u.locale "
        "FROM responses r JOIN users u ON u.id = r.user_id "
        "WHERE r.survey_id = 'semua' AND r.status = 'submitted'",
    ):
        answers = rows(
            settings,
            "SELECT question_id, value, other FROM answers WHERE response_id = ?",
            (r["id"],),
        )
        found[r["user_id"]] = {
            "meta": dict(r),
            "answers": {
                a["question_id"]: (
                    None if a["value"] is None else json.loads(a["value"]),
                    a["other"],
                )
                for a in answers
            },
        }
    return found


def unsafe(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


async def test_the_files_hold_what_the_database_holds(bot: Bot, staff_settings: Settings) -> None:
    await three_respondents(bot)
    staff = bot.user(STAFF)
    await staff.send("/ekspor")
    assert "Ekspor jawaban survei" in staff.text
    assert staff.buttons() == ["Survei uji semua jenis (3)"]
    await staff.tap("Survei uji semua jenis")
    assert staff.buttons() == [
        "Semua (3)",
        "7 hari terakhir (3)",
        "30 hari terakhir (3)",
        "« Survei",
    ]
    await staff.tap("Semua")
    files = staff.files()
    assert [f.filename.rsplit(".", 1)[1] for f in files] == ["xlsx", "csv"]
    assert files[0].filename == "semua_20261201-1106.xlsx"  # the stamp in TIMEZONE (WITA)
    assert staff.text.startswith("Terkirim: semua 3 jawaban untuk “Survei uji semua jenis”.")
    logged = rows(staff_settings, "SELECT actor, action, subject, detail FROM audit_log")
    assert [tuple(r) for r in logged] == [
        (STAFF, "export", "semua", "xlsx and csv, 3 responses, all")
    ]

    sheets = xlsx_sheets(files[0])
    assert list(sheets) == ["jawaban", "pertanyaan"]
    table = sheets["jawaban"]
    header = table[0]
    assert header[:7] == [
        "_respondent",
        "_started",
        "_submitted",
        "_duration_s",
        "_language",
        "_start_link",
        "_survey_version",
    ]
    assert (
        "platform/gojek" in header and "platform/tidak_ada" in header and "kerja/_other" in header
    )
    # The CSV is the same table, as text.
    assert csv_rows(files[1]) == [["" if c is None else str(c) for c in r] for r in table]

    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in table[1:]}
    db = stored(staff_settings)
    assert len(by_code) == len(db) == 3
    for user_id, response in db.items():
        row = by_code[code_of(staff_settings, user_id)]
        meta = response["meta"]
        started = datetime.fromisoformat(meta["started_at"])
        submitted = datetime.fromisoformat(meta["submitted_at"])
        assert datetime.fromisoformat(row["_started"]) == started.replace(microsecond=0)
        assert row["_submitted"].endswith("+08:00")  # WITA, the bot's zone
        assert row["_duration_s"] == round((submitted - started).total_seconds())
        assert row["_language"] == meta["locale"]
        assert row["_start_link"] == meta["source"] == "uji"
        answers = response["answers"]
        for qid in ("kerja", "merek_motor", "hari", "jarak", "puas", "mulai", "kota", "saran"):
            value = answers.get(qid, (None, None))[0]
            cell = row[qid]
            if value is None:
                assert cell is None, qid
            elif isinstance(value, str):
                text = CONTROL.sub("", value)  # characters a workbook cannot hold
                assert cell in (text, "'" + text), qid
            else:
                assert cell == value, qid
        assert row["bpjs"] == ("yes" if answers["bpjs"][0] else "no")
        picked = answers["platform"][0]
        for choice in ("gojek", "grab", "maxim", "lain", "tidak_ada"):
            assert row[f"platform/{choice}"] == (1 if choice in picked else 0)
        assert row["platform"] == " ".join(
            c for c in ("gojek", "grab", "maxim", "lain", "tidak_ada") if c in picked
        )
        assert row["kota/_name"] == "Kota Kupang"
        assert row["kerja/_other"] == (None if answers["kerja"][1] is None else "'" + HOSTILE)
    # Hidden by the skip logic (puas needs bpjs = yes): blank, not 0.
    assert by_code[code_of(staff_settings, COURIER)]["puas"] is None

    explained = sheets["pertanyaan"]
    assert explained[0][:4] == [
        "kolom / column",
        "pertanyaan / question",
        "jenis / type",
        "nilai / value",
    ]
    assert [
        "kerja",
        "kerja",
        "single",
        None,
        "Apa pekerjaan Anda?",
        "What is your work?",
    ] in explained
    assert ["platform/grab", "platform", "0/1", "grab", "Grab", "Grab"] in explained


async def test_no_cell_can_start_a_formula(bot: Bot, staff_settings: Settings) -> None:
    await three_respondents(bot)
    files = await export_all(bot.user(STAFF))
    book = openpyxl.load_workbook(io.BytesIO(files[0].content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f" or unsafe(c.value)]
    values = [c.value for c in cells]
    assert "'" + HOSTILE in values  # kept, readable, but as text
    assert "'@admin -1 +1 bel" in values  # and a control character XML cannot hold is gone
    table = csv_rows(files[1])
    assert not [cell for row in table for cell in row if unsafe(cell)]
    assert "'" + HOSTILE in [cell for row in table for cell in row]


async def test_no_telegram_id_anywhere_in_an_export(bot: Bot, staff_settings: Settings) -> None:
    await three_respondents(bot)
    files = await export_all(bot.user(STAFF))
    for person in (COURIER, OTHER, ENGLISH):
        number = str(person)
        for upload in files:
            assert number not in upload.filename
            if upload.filename.endswith(".xlsx"):
                # Every cell of every sheet, and every byte of every part of the workbook.
                for sheet in xlsx_sheets(upload).values():
                    assert not [c for r in sheet for c in r if c is not None and number in str(c)]
                with zipfile.ZipFile(io.BytesIO(upload.content)) as parts:
                    for name in parts.namelist():
                        assert number.encode() not in parts.read(name), name
            else:
                assert number.encode() not in upload.content
    # The same person has the same code in a later export.
    again = await export_all(bot.user(STAFF))
    first, second = xlsx_sheets(files[0])["jawaban"], xlsx_sheets(again[0])["jawaban"]
    assert sorted(r[0] for r in first[1:]) == sorted(r[0] for r in second[1:])
    assert {r[0] for r in first[1:]} == {
        code_of(staff_settings, p) for p in (COURIER, OTHER, ENGLISH)
    }


async def seed(bot: Bot, count: int, submitted: datetime, first_user: int = 8_100_000_000) -> None:
    """`count` submitted responses to the all-types survey, stored as the survey stores them."""

    def store(conn: sqlite3.Connection) -> None:
        stamp = submitted.isoformat(timespec="microseconds")
        for i in range(count):
            user = first_user + i
            conn.execute(
                "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', ?, ?)",
                (user, stamp, stamp),
            )
            rid = conn.execute(
                "INSERT INTO responses (user_id, survey_id, survey_version, source, status, "
                "cursor, started_at, updated_at, submitted_at) "
                "VALUES (?, 'semua', 1, NULL, 'submitted', '__review__', ?, ?, ?)",
                (user, stamp, stamp, stamp),
            ).lastrowid
            for qid, value in (("kerja", "ojol"), ("platform", ["grab"]), ("hari", i % 7)):
                conn.execute(
                    "INSERT INTO answers (response_id, question_id, value, answered_at) "
                    "VALUES (?, ?, ?, ?)",
                    (rid, qid, json.dumps(value), stamp),
                )

    await bot.services.db.transact(store)


async def test_a_period_sends_only_what_was_submitted_in_it(bot: Bot) -> None:
    await seed(bot, 4, NOW - timedelta(days=40))
    await seed(bot, 2, NOW - timedelta(days=10), first_user=8_200_000_000)
    await seed(bot, 1, NOW - timedelta(days=1), first_user=8_300_000_000)
    staff = bot.user(STAFF)
    await staff.send("/ekspor")
    await staff.tap("Survei uji semua jenis")
    assert staff.buttons() == [
        "Semua (7)",
        "7 hari terakhir (1)",
        "30 hari terakhir (3)",
        "« Survei",
    ]
    await staff.tap("30 hari terakhir")
    assert staff.text.startswith("Terkirim: 3 jawaban untuk “Survei uji semua jenis” dari 30 hari")
    sheets = xlsx_sheets(staff.files()[0])
    assert len(sheets["jawaban"]) == 1 + 3
    assert len(csv_rows(staff.files()[1])) == 1 + 3
    await staff.send("/ekspor")
    await staff.tap("Survei uji semua jenis")
    await staff.tap("« Survei")
    assert staff.buttons() == ["Survei uji semua jenis (7)"]


async def test_nothing_to_send_says_so(bot: Bot) -> None:
    staff = bot.user(STAFF)
    await staff.send("/ekspor")
    await staff.tap("Survei uji semua jenis")
    await staff.tap("7 hari terakhir")
    assert (
        staff.text == "Belum ada jawaban terkirim untuk “Survei uji semua jenis” pada periode ini."
    )
    assert staff.files() == []


async def test_a_file_over_the_upload_limit_is_zipped_or_split(bot: Bot) -> None:
    await seed(bot, 300, NOW - timedelta(days=1))
    # As if Telegram's limit were 12 KB: the CSV zips under it, the workbook (already a zip)
    # does not, so it comes in parts.
    bot.services.exports.upload_limit = 12_000
    staff = bot.user(STAFF)
    files = await export_all(staff)
    names = [f.filename for f in files]
    assert names[-1] == "semua_20261201-1100.csv.zip"
    parts = names[:-1]
    assert len(parts) >= 2 and parts[0] == "semua_20261201-1100.xlsx.zip.001"
    assert all(len(f.content) <= 12_000 for f in files)
    captions = [m.get("caption", "") for m in staff.messages if "upload" in m]
    assert f"dalam {len(parts)} bagian" in captions[0] and "Bagian 1 dari" in captions[0]
    assert "jadi dikirim dalam bentuk zip" in captions[-1]
    joined = b"".join(f.content for f in files[:-1])
    with zipfile.ZipFile(io.BytesIO(joined)) as archive:
        book = archive.read("semua_20261201-1100.xlsx")
    assert len(xlsx_sheets(Upload("x.xlsx", book))["jawaban"]) == 301
    with zipfile.ZipFile(io.BytesIO(files[-1].content)) as archive:
        table = archive.read("semua_20261201-1100.csv")
    assert len(csv_rows(Upload("x.csv", table))) == 301


async def test_english_staff_get_english(bot: Bot) -> None:
    await seed(bot, 2, NOW - timedelta(days=1))
    staff = bot.user(STAFF, "en")
    await staff.send("/export")
    assert "Export responses" in staff.text
    assert staff.buttons() == ["All types test survey (2)"]
    await staff.tap("All types test survey")
    assert staff.buttons() == ["All (2)", "Last 7 days (2)", "Last 30 days (2)", "« Surveys"]
    await staff.tap("All (2)")
    assert staff.text.startswith("Sent: all 2 responses to “All types test survey”.")
    assert len(staff.files()) == 2


async def test_only_staff_can_export(bot: Bot, staff_settings: Settings) -> None:
    await seed(bot, 2, NOW - timedelta(days=1))
    visitor = bot.user(7_300_777_001)
    await visitor.send("/start")
    await visitor.send("/ekspor")
    unknown = visitor.text
    await visitor.send("/perintahtidakada")
    assert visitor.text == unknown  # the same answer as a command that does not exist
    for period in ExportPeriod:
        forged = ExportTap(period, "semua").pack()
        await visitor.deliver(visitor.callback_update(forged, visitor.last))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == UNKNOWN_TOAST, period
    assert visitor.files() == []
    assert bot.telegram.calls_to("sendDocument") == []


async def test_both_files_hold_the_same_responses(bot: Bot) -> None:
    """A response submitted while the files are written (here: stamped after the moment the
    export was asked for) is in neither file, not in the CSV only."""
    await seed(bot, 2, NOW - timedelta(days=1))
    await seed(bot, 1, NOW + timedelta(seconds=30), first_user=8_400_000_000)
    files = await export_all(bot.user(STAFF))
    assert len(xlsx_sheets(files[0])["jawaban"]) == len(csv_rows(files[1])) == 1 + 2
