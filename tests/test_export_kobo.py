"""An imported XLSForm's export has KoboToolbox's columns (issue 10): for every accepted corpus
form the main sheet's header is what the form defines (derived here from pyxform's dict, not
by the exporter's code), and a form with repeats exports a sheet per repeat, one row per
round, linked to the response and the round it belongs to. The files are read back with
openpyxl and the csv module from a database seeded as the bot stores answers."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl import Workbook

from bot.core.export import kobo
from bot.core.export.columns import META
from bot.core.export.rows import safe
from bot.core.survey.model import Survey
from bot.core.xlsform.convert import convert
from bot.core.xlsform.reader import read
from bot.services.exports import QUESTIONS_SHEET, RESPONSES_SHEET, Format, write_export
from bot.storage.database import migrate
from bot.testing import harness
from bot.testing.harness import running_bot
from bot.testing.player import play_in_chat
from tests.helpers import consent, no_refusals, rows
from tests.test_xlsform_chat_play import survey_folder

CORPUS = Path(__file__).resolve().parent / "xlsforms"
ACCEPTED = sorted(p for p in CORPUS.glob("*.xls*") if p.name != "liberiaCoverage.xlsx")
ZONE = ZoneInfo("Asia/Makassar")
STARTED = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
MAIN_META = [*META, "_id", "_index"]
ROUND_META = ["_index", "_parent_index", "_parent_table_name", "_submission__id"]


# -- what the form defines, read from pyxform's dict -----------------------------------------


def defined(definition: dict[str, Any], left_out: set[str]) -> dict[str | None, list[str]]:
    """KoboToolbox's columns of a form, by table: None for the main one, else the repeat's
    name. Every node that holds an answer is a column at its path ("group/repeat/name"); a
    multiple choice adds "path/choice" per choice, a geopoint `_name_latitude` and the rest.
    Not columns: notes and rows nothing can be answered in (read-only, a table's header of
    choice labels), pyxform's meta group, and the parts left out at import."""
    found: dict[str | None, list[str]] = {None: []}

    def walk(nodes: list[dict[str, Any]], path: list[str], table: str | None) -> None:
        for node in nodes:
            kind, name = node.get("type"), str(node.get("name"))
            here = "/".join([*path, name])
            control, bind = node.get("control") or {}, node.get("bind") or {}
            if name in left_out:
                pass
            elif kind == "group" and not control.get("bodyless"):
                walk(node.get("children") or [], [*path, name], table)
            elif kind == "repeat":
                found[name] = []
                walk(node.get("children") or [], [*path, name], name)
            elif kind in ("group", "note") or control.get("appearance") == "label":
                pass  # a bodyless group (pyxform's meta), a note, a table's header row
            elif kind != "calculate" and bind.get("readonly"):
                pass  # shown, never answered
            elif kind == "select all that apply":
                names = dict.fromkeys(str(c["name"]) for c in node["choices"])
                found[table] += [here, *(f"{here}/{c}" for c in names)]
            elif kind in ("geopoint", "gps"):
                lead = "/".join([*path, f"_{name}"])
                parts = ("latitude", "longitude", "altitude", "precision")
                found[table] += [here, *(f"{lead}_{part}" for part in parts)]
            else:
                found[table].append(here)

    walk(definition["children"], [], None)
    return found


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.name)
def test_the_main_sheet_has_the_columns_the_form_defines(path: Path) -> None:
    form = read(path)
    survey = convert(form, without_unsupported=True)
    expected = defined(form.definition, {p.name for p in form.report.problems})
    tables = kobo.tables(survey, RESPONSES_SHEET)
    assert tables[0].header == expected[None] + MAIN_META
    repeats = {t.name: t.header for t in tables[1:]}
    assert repeats == {name: [*cols, *ROUND_META] for name, cols in expected.items() if name}


def test_reach_and_ucl_spot_checks() -> None:
    reach = kobo.tables(
        convert(
            read(CORPUS / "REACH_2024_MSNA-kobo-tool_draft_v11.xlsx"), without_unsupported=True
        ),
        RESPONSES_SHEET,
    )
    main = reach[0].header
    assert main[:3] == ["start", "end", "today"]
    assert "consented/demographics/hh_size" in main
    # a `gps` question (an old name of geopoint) in a group
    lat = main.index("location/_household_geopoint_latitude")
    assert main[lat - 1 : lat + 4] == [
        "location/household_geopoint",
        "location/_household_geopoint_latitude",
        "location/_household_geopoint_longitude",
        "location/_household_geopoint_altitude",
        "location/_household_geopoint_precision",
    ]
    assert [t.name for t in reach] == [
        RESPONSES_SHEET,
        "roster",
        "edu_ind",
        "health_ind",
        "nut_ind",
    ]
    roster = next(t for t in reach if t.name == "roster")
    assert "consented/demographics/roster/ind_age" in roster.header
    assert "consented/demographics/roster/ind_age" not in main
    ucl = kobo.tables(
        convert(read(CORPUS / "UCL_Biomass_Plot_Form.xlsx"), without_unsupported=True),
        RESPONSES_SHEET,
    )
    # start and end sit inside the group "info", after its questions
    assert ucl[0].header[:6] == [
        "info/leader_name",
        "info/leader_name_other",
        "info/leader_number",
        "info/start",
        "info/end",
        "location/plant_phase",
    ]
    stems = next(t for t in ucl if t.name == "stems")
    assert stems.chain == ("trees", "stems")
    assert stems.header[:2] == ["trees/stems/tag_1", "trees/stems/cbh"]


