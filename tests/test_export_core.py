"""The pure export core (columns, cells, pseudonyms) and the bounded memory of a streamed
export, without a bot."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.export.columns import layout
from bot.core.export.pseudonym import Pseudonyms
from bot.core.export.rows import Record, Rows, safe
from bot.core.survey.loader import load_surveys
from bot.services.exports import Format, package, write_export
from bot.storage.database import migrate
from tests.conftest import TEST_SURVEYS

SURVEY = load_surveys(TEST_SURVEYS)["semua"]


def test_a_code_is_stable_secret_and_never_the_id() -> None:
    one, other = Pseudonyms(b"k" * 32), Pseudonyms(b"j" * 32)
    code = one.code(7_300_041_123)
    assert code == one.code(7_300_041_123) == Pseudonyms(b"k" * 32).code(7_300_041_123)
    assert code != one.code(7_300_041_124)
    assert code != other.code(7_300_041_123)  # without the secret, no way from id to code
    assert code.startswith("R-") and len(code) == 14 and "7300041123" not in code
    with pytest.raises(ValueError):
        Pseudonyms(b"short")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812", "'+62 812"),
        ("-5 km", "'-5 km"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x00=x", "'=x"),  # a character XML cannot hold, then what it hid
        ("Kota Kupang", "Kota Kupang"),
        ("", ""),
        (-5, -5),  # a number is a number, not a formula
        (2.5, 2.5),
        (None, None),
    ],
)
def test_no_text_can_start_a_formula(value: object, cell: object) -> None:
    assert safe(value) == cell  # type: ignore[arg-type]


def test_columns_follow_kobo() -> None:
    header = layout(SURVEY).header
    assert header[7:] == [
        "kerja",
        "kerja/_other",
        "platform",
        "platform/gojek",
        "platform/grab",
        "platform/maxim",
        "platform/lain",
        "platform/tidak_ada",
        "platform/_other",
        "merek_motor",
        "hari",
        "jarak",
        "bpjs",
        "puas",
        "mulai",
        "kota",
        "kota/_name",
        "saran",
    ]


def test_a_row_of_a_record() -> None:
    rows = Rows(layout(SURVEY), Pseudonyms(b"k" * 32), ZoneInfo("Asia/Jayapura"))
    record = Record(
        user_id=5,
        started_at="2026-12-01T00:00:00.000000+00:00",
        submitted_at="2026-12-01T00:04:10.600000+00:00",
        locale="en",
        source=None,
        version=1,
        answers={
            "kerja": ("lainnya", "-nelayan"),
            "platform": (["grab", "lain"], "=ojek"),
            "hari": (-1, None),
            "bpjs": (False, None),
            "kota": ("53.71", None),
            "saran": (None, None),  # skipped
            "mulai": (["2025-10-01"], None),  # a shape from an older version of the survey
        },
    )
    row = dict(zip(layout(SURVEY).header, rows.row(record), strict=True))
    assert row["_started"] == "2026-12-01 09:00:00+09:00"
    assert row["_duration_s"] == 251
    assert (row["kerja"], row["kerja/_other"]) == ("lainnya", "'-nelayan")
    assert row["platform"] == "grab lain"
    assert [row[f"platform/{c}"] for c in ("gojek", "grab", "maxim", "lain", "tidak_ada")] == [
        0,
        1,
        0,
        1,
        0,
    ]
    assert row["platform/_other"] == "'=ojek"
    assert (row["hari"], row["bpjs"], row["kota/_name"], row["saran"]) == (
        -1,
        "no",
        "Kota Kupang",
        None,
    )
    assert row["puas"] is None and row["merek_motor"] is None
    assert row["mulai"] == '["2025-10-01"]'


def test_package_zips_then_splits(tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_bytes(b"x" * 100)
    assert package(small, 100) == ([small], False)
    text = tmp_path / "b.csv"
    text.write_bytes(b"kurir,ojol\r\n" * 1000)
    parts, zipped = package(text, 5000)
    assert zipped and [p.name for p in parts] == ["b.csv.zip"]
    noise = tmp_path / "c.xlsx"
    noise.write_bytes(bytes(range(256)) * 40 + __import__("os").urandom(20_000))
    parts, zipped = package(noise, 8000)
    assert zipped and [p.name for p in parts][:2] == ["c.xlsx.zip.001", "c.xlsx.zip.002"]
    assert all(p.stat().st_size <= 8000 for p in parts)
    assert not (tmp_path / "c.xlsx.zip").exists()


def seeded(path: Path, count: int) -> Path:
    """A database with `count` submitted responses of ten answers each."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    migrate(conn)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    conn.execute("BEGIN")
    for i in range(count):
        stamp = (start + timedelta(seconds=i)).isoformat(timespec="microseconds")
        conn.execute("INSERT INTO users VALUES (?, 'id', ?, ?)", (10_000 + i, stamp, stamp))
        conn.execute(
            "INSERT INTO responses (id, user_id, survey_id, survey_version, status, cursor, "
            "started_at, updated_at, submitted_at) "
            "VALUES (?, ?, 'semua', 1, 'submitted', '__review__', ?, ?, ?)",
            (i + 1, 10_000 + i, stamp, stamp, stamp),
        )
        answers = {
            "kerja": "lainnya",
            "platform": ["gojek", "grab"],
            "hari": i % 7,
            "jarak": 12.5,
            "bpjs": True,
            "puas": 4,
            "mulai": "2025-10-01",
            "kota": "53.71",
            "saran": f"Saran nomor {i} " + "panjang " * (i % 20),
        }
        conn.executemany(
            "INSERT INTO answers VALUES (?, ?, ?, ?, ?)",
            [
                (i + 1, q, json.dumps(v), "nelayan" if q == "kerja" else None, stamp)
                for q, v in answers.items()
            ],
        )
    conn.execute("COMMIT")
    conn.close()
    return path


def peak(database: Path, fmt: Format, out: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = write_export(database, SURVEY, fmt, out, ZoneInfo("Asia/Jakarta"))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", list(Format))
def test_memory_does_not_grow_with_the_responses(fmt: Format, tmp_path: Path) -> None:
    few, many = seeded(tmp_path / "few.db", 100), seeded(tmp_path / "many.db", 1_000)
    peak(few, fmt, tmp_path / f"warm.{fmt.value}")  # first use loads the region names
    small = peak(few, fmt, tmp_path / f"few.{fmt.value}")
    large = peak(many, fmt, tmp_path / f"many.{fmt.value}")
    assert (small[0], large[0]) == (100, 1_000)
    # Ten times the responses, about the same memory: rows stream from cursor to file.
    assert large[1] < 1.3 * small[1] + 256 * 1024, (small, large)
