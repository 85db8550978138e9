"""Imported XLSForm surveys and their versions (issue 10): drafts, publishing, the same file
twice, ids that are taken, and the promise to respondents: whoever is half-way through a
version finishes on it, after a new one is published and after a restart; new respondents get
the live one; both responses are kept with their versions."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.config import Settings
from bot.export_cli import main as export_cli
from bot.services.survey_catalog import CatalogError, Outcome
from bot.surveys_cli import main as surveys_cli
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, running_bot
from tests.helpers import answers, consent, no_refusals, rows

CORPUS = Path(__file__).resolve().parent / "xlsforms"
STAFF = 7_100_000_001


def xlsform(
    path: Path,
    survey: Sequence[tuple[Any, ...]],
    choices: Sequence[tuple[Any, ...]] = (),
    *,
    form_id: str = "Harga_Pangan",
    title: str = "Harga pangan",
) -> Path:
    """A small XLSForm as survey teams write them (one label column)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(("type", "name", "label", "required"))
    for row in survey:
        sheet.append(row)
    choice_sheet = book.create_sheet("choices")
    choice_sheet.append(("list_name", "name", "label"))
    for row in choices:
        choice_sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(("form_id", "form_title"))
    settings.append((form_id, title))
    book.save(path)
    return path


def version_1(folder: Path) -> Path:
    return xlsform(
        folder / "harga_v1.xlsx",
        [
            ("select_one warna", "warna", "Warna kios", "yes"),
            ("text", "catatan", "Catatan tentang kios", "yes"),
            ("integer", "pembeli", "Jumlah pembeli hari ini", "yes"),
        ],
        [("warna", "merah", "Merah"), ("warna", "biru", "Biru")],
    )