# -- a form of our own, answered, exported ----------------------------------------------------

FORM = [
    [
        "type",
        "name",
        "label::Bahasa Indonesia (id)",
        "label::English (en)",
        "calculation",
        "repeat_count",
        "constraint",
    ],
    ["start", "start", "", "", "", ""],
    ["end", "end", "", "", "", ""],
    ["begin_group", "usaha", "Usaha", "Business", "", ""],
    ["text", "nama", "Nama usaha", "Business name", "", ""],
    ["select_multiple kanal or_other", "kanal", "Kanal jualan", "Sales channels", "", ""],
    ["geopoint", "lokasi", "Lokasi", "Location", "", ""],
    ["end_group", "", "", "", "", ""],
    ["integer", "pekerja", "Jumlah pekerja", "Workers", "", "", ". >= 1 and . <= 3"],
    ["calculate", "dua_kali", "", "", "${pekerja} * 2", ""],
    ["begin_repeat", "orang", "Pekerja", "Worker", "", "${pekerja}"],
    ["text", "nama_pekerja", "Nama", "Name", "", ""],
    ["begin_repeat", "anak", "Anak", "Child", "", ""],
    ["integer", "umur", "Umur", "Age", "", ""],
    ["end_repeat", "", "", "", "", ""],
    ["end_repeat", "", "", "", "", ""],
    ["note", "terima", "Terima kasih", "Thank you", "", ""],
    ["today", "today", "", "", "", ""],
]
CHANNELS = [["kanal", "toko", "Toko"], ["kanal", "online", "Daring"]]
MAIN = [
    "start",
    "end",
    "usaha/nama",
    "usaha/kanal",
    "usaha/kanal/toko",
    "usaha/kanal/online",
    "usaha/kanal/other",
    "usaha/kanal_other",
    "usaha/lokasi",
    "usaha/_lokasi_latitude",
    "usaha/_lokasi_longitude",
    "usaha/_lokasi_altitude",
    "usaha/_lokasi_precision",
    "pekerja",
    "dua_kali",
    "today",
    *MAIN_META,
]
# Two responses as the bot stores them: rounds in the keys, "+" for "another round?".
ANSWERS: list[dict[str, tuple[Any, str | None]]] = [
    {
        "nama": ("Warung Bu Sri", None),
        "kanal": (["toko", "other"], "=WA grup"),
        "lokasi": ("-8.5 115.2 0 0", None),
        "pekerja": (2, None),
        "dua_kali": ("4", None),
        "orang[1]/nama_pekerja": ("Andi", None),
        "orang[1]/anak[1]/umur": (5, None),
        "orang[1]/anak[1]/+": (True, None),
        "orang[1]/anak[2]/umur": (7, None),
        "orang[1]/anak[2]/+": (False, None),
        "orang[2]/nama_pekerja": ("Budi", None),
        "orang[2]/anak[1]/umur": (3, None),
        "orang[2]/anak[1]/+": (False, None),
    },
    {
        "nama": ("Toko B", None),
        "kanal": (["online"], None),
        "lokasi": (None, None),  # skipped
        "pekerja": (1, None),
        "dua_kali": ("2", None),
        "orang[1]/nama_pekerja": ("Cici", None),
        "orang[1]/anak[1]/umur": (10, None),
        "orang[1]/anak[1]/+": (False, None),
    },
]
PEOPLE = (7_300_041_123, 7_300_052_234)


def own_form(folder: Path) -> Survey:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in FORM:
        sheet.append(row)
    listed = book.create_sheet("choices")
    listed.append(["list_name", "name", "label"])
    for row in CHANNELS:
        listed.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append(["Survei_UMKM", "Survei UMKM"])
    book.save(folder / "umkm.xlsx")
    return convert(read(folder / "umkm.xlsx"))


