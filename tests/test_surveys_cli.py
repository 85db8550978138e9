"""`python -m bot surveys import / publish / list` (issue 10): the report and what was stored,
exit statuses staff scripts can rely on, and a form published by the command line beside the
running bot that a person then opens with /start <form_id> and answers to the end."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.export_cli import main as export_cli
from bot.surveys_cli import main
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import answers, consent, no_refusals, rows
from tests.test_process import bot_env
from tests.test_survey_catalog import take_up, xlsform

CORPUS = Path(__file__).resolve().parent / "xlsforms"
CASCADE = CORPUS / "choice_filter_test.xlsx"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    found = harness.test_settings(tmp_path)
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_PATH", str(found.database_path))
    return found


def run(*argv: str) -> tuple[int, list[str]]:
    said: list[str] = []
    return main(list(argv), said.append), said


def test_import_then_publish_then_list(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run("import", str(CASCADE))
    assert code == 0
    assert said[0] == "Form 'cascading_selects1': cascading selects"
    assert said[-2:] == [
        "Imported as draft 'cascading_selects1' version 1.",
        "Publish it with: python -m bot surveys publish cascading_selects1",
    ]
    code, said = run("import", str(CASCADE))  # the same bytes: nothing new
    assert code == 0 and "This file is already 'cascading_selects1' version 1 (draft)." in said

    code, said = run("list")
    assert code == 0
    assert said[0] == "Imported surveys:"
    table = said[1].splitlines()
    assert table[0].split() == [
        "survey",
        "version",
        "status",
        "questions",
        "responses",
        "imported",
        "published",
    ]
    assert table[1].split()[:5] == ["cascading_selects1", "1", "draft", "3", "0"]
    assert table[1].endswith("by the command line  -")
    assert any(line.startswith("YAML surveys (") for line in said)
    assert any(line.split()[:1] == ["bpjs"] for line in "\n".join(said).splitlines())

    code, said = run("publish", "cascading_selects1")
    assert code == 0
    assert said == [
        "Published 'cascading_selects1' version 1.",
        "Live: t.me/<bot>?start=cascading_selects1",
    ]
    code, said = run("publish", "cascading_selects1")  # nothing left to publish
    assert code == 2 and said == []
    assert "No draft of 'cascading_selects1' to publish. Drafts: none." in capsys.readouterr().err
    code, said = run("list")
    assert said[-1] == "Links: t.me/<bot>?start=cascading_selects1"
    live = rows(settings, "SELECT status, published_by, published_at FROM survey_forms")
    assert [(r["status"], r["published_by"]) for r in live] == [("live", None)]
    assert live[0]["published_at"]
    entries = rows(settings, "SELECT actor, action FROM audit_log ORDER BY id")
    assert [(e["actor"], e["action"]) for e in entries] == [
        (None, "survey_imported"),
        (None, "survey_published"),
    ]


def test_refusals_have_their_own_exit_status(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run("import", str(CORPUS / "widgets.xls"))
    assert code == 1
    assert "6 part(s) cannot run in chat:" in said
    assert "--without-unsupported" in capsys.readouterr().err
    code, said = run("import", str(CORPUS / "liberiaCoverage.xlsx"))
    assert code == 2 and said == []
    assert capsys.readouterr().err.startswith("liberiaCoverage.xlsx cannot be imported: [row")
    taken = xlsform(tmp_path / "t.xlsx", [("text", "x", "X", "yes")], form_id="pelatihan")
    code, said = run("import", str(taken))
    assert code == 2
    assert "already used by 'pelatihan'" in capsys.readouterr().err
    assert run("import", str(tmp_path / "none.xlsx"))[0] == 2
    assert run("import")[0] == 2  # usage
    assert rows(settings, "SELECT * FROM survey_forms") == []

    code, said = run("import", str(CORPUS / "widgets.xls"), "--without-unsupported", "--publish")
    assert code == 0
    assert "6 part(s) left out (chat cannot run them):" in said
    assert said[-1] == "Live: t.me/<bot>?start=widgets"


async def play_cascade(bot: Bot) -> None:
    person = bot.user(51)
    await consent(person, "cascading_selects1")
    assert person.buttons()[:2] == ["Texas", "Washington"]
    await person.tap("Texas")
    assert "King" in person.buttons() and "Pierce" not in person.buttons()  # choice_filter
    await person.tap("Cameron")
    assert "harlingen" in person.buttons() and "Dumont" not in person.buttons()
    await person.tap("harlingen")
    await person.tap("Kirim")
    no_refusals(bot)


async def test_published_by_a_process_beside_the_bot_and_answered_whole(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_bot(settings) as bot:
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "surveys", "import", str(CASCADE), "--publish"],
            env=bot_env(DATABASE_PATH=str(settings.database_path)),
            cwd=tmp_path,  # no .env there
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "Live: t.me/<bot>?start=cascading_selects1" in done.stdout
        assert done.stderr == ""
        assert bot.services.surveys.survey_for_payload("cascading_selects1") is None
        await take_up(bot)  # the bot's look every few seconds
        await play_cascade(bot)
    assert answers(settings, 51) == {"state": "texas", "county": "cameron", "city": "harlingen"}
    kept = rows(settings, "SELECT survey_id, survey_version, status FROM responses")
    assert [tuple(r) for r in kept] == [("cascading_selects1", 1, "submitted")]

    # python -m bot export finds the imported survey in the database, as it finds YAML ones.
    table = tmp_path / "cascade.csv"
    assert await asyncio.to_thread(export_cli, ["cascading_selects1", "--output", str(table)]) == 0
    header, row = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert {"state", "county", "city"} <= set(header)
    assert row[header.index("county")] == "cameron"


async def test_a_repeat_with_a_count_runs_whole(settings: Settings) -> None:
    command = ("import", str(CORPUS / "liberiaStdForm.xlsx"), "--publish")
    assert (await asyncio.to_thread(run, *command))[0] == 0
    async with running_bot(settings) as bot:  # live imported surveys load at start
        person = bot.user(52, "en")
        await consent(person, "liberiastdform")
        await person.send("17")  # the enumerator's id
        await person.send("2")  # children to measure: two rounds
        for weight, muac, height in (("11.5", "140", "82"), ("9", "999", "75.5")):
            await person.send(weight)
            await person.send(muac)
            await person.tap("No")
            await person.send(height)
            await person.tap("Height")
        assert "Anthropometry 2 › Weight (kg)" in person.text  # the review: two rounds
        await person.tap("Submit")
        no_refusals(bot)
    given = answers(settings, 52)
    assert given["id"] == 17 and given["repeatNum"] == 2
    assert given["repeat1[1]/weight"] == 11.5 and given["repeat1[2]/muac"] == 999
    assert given["repeat1[2]/heightInit"] == 75.5
    kept = rows(settings, "SELECT survey_id, survey_version, status FROM responses")
    assert [tuple(r) for r in kept] == [("liberiastdform", 1, "submitted")]


async def test_two_imports_at_once_beside_the_bot_make_two_versions_and_one_live(
    settings: Settings, tmp_path: Path
) -> None:
    """Two staff members publish two versions of one form from two terminals at the same
    moment, while the bot runs: each gets its own version number, exactly one is live, the
    other retired, and neither command fails or leaves a half-written row."""
    first = xlsform(tmp_path / "a.xlsx", [("text", "nama_pasar", "Nama pasar", "yes")])
    second = xlsform(tmp_path / "b.xlsx", [("integer", "harga", "Harga beras per kg", "yes")])
    command = [sys.executable, "-m", "bot", "surveys", "import"]
    async with running_bot(settings) as bot:
        done = await asyncio.gather(
            *(
                asyncio.to_thread(
                    subprocess.run,
                    [*command, str(path), "--publish"],
                    env=bot_env(DATABASE_PATH=str(settings.database_path)),
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                for path in (first, second)
            )
        )
        for result in done:
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
        await take_up(bot)
        live = bot.services.surveys.survey_for_payload("harga_pangan")
        assert live is not None
    stored = rows(settings, "SELECT version, status FROM survey_forms ORDER BY version")
    assert [r["version"] for r in stored] == [1, 2]
    assert sorted(r["status"] for r in stored) == ["live", "retired"]
    live_version = next(r["version"] for r in stored if r["status"] == "live")
    assert live.version == live_version
