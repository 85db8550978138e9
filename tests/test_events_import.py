"""Loading events from a CSV file: the format, all-or-nothing imports, re-imports, and the
`python -m bot events` commands as a staff member runs them."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core.events.csvfile import COLUMNS, EventFileError, Problem, parse_events
from bot.storage.database import Database
from bot.storage.events import EventRepository, ImportSummary

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = Path(__file__).parent / "events" / "example.csv"
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)  # fixed: no test depends on today's date


def example_rows() -> list[dict[str, str]]:
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def problems_of(data: bytes) -> list[Problem]:
    with pytest.raises(EventFileError) as caught:
        parse_events(data)
    return caught.value.problems


def stored(db_path: Path, sql: str = "SELECT * FROM events ORDER BY slug") -> list[dict[str, Any]]:
    """Read the events table directly, as an auditor would."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


async def import_into(db_path: Path, data: bytes, now: datetime = NOW) -> ImportSummary:
    db = Database(db_path)
    await db.open()
    try:
        return await EventRepository(db).import_events(parse_events(data), now)
    finally:
        await db.close()


# -- the example file ----------------------------------------------------------------------


async def test_the_example_file_imports_with_utc_times_and_zones(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    summary = await import_into(db_path, EXAMPLE.read_bytes())
    assert summary == ImportSummary(added=5, updated=0, unchanged=0)
    rows = {row["slug"]: row for row in stored(db_path)}
    assert len(rows) == 5
    haki = rows["haki-kupang-2026-12"]
    # Kupang is WITA (UTC+8): 09.00 local is 01.00 UTC.
    assert (haki["region"], haki["zone"], haki["kind"]) == ("53.71", "Asia/Makassar", "workshop")
    assert haki["starts_at"] == "2026-12-15T01:00:00.000000+00:00"
    assert haki["ends_at"] == "2026-12-15T04:00:00.000000+00:00"
    assert haki["registration_closes"] == "2026-12-14T09:00:00.000000+00:00"
    assert (haki["capacity"], haki["status"]) == (60, "published")
    assert haki["topics"] == '["HAKI", "merek", "hak cipta", "UMKM"]'
    assert haki["venue"] == "Aula Kantor Wali Kota Kupang, Jl. S. K. Lerik"
    # Written as a name in the file, stored as the code.
    marketing = rows["pemasaran-digital-kupang-2026-12"]
    assert (marketing["region"], marketing["registration_closes"]) == ("53.71", None)
    soe = rows["kewirausahaan-soe-2027-01"]
    assert (soe["region"], soe["zone"]) == ("53.02", "Asia/Makassar")
    # Yogyakarta is WIB (UTC+7): 10.00 local is 03.00 UTC; an empty capacity is no limit.
    jogja = rows["sertifikasi-jogja-2027-01"]
    assert (jogja["region"], jogja["zone"]) == ("34.71", "Asia/Jakarta")
    assert jogja["starts_at"] == "2027-01-16T03:00:00.000000+00:00"
    assert jogja["capacity"] is None
    assert jogja["description_en"].startswith("What competency certification is")


async def test_reimporting_updates_in_place_and_never_duplicates(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    await import_into(db_path, EXAMPLE.read_bytes())
    before = {row["slug"]: row for row in stored(db_path)}

    later = NOW + timedelta(days=1)
    assert await import_into(db_path, EXAMPLE.read_bytes(), later) == ImportSummary(0, 0, 5)
    assert {row["slug"]: row for row in stored(db_path)} == before  # not even updated_at moved

    rows = example_rows()
    rows[0]["capacity"] = "80"
    rows[0]["venue"] = "Hotel Aston Kupang"
    rows.append({**rows[1], "slug": "pemasaran-digital-kupang-2027-02"})
    assert await import_into(db_path, csv_bytes(rows), later) == ImportSummary(1, 1, 4)
    after = {row["slug"]: row for row in stored(db_path)}
    assert len(after) == 6
    haki = after["haki-kupang-2026-12"]
    assert (haki["capacity"], haki["venue"]) == (80, "Hotel Aston Kupang")
    # The same row (its id is what registrations will point at), with a new updated_at.
    assert haki["id"] == before["haki-kupang-2026-12"]["id"]
    assert haki["created_at"] == before["haki-kupang-2026-12"]["created_at"]
    assert haki["updated_at"] == "2026-12-02T08:00:00.000000+00:00"
    assert after["dialog-bpjs-kupang-2026-12"] == before["dialog-bpjs-kupang-2026-12"]


async def test_a_reimport_does_not_revive_a_cancelled_event(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    await import_into(db_path, EXAMPLE.read_bytes())
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE events SET status = 'cancelled' WHERE slug = 'haki-kupang-2026-12'")
    conn.close()
    rows = example_rows()
    rows[0]["capacity"] = "80"
    assert await import_into(db_path, csv_bytes(rows)) == ImportSummary(0, 1, 4)
    [haki] = stored(db_path, "SELECT * FROM events WHERE slug = 'haki-kupang-2026-12'")
    assert (haki["status"], haki["capacity"]) == ("cancelled", 80)


async def test_upcoming_takes_the_time_it_is_given(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    db = Database(db_path)
    await db.open()
    try:
        repo = EventRepository(db)
        await repo.import_events(parse_events(EXAMPLE.read_bytes()), NOW)
        await db.write(
            ("UPDATE events SET status = 'cancelled' WHERE slug = 'dialog-bpjs-kupang-2026-12'", ())
        )
        every = [e.slug for e in await repo.all()]
        assert every[0] == "haki-kupang-2026-12" and len(every) == 5
        # 09.30 WITA on 15 December: the HAKI workshop has begun, the cancelled dialog is out.
        during_haki = datetime(2026, 12, 15, 1, 30, tzinfo=UTC)
        assert [e.slug for e in await repo.upcoming(during_haki)] == [
            "pemasaran-digital-kupang-2026-12",
            "kewirausahaan-soe-2027-01",
            "sertifikasi-jogja-2027-01",
        ]
        assert len(await repo.upcoming(NOW)) == 4
        assert await repo.upcoming(datetime(2027, 2, 1, tzinfo=UTC)) == []
        jogja = await repo.by_slug("sertifikasi-jogja-2027-01")
        assert jogja is not None and jogja.id is not None
        assert jogja.starts_at == datetime(2027, 1, 16, 3, tzinfo=UTC)
        assert jogja.title["en"].startswith("BNSP competency certification")
        assert await repo.by_slug("nope") is None
    finally:
        await db.close()


# -- variants of a good file ---------------------------------------------------------------


def test_excel_variants_read_the_same() -> None:
    events = parse_events(EXAMPLE.read_bytes())
    text = EXAMPLE.read_text(encoding="utf-8")
    # Excel's "CSV UTF-8" starts with a byte-order mark and ends lines with CRLF.
    assert parse_events(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()) == events
    # Excel set to Indonesian separates columns with ';'; a trailing blank row is ignored.
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows(csv.reader(io.StringIO(text, newline="")))
    assert parse_events(out.getvalue().encode() + b";;;;;;;;;;;;\r\n") == events
    # Columns in another order, names in capitals.
    rows = example_rows()
    columns = tuple(reversed(COLUMNS))
    header = ",".join(c.upper() for c in columns).encode()
    body = csv_bytes(rows, columns).split(b"\r\n", 1)[1]
    assert parse_events(header + b"\r\n" + body) == events


def test_a_description_keeps_its_line_breaks_and_a_title_is_one_line() -> None:
    rows = example_rows()[:1]
    rows[0]["description_id"] = "Baris satu.\nBaris dua."
    rows[0]["title_id"] = "  Lokakarya\nHAKI  "
    [event] = parse_events(csv_bytes(rows))
    assert event.description["id"] == "Baris satu.\nBaris dua."
    assert event.title["id"] == "Lokakarya HAKI"


# -- bad rows: each reported with its line and reason --------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"slug": ""}, "slug is empty"),
        ({"slug": "HAKI Kupang"}, "slug 'HAKI Kupang' may hold only lowercase letters"),
        ({"slug": "x" * 49}, "slug is 49 characters long; at most 48"),
        ({"kind": "seminar"}, "kind 'seminar' is not one of dialog, workshop, pelatihan"),
        ({"title_en": " "}, "title_en is empty"),
        ({"title_id": "x" * 151}, "title_id is 151 characters long; at most 150"),
        ({"venue": "x" * 201}, "venue is 201 characters long; at most 200"),
        ({"description_id": "x" * 2001}, "description_id is 2001 characters long; at most 2000"),
        ({"region": ""}, "region is empty"),
        ({"region": "53.99"}, "region '53.99' is not a Kemendagri code"),
        ({"region": "53.1"}, "region '53.1' looks like a code a spreadsheet shortened (53.10?)"),
        (
            {"region": "Kupang"},
            "region 'Kupang' could be Kabupaten Kupang (53.01) or Kota Kupang (53.71): "
            "write the code or the full name",
        ),
        (  # a capital's name is not the kabupaten's, but the hint names it
            {"region": "Soe"},
            "unknown region 'Soe' (did you mean Kabupaten Timor Tengah Selatan?): "
            "write a Kemendagri code such as 53.71",
        ),
        ({"region": "Kota Kupnag"}, "unknown region 'Kota Kupnag'"),
        ({"starts_at": ""}, "starts_at is empty"),
        (
            {"starts_at": "15/12/2026 09:00"},
            "starts_at '15/12/2026 09:00' is not a local date and time written like "
            "2026-12-15 09:00",
        ),
        ({"ends_at": "2026-12-15 25:00"}, "ends_at '2026-12-15 25:00' is not a local date"),
        ({"ends_at": "2026-12-15 09:00"}, "ends_at must be after starts_at"),
        ({"ends_at": "2026-12-15 08:00"}, "ends_at must be after starts_at"),
        (
            {"registration_closes": "2026-12-20 09:01"},
            "registration_closes must not be after starts_at",
        ),
        ({"registration_closes": "besok"}, "registration_closes 'besok' is not a local date"),
        ({"capacity": "0"}, "capacity '0' must be a whole number of seats from 1 to 100000"),
        ({"capacity": "-5"}, "capacity '-5' must be a whole number"),
        ({"capacity": "1.000"}, "capacity '1.000' must be a whole number"),
        ({"capacity": "sixty"}, "capacity 'sixty' must be a whole number"),
        ({"capacity": "9" * 30}, f"capacity '{'9' * 30}' must be a whole number"),
        # int() of thousands of digits raises: refused before it is tried.
        ({"capacity": "9" * 5000}, f"capacity '{'9' * 5000}' must be a whole number"),
        ({"topics": "HAKI;" + "x" * 51}, f"topic '{'x' * 20}'... is longer than 50 characters"),
        ({"topics": ";".join(f"t{i}" for i in range(21))}, "21 topics; at most 20"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_reason(
    changes: dict[str, str], reason: str
) -> None:
    rows = example_rows()
    rows[2].update(changes)  # the fourth line: header, then two good rows before it
    problems = problems_of(csv_bytes(rows))
    assert [p.line for p in problems] == [4], problems
    assert problems[0].reason.startswith(reason), problems[0].reason


def test_every_bad_row_is_reported_in_file_order_not_just_the_first() -> None:
    rows = example_rows()
    rows[0]["kind"] = "seminar"
    rows[0]["capacity"] = "0"
    rows[3]["slug"] = rows[1]["slug"]
    rows[4]["region"] = "Atlantis"
    problems = problems_of(csv_bytes(rows))
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [
        (2, "kind"),
        (2, "capacity"),
        (5, "slug"),
        (6, "unknown"),
    ]
    assert problems[2].reason == (
        "slug 'pemasaran-digital-kupang-2026-12' is already used on line 3"
    )


def test_line_numbers_are_rows_as_a_spreadsheet_shows_them() -> None:
    # A quoted line break makes two lines of text but one row; a blank row still counts.
    rows = example_rows()
    rows[0]["description_id"] = "Baris satu.\nBaris dua."
    data = (
        csv_bytes(rows[:2]) + b"\r\n" + csv_bytes([{**rows[2], "kind": "x"}]).split(b"\r\n", 1)[1]
    )
    assert [p.line for p in problems_of(data)] == [5]


def test_a_row_with_too_few_or_too_many_cells() -> None:
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        records = list(csv.reader(f))
    records[2].append("extra")
    records[3] = records[3][:11]
    out = io.StringIO(newline="")
    csv.writer(out).writerows(records)
    problems = problems_of(out.getvalue().encode())
    assert [(p.line, p.reason) for p in problems] == [
        (3, "14 cells where the header has 13: put text that holds a comma in double quotes"),
        (4, "11 cells where the header has 13: put text that holds a comma in double quotes"),
    ]


# -- bad files: header, encoding, size -----------------------------------------------------


def header_problems(header: str) -> list[str]:
    body = EXAMPLE.read_bytes().split(b"\n", 1)[1]
    problems = problems_of(header.encode() + b"\n" + body)
    assert {p.line for p in problems} == {1}
    return [p.reason for p in problems]


def test_a_misspelled_column_is_named_with_the_likely_fix() -> None:
    header = ",".join(COLUMNS).replace("starts_at", "start_at")
    assert header_problems(header) == ["unknown column 'start_at': did you mean 'starts_at'?"]


def test_a_missing_an_extra_and_a_doubled_column() -> None:
    assert header_problems(",".join(c for c in COLUMNS if c != "venue")) == [
        "missing column 'venue'"
    ]
    extra = header_problems(",".join((*COLUMNS, "catatan")))
    assert extra[0].startswith("unknown column 'catatan': the columns are slug,title_id,")
    doubled = header_problems(",".join(COLUMNS).replace("topics", "kind"))
    assert doubled == ["column 'kind' appears twice", "missing column 'topics'"]
    assert header_problems(",".join((*COLUMNS, ""))) == [
        "column 14 has no name: delete it or name it"
    ]


def test_an_empty_file_a_header_alone_and_a_file_that_is_not_utf8() -> None:
    for empty in (b"", b"\xef\xbb\xbf", b"\r\n\n"):
        [problem] = problems_of(empty)
        assert problem.line == 1 and problem.reason.startswith("the file is empty")
    header_only = EXAMPLE.read_bytes().split(b"\n", 1)[0] + b"\n"
    assert problems_of(header_only) == [Problem(1, "the file has the header but no events")]
    # What Excel's plain "CSV" writes on a Windows set to a Western language.
    latin = EXAMPLE.read_text(encoding="utf-8").replace("Kupang", "Küpang").encode("cp1252")
    [problem] = problems_of(latin)
    assert problem == Problem(
        2,
        'the file is not UTF-8 text (byte 0xfc): save it as "CSV UTF-8" in Excel or LibreOffice',
    )


def test_a_broken_quote_or_an_oversized_field_stops_the_reading_there() -> None:
    lines = EXAMPLE.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"Hotel Aston', b'"Hotel "Aston', 1)
    [problem] = problems_of(b"\n".join(lines))
    assert problem.line == 4 and problem.reason.startswith("not valid CSV")
    # Past the csv module's field limit (a quote left open swallows the rest of the file).
    huge = EXAMPLE.read_bytes() + b'x,"' + b"y" * 200_000 + b'"\n'
    problems = problems_of(huge)
    assert problems[-1].line == 7
    assert "field larger than field limit" in problems[-1].reason


# -- the commands, as a process ------------------------------------------------------------


def run_events(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot events ...` with only DATABASE_PATH set: no token, no .env."""
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["DATABASE_PATH"] = str(cwd / "bot.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "bot", "events", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_then_list_from_the_command_line_without_a_token(tmp_path: Path) -> None:
    first = run_events(tmp_path, "import", str(EXAMPLE))
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == f"{EXAMPLE}: 5 events imported: 5 added, 0 updated, 0 unchanged\n"
    again = run_events(tmp_path, "import", str(EXAMPLE))
    assert again.stdout.endswith(": 5 events imported: 0 added, 0 updated, 5 unchanged\n")

    listed = run_events(tmp_path, "list")
    assert (listed.returncode, listed.stderr) == (0, "")
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["slug", "kind", "region", "starts", "capacity", "status"]
    assert lines[1].startswith("haki-kupang-2026-12  ")
    assert "  workshop " in lines[1] and "  Kota Kupang  " in lines[1]
    assert "Selasa, 15 Desember 2026 pukul 09.00 WITA" in lines[1]
    assert lines[1].split()[-2:] == ["60", "published"]
    assert "Sabtu, 9 Januari 2027 pukul 09.00 WITA" in lines[4]
    assert "Kabupaten Timor Tengah Selatan" in lines[4]
    assert "Sabtu, 16 Januari 2027 pukul 10.00 WIB" in lines[5]
    assert lines[5].split()[-2:] == ["unlimited", "published"]
    assert lines[-1] == "5 events"


def test_a_file_with_one_bad_row_imports_nothing(tmp_path: Path) -> None:
    assert run_events(tmp_path, "import", str(EXAMPLE)).returncode == 0
    before = stored(tmp_path / "bot.sqlite3")
    rows = example_rows()
    for row in rows:
        row["capacity"] = "500"  # good changes that must not land either
    rows.append({**rows[0], "slug": "baru-2027-03"})
    rows[3]["starts_at"] = "2027-01-09 9 pagi"
    bad = tmp_path / "acara.csv"
    bad.write_bytes(csv_bytes(rows))

    result = run_events(tmp_path, "import", "acara.csv")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "acara.csv:5: starts_at '2027-01-09 9 pagi' is not a local date and time written "
        "like 2026-12-15 09:00",
        "acara.csv: nothing imported (1 line to fix)",
    ]
    assert stored(tmp_path / "bot.sqlite3") == before


def test_a_bad_file_before_any_database_exists_creates_none(tmp_path: Path) -> None:
    bad = tmp_path / "acara.csv"
    bad.write_text(",".join(COLUMNS).replace("venue", "tempat") + "\n", encoding="utf-8")
    result = run_events(tmp_path, "import", "acara.csv")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "acara.csv:1: unknown column 'tempat': the columns are " + ",".join(COLUMNS),
        "acara.csv:1: missing column 'venue'",
        "acara.csv: nothing imported (1 line to fix)",
    ]
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_import_is_refused_while_the_bot_holds_the_database_but_list_works(
    tmp_path: Path,
) -> None:
    assert run_events(tmp_path, "import", str(EXAMPLE)).returncode == 0
    running = Database(tmp_path / "bot.sqlite3")  # as the running bot holds it
    await running.open()
    try:
        await running.write(("UPDATE events SET capacity = 61 WHERE slug LIKE 'haki%'", ()))
        refused = run_events(tmp_path, "import", str(EXAMPLE))
        assert refused.returncode == 3
        assert refused.stderr.startswith("Another berdaya-bot process is already using")
        assert refused.stderr.count("\n") == 1
        listed = run_events(tmp_path, "list")  # reads beside the bot, sees what it committed
        assert listed.returncode == 0
        assert listed.stdout.splitlines()[1].split()[-2:] == ["61", "published"]
    finally:
        await running.close()


def test_the_commands_explain_their_mistakes(tmp_path: Path) -> None:
    no_db = run_events(tmp_path, "list")
    assert no_db.returncode == 2
    assert no_db.stderr.startswith(
        f"No database at {tmp_path / 'bot.sqlite3'}: check DATABASE_PATH"
    )
    missing = run_events(tmp_path, "import", "nope.csv")
    assert missing.returncode == 2
    assert missing.stderr == "nope.csv: cannot read the file (No such file or directory)\n"
    for usage in ([], ["export"], ["import"]):
        result = run_events(tmp_path, *usage)
        assert result.returncode == 2 and "usage: python -m bot events" in result.stderr


def test_list_with_nothing_stored(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(csv_bytes([example_rows()[0]]))
    assert run_events(tmp_path, "import", "empty.csv").returncode == 0
    conn = sqlite3.connect(tmp_path / "bot.sqlite3")
    with conn:
        conn.execute("DELETE FROM events")
    conn.close()
    result = run_events(tmp_path, "list")
    assert (result.returncode, result.stdout) == (0, "No events stored.\n")