def seeded(path: Path, survey: Survey) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    migrate(conn)
    for number, (person, answers) in enumerate(zip(PEOPLE, ANSWERS, strict=True), start=1):
        started = STARTED + timedelta(hours=number)
        start, end = started.isoformat(), (started + timedelta(minutes=5)).isoformat()
        conn.execute("INSERT INTO users VALUES (?, 'id', ?, ?)", (person, start, start))
        conn.execute(
            "INSERT INTO responses (id, user_id, survey_id, survey_version, status, cursor, "
            "started_at, updated_at, submitted_at) VALUES (?, ?, ?, 1, 'submitted', "
            "'__review__', ?, ?, ?)",
            (number * 10, person, survey.id, start, end, end),
        )
        conn.executemany(
            "INSERT INTO answers VALUES (?, ?, ?, ?, ?)",
            [
                (number * 10, key, None if v is None else json.dumps(v), other, end)
                for key, (v, other) in answers.items()
            ],
        )
    conn.close()
    return path


def sheet_rows(book: Any, name: str) -> list[dict[str, Any]]:
    lines = list(book[name].values)
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_an_export_has_a_sheet_per_repeat_linked_round_by_round(tmp_path: Path) -> None:
    survey = own_form(tmp_path)
    database = seeded(tmp_path / "bot.db", survey)
    out = tmp_path / "umkm.xlsx"
    assert write_export(database, survey, Format.XLSX, out, ZONE) == 2
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == [RESPONSES_SHEET, "orang", "anak", QUESTIONS_SHEET]
    assert [c.value for c in next(book[RESPONSES_SHEET].iter_rows(max_row=1))] == MAIN
    first, second = sheet_rows(book, RESPONSES_SHEET)
    assert first["start"] == "2026-12-01T10:00:00.000+08:00"  # WITA, as a phone writes it
    assert first["end"] == "2026-12-01T10:05:00.000+08:00"
    assert first["today"] == "2026-12-01"
    assert (first["usaha/kanal"], first["usaha/kanal/toko"], first["usaha/kanal/online"]) == (
        "toko other",
        1,
        0,
    )
    assert (first["usaha/kanal/other"], first["usaha/kanal_other"]) == (1, "'=WA grup")
    # a text starting with "-" cannot start a formula (as in every export); the numbers are
    # numbers
    assert first["usaha/lokasi"] == "'-8.5 115.2 0 0"
    assert (first["usaha/_lokasi_latitude"], first["usaha/_lokasi_longitude"]) == (-8.5, 115.2)
    assert (first["pekerja"], first["dua_kali"]) == (2, "4")
    assert (first["_id"], first["_index"], second["_id"], second["_index"]) == (10, 1, 20, 2)
    assert second["usaha/lokasi"] is None and second["usaha/_lokasi_latitude"] is None
    assert first["_respondent"].startswith("R-")
    people = sheet_rows(book, "orang")
    assert [
        (p["orang/nama_pekerja"], p["_index"], p["_parent_index"], p["_submission__id"])
        for p in people
    ] == [("Andi", 1, 1, 10), ("Budi", 2, 1, 10), ("Cici", 3, 2, 20)]
    assert {p["_parent_table_name"] for p in people} == {RESPONSES_SHEET}
    children = sheet_rows(book, "anak")
    assert [
        (c["orang/anak/umur"], c["_index"], c["_parent_index"], c["_parent_table_name"])
        for c in children
    ] == [(5, 1, 1, "orang"), (7, 2, 1, "orang"), (3, 3, 2, "orang"), (10, 4, 3, "orang")]
    assert list(children[0]) == ["orang/anak/umur", *ROUND_META]  # no "+" column
    explained = {line[0] for line in book[QUESTIONS_SHEET].values}
    assert {"usaha/kanal/toko", "usaha/kanal_other", "orang: orang/nama_pekerja"} <= explained
    # No Telegram id anywhere: the respondent is a pseudonym.
    for name in book.sheetnames:
        for line in book[name].values:
            assert not any(str(p) in str(cell) for cell in line for p in PEOPLE)


def test_the_csv_is_the_main_table_only(tmp_path: Path) -> None:
    survey = own_form(tmp_path)
    database = seeded(tmp_path / "bot.db", survey)
    out = tmp_path / "umkm.csv"
    assert write_export(database, survey, Format.CSV, out, ZONE) == 2
    with out.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == MAIN and len(lines) == 3
    assert dict(zip(lines[0], lines[1], strict=True))["usaha/nama"] == "Warung Bu Sri"
    assert not any("Andi" in cell for line in lines for cell in line)


