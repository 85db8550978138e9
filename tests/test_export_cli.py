"""`python -m bot export`: run as a process beside the running bot (it reads without the
lock), and its refusals, each one line."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.config import Settings
from bot.export_cli import main
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.conftest import TEST_SURVEYS
from tests.helpers import clock_at, no_refusals, rows
from tests.test_export import NOW, STAFF, seed


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


def cli(settings: Settings, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_PATH": str(settings.database_path),
        "SURVEYS_DIR": str(TEST_SURVEYS),
        "TIMEZONE": "Asia/Makassar",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", *args],
        env=env,
        cwd=cwd,  # no .env there
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_export_beside_the_running_bot(
    bot: Bot, staff_settings: Settings, tmp_path: Path
) -> None:
    await seed(bot, 5, NOW - timedelta(days=20))
    await seed(bot, 3, NOW - timedelta(days=2), first_user=8_200_000_000)
    book = tmp_path / "out" / "semua.xlsx"
    book.parent.mkdir()
    done = cli(staff_settings, "semua", "--format", "xlsx", "--output", str(book), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"semua: 8 responses written to {book} (xlsx,")
    sheet = openpyxl.load_workbook(book)["jawaban"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    stored = rows(
        staff_settings,
        "SELECT COUNT(*) AS n FROM responses WHERE survey_id = 'semua' AND status = 'submitted'",
    )
    assert len(table) - 1 == stored[0]["n"] == 8
    assert [r[table[0].index("hari")] for r in table[1:]] == [0, 1, 2, 3, 4, 0, 1, 2]
    assert not list(book.parent.glob(".*partial"))  # written under a temporary name, renamed

    since = (NOW - timedelta(days=5)).date().isoformat()
    table_csv = tmp_path / "recent.csv"  # the format from the extension
    done = cli(staff_settings, "semua", "--output", str(table_csv), "--since", since, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"3 responses submitted since {since}" in done.stdout
    raw = table_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(lines) == 1 + 3 and lines[0][0] == "_respondent"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["nosuch", "--output", "x.csv"], "No survey 'nosuch'. Surveys: semua."),
        (["semua", "--output", "x.txt"], "Say --format xlsx or --format csv"),
    ],
)
def test_refusals_are_one_line(
    args: list[str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "none.sqlite3"))
    monkeypatch.setenv("SURVEYS_DIR", str(TEST_SURVEYS))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_no_database_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "none.sqlite3"))
    monkeypatch.setenv("SURVEYS_DIR", str(TEST_SURVEYS))
    assert main(["semua", "--output", "x.xlsx"]) == 2
    err = capsys.readouterr().err
    assert err == f"No database at {tmp_path / 'none.sqlite3'}: check DATABASE_PATH.\n"
    assert list(tmp_path.iterdir()) == []  # not even a partial file


def test_a_bad_date_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["semua", "--output", "x.csv", "--since", "1 Desember"])
    assert stop.value.code == 2
    assert "'1 Desember' is not a date like 2026-12-01" in capsys.readouterr().err