def version_2(folder: Path) -> Path:
    """The note question is gone, and a choice is called something else."""
    return xlsform(
        folder / "harga_v2.xlsx",
        [
            ("select_one warna", "warna", "Warna kios", "yes"),
            ("integer", "pembeli", "Jumlah pembeli hari ini", "yes"),
        ],
        [("warna", "merah", "Merah"), ("warna", "biru", "Biru laut")],
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for the bot, and the same database for `python -m bot surveys` in-process."""
    settings = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    return settings


async def take_up(bot: Bot) -> None:
    """What the running bot does every few seconds: look for versions published elsewhere."""
    assert bot.app.job_queue is not None
    (check,) = bot.app.job_queue.get_jobs_by_name("survey-catalog")
    await check.run(bot.app)


async def test_a_half_way_respondent_finishes_on_the_version_they_started(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram = FakeTelegram()  # the same chats across the restart
    async with running_bot(env, telegram) as bot:
        catalog = bot.services.survey_catalog
        first = await catalog.import_file(version_1(tmp_path), by=STAFF)
        assert first.outcome is Outcome.DRAFT and first.draft is not None
        await catalog.publish(first.draft, by=STAFF)
        early = bot.user(41)
        await consent(early, "harga_pangan")
        assert "Warna kios" in early.text
        await early.tap("Biru")
        assert "Catatan tentang kios" in early.text

        # Version 2 published from the command line while the bot runs (it holds the lock:
        # the command writes beside it), then taken up by the bot's periodic look.
        command = ["import", str(version_2(tmp_path)), "--publish"]
        assert await asyncio.to_thread(surveys_cli, command) == 0
        said = capsys.readouterr().out
        assert "Published 'harga_pangan' version 2: it replaces version 1" in said
        assert "1 person half-way through version 1 finish on it" in said
        await take_up(bot)
        assert bot.services.surveys.surveys["harga_pangan"].version == 2
        # One dict of live surveys, changed in place: /hasil and /ekspor offer it too.
        assert bot.services.results.surveys["harga_pangan"].version == 2
        assert bot.services.exports.surveys["harga_pangan"].version == 2

        late = bot.user(42)
        await consent(late, "harga_pangan")
        assert "Biru laut" in late.buttons()
        await late.tap("Biru laut")
        assert "Jumlah pembeli hari ini" in late.text  # no note question in version 2
        await late.send("12")
        await late.tap("Kirim")
        no_refusals(bot)

    async with running_bot(env, telegram) as bot:  # a restart: version 1 is read back
        early = bot.user(41)
        await early.send("Kiosnya di ujung pasar")
        assert "Jumlah pembeli hari ini" in early.text
        await early.send("30")
        assert "Biru" in early.text and "Biru laut" not in early.text  # the review, as v1
        await early.tap("Kirim")
        await early.send("/dataku")  # what they answered, as version 1 asked it
        assert "Catatan tentang kios" in early.text and "Kiosnya di ujung pasar" in early.text
        no_refusals(bot)

    kept = rows(env, "SELECT user_id, survey_id, survey_version, status FROM responses")
    assert sorted(tuple(r) for r in kept) == [
        (41, "harga_pangan", 1, "submitted"),
        (42, "harga_pangan", 2, "submitted"),
    ]
    assert answers(env, 41) == {"warna": "biru", "catatan": "Kiosnya di ujung pasar", "pembeli": 30}
    assert answers(env, 42) == {"warna": "biru", "pembeli": 12}
    forms = rows(env, "SELECT version, status, published_by FROM survey_forms ORDER BY version")
    assert [tuple(r) for r in forms] == [(1, "retired", STAFF), (2, "live", None)]

    # The export holds every version's answers: version 1's note question, which version 2
    # dropped, keeps its column (after version 2's own), filled for the one who answered it.
    table = tmp_path / "harga.csv"
    assert await asyncio.to_thread(export_cli, ["harga_pangan", "--output", str(table)]) == 0
    header, *lines = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert header.index("warna") < header.index("pembeli") < header.index("catatan")
    by_buyers = {line[header.index("pembeli")]: line for line in lines}
    assert by_buyers["30"][header.index("catatan")] == "Kiosnya di ujung pasar"
    assert by_buyers["12"][header.index("catatan")] == ""


async def test_versions_count_up_and_the_same_file_twice_makes_none(
    env: Settings, tmp_path: Path
) -> None:
    async with running_bot(env) as bot:
        catalog = bot.services.survey_catalog
        one = await catalog.import_file(version_1(tmp_path), by=STAFF)
        again = await catalog.import_file(version_1(tmp_path), by=STAFF, name="copy.xlsx")
        assert again.outcome is Outcome.SAME_FILE and again.form == one.form
        two = await catalog.import_file(version_2(tmp_path), by=STAFF)
        assert two.draft is not None and two.draft.version == 2
        assert [d.version for d in await catalog.drafts()] == [1, 2]
        assert await catalog.live() == []
        assert "harga_pangan" not in bot.services.surveys.surveys  # nothing live yet

        await catalog.discard(two.draft, by=STAFF)
        with pytest.raises(CatalogError):
            await catalog.publish(two.draft, by=STAFF)  # no draft any more
        # The discarded bytes again: a new draft, under a number never given before.
        three = await catalog.import_file(version_2(tmp_path), by=STAFF)
        assert three.draft is not None and three.draft.version == 3
        assert one.draft is not None
        published = await catalog.publish(one.draft, by=STAFF)
        assert published.retired is None and published.half_way == 0
        assert (await catalog.live())[0].version == 1
        assert bot.services.surveys.survey_for_payload("harga_pangan").version == 1
        no_refusals(bot)

    entries = rows(env, "SELECT actor, action, subject, detail FROM audit_log ORDER BY id")
    assert [(e["action"], e["detail"]) for e in entries] == [
        ("survey_imported", "version 1, 3 questions, harga_v1.xlsx"),
        ("survey_imported", "version 2, 2 questions, harga_v2.xlsx"),
        ("survey_discarded", "version 2"),
        ("survey_imported", "version 3, 2 questions, harga_v2.xlsx"),
        ("survey_published", "version 1"),
    ]
    assert {e["actor"] for e in entries} == {STAFF}
    stored = rows(env, "SELECT version, status, definition FROM survey_forms ORDER BY version")
    assert [(r["version"], r["status"]) for r in stored] == [
        (1, "live"),
        (2, "discarded"),
        (3, "draft"),
    ]
    assert json.loads(stored[2]["definition"])["version"] == 3  # numbered as stored


async def test_an_id_a_yaml_survey_has_is_refused(env: Settings, tmp_path: Path) -> None:
    async with running_bot(env) as bot:
        catalog = bot.services.survey_catalog
        clash = xlsform(tmp_path / "bpjs.xlsx", [("text", "x", "X", "yes")], form_id="BPJS")
        result = await catalog.import_file(clash, by=STAFF)
        assert result.outcome is Outcome.TAKEN and result.taken_by == "bpjs"
        assert result.form is None
        assert bot.services.surveys.survey_for_payload("bpjs").form_id is None  # the YAML one
    assert rows(env, "SELECT * FROM survey_forms") == []


async def test_parts_chat_cannot_run_are_refused_unless_left_out(
    env: Settings,
) -> None:
    async with running_bot(env) as bot:
        catalog = bot.services.survey_catalog
        refused = await catalog.import_file(CORPUS / "widgets.xls", by=STAFF)
        assert refused.outcome is Outcome.UNSUPPORTED and refused.form is None
        assert refused.report is not None and len(refused.report.problems) == 6
        taken = await catalog.import_file(
            CORPUS / "widgets.xls", by=STAFF, without_unsupported=True
        )
        assert taken.outcome is Outcome.DRAFT and taken.survey is not None
        assert "my_barcode" in taken.survey.absent
        broken = await catalog.import_file(CORPUS / "liberiaCoverage.xlsx", by=STAFF)
        assert broken.outcome is Outcome.NOT_A_FORM and broken.report is None
        assert "row" in broken.reason
    stored = rows(env, "SELECT survey_id, status, report FROM survey_forms")
    assert [(r["survey_id"], r["status"]) for r in stored] == [("widgets", "draft")]
    assert "6 part(s) left out (chat cannot run them):" in stored[0]["report"]


async def test_a_yaml_file_added_later_with_the_same_id_wins(env: Settings, tmp_path: Path) -> None:
    async with running_bot(env) as bot:
        catalog = bot.services.survey_catalog
        imported = await catalog.import_file(version_1(tmp_path), by=STAFF)
        assert imported.draft is not None
        await catalog.publish(imported.draft, by=STAFF)
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "harga.yaml").write_text(
        "id: harga_pangan\n"
        'title: {id: "Harga (berkas)", en: "Prices (file)"}\n'
        "questions:\n"
        '  - {id: q, type: text, text: {id: "Q", en: "Q"}}\n',
        encoding="utf-8",
    )
    settings = env.model_copy(update={"surveys_dir": surveys})
    async with running_bot(settings) as bot:
        survey = bot.services.surveys.survey_for_payload("harga_pangan")
        assert survey is not None and survey.form_id is None  # the file's
        again = await bot.services.survey_catalog.import_file(version_2(tmp_path), by=STAFF)
        assert again.outcome is Outcome.TAKEN and again.taken_by == "harga_pangan"