def test_a_repeat_named_like_a_sheet_of_the_export_gets_a_name_of_its_own(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in [
        ["type", "name", "label"],
        ["begin_repeat", "pertanyaan", "P"],
        ["text", "a", "A"],
        ["end_repeat", "", ""],
        ["begin_repeat", "a_repeat_with_a_name_longer_than_excel_allows", "Q"],
        ["text", "b", "B"],
        ["end_repeat", "", ""],
    ]:
        sheet.append(row)
    book.save(tmp_path / "f.xlsx")
    survey = convert(read(tmp_path / "f.xlsx"))
    names = [t.name for t in kobo.tables(survey, RESPONSES_SHEET, (QUESTIONS_SHEET,))]
    assert names == [RESPONSES_SHEET, "pertanyaan_2", "a_repeat_with_a_name_longer_tha"]


# -- through the bot: answered in the chat, exported with /ekspor ------------------------------

STAFF, RESPONDENT = 7_300_900_001, 7_300_041_123


async def test_a_form_answered_in_the_chat_is_exported_as_the_database_holds_it(
    tmp_path: Path,
) -> None:
    survey = own_form(tmp_path)
    settings = harness.test_settings(
        tmp_path,
        surveys_dir=survey_folder(tmp_path, survey),
        admin_ids=frozenset({STAFF}),
        timezone="Asia/Makassar",
    )
    async with running_bot(settings) as bot:
        user = bot.user(RESPONDENT)
        await consent(user, survey.id)
        await play_in_chat(bot, user, survey, seed=3)
        staff = bot.user(STAFF)
        await staff.send("/ekspor")
        await staff.tap("Survei UMKM")
        await staff.tap("Semua")
        xlsx, csv_file = staff.files()
        no_refusals(bot)
    (response,) = rows(settings, "SELECT id FROM responses WHERE status = 'submitted'")
    held = {
        a["question_id"]: (None if a["value"] is None else json.loads(a["value"]), a["other"])
        for a in rows(settings, "SELECT * FROM answers WHERE response_id = ?", (response["id"],))
    }
    assert any(key.startswith("orang[") for key in held)  # the rounds were played
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == [RESPONSES_SHEET, "orang", "anak", QUESTIONS_SHEET]
    (main,) = sheet_rows(book, RESPONSES_SHEET)
    assert main["_id"] == response["id"] and main["_index"] == 1
    # Every answer held is in its sheet, on its round's row, in its question's column.
    tables = {t.name: t for t in kobo.tables(survey, RESPONSES_SHEET)}
    for key, (value, _) in held.items():
        *rounds, qid = key.split("/")
        if qid == "+" or value is None:
            continue  # "another round?" is how the rows came to be, not a column
        q = survey.by_id[qid]
        table = q.repeat or RESPONSES_SHEET
        numbers = tuple(int(r.split("[")[1].rstrip("]")) for r in rounds)
        ordered = sorted(
            {
                tuple(int(r.split("[")[1].rstrip("]")) for r in k.split("/")[:-1])
                for k in held
                if k.split("/")[-1] != "+" and survey.by_id[k.split("/")[-1]].repeat == q.repeat
            }
        )
        row = sheet_rows(book, table)[ordered.index(numbers)] if q.repeat else main
        column = kobo.columns(q)[0][0]
        expected = " ".join(value) if isinstance(value, list) else value
        assert row[column] == safe(expected), key
        assert column in tables[table].header
    children = sheet_rows(book, "anak")
    parents = sheet_rows(book, "orang")
    assert {c["_parent_index"] for c in children} <= {p["_index"] for p in parents}
    assert {p["_submission__id"] for p in parents} == {response["id"]}
    text = csv_file.content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text, newline=""))) == MAIN


def test_every_version_s_columns_in_an_export_of_every_version() -> None:
    """A question and a whole repeat only an older version had keep their columns and their
    sheet, after the live version's own; a question the live version has (under the same
    column) is not added twice."""

    def version(number: int, questions: list[dict[str, Any]], repeats: list[Any]) -> Survey:
        return Survey.model_validate(
            {"id": "pasar", "version": number, "title": {"id": "Pasar"}, "form_id": "pasar",
             "questions": questions, "repeats": repeats}
        )  # fmt: skip

    def q(qid: str, path: str, **extra: Any) -> dict[str, Any]:
        return {"id": qid, "type": "integer", "text": {"id": qid}, "path": path, **extra}

    stalls = [{"id": "kios", "label": {"id": "Kios"}, "path": "kios"}]
    old = version(1, [q("harga", "harga"), q("lama", "g/lama"), q("luas", "kios/luas",
                  repeat="kios")], stalls)  # fmt: skip
    live = version(2, [q("harga", "harga"), q("baru", "baru")], [])
    merged = kobo.all_versions(live, [old])
    assert [q.id for q in merged.questions] == ["harga", "baru", "lama", "luas"]
    main, repeat = kobo.tables(merged, "jawaban")
    assert main.header[:3] == ["harga", "baru", "g/lama"]
    assert repeat.name == "kios" and repeat.header[0] == "kios/luas"
    assert kobo.all_versions(live, []) is live
