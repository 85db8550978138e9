"""Reading real XLSForms (tests/xlsforms, public forms byte for byte) with pyxform, and the report
staff get before anything is imported: what is asked, which label columns serve which bot
locale, and every part chat cannot run, by spreadsheet row, with the reason (issue 10)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot import surveys_cli
from bot.core.xlsform.reader import FormError, Language, Problem, languages, read
from tests.test_process import bot_env

CORPUS = Path(__file__).resolve().parent / "xlsforms"
REFUSED_BY_PYXFORM = {"liberiaCoverage.xlsx"}


def reasons(problems: list[Problem]) -> dict[str, str]:
    return {p.name: p.reason for p in problems}


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xls*")), ids=lambda p: p.name)
def test_every_corpus_file_reads_or_is_refused_with_pyxforms_reason(path: Path) -> None:
    if path.name in REFUSED_BY_PYXFORM:
        with pytest.raises(FormError) as refused:
            read(path)
        assert "row" in str(refused.value) and "\n" not in str(refused.value)
        return
    form = read(path)
    report = form.report
    assert report.form_id and report.form_id == report.form_id.lower()
    assert sum(report.questions.values()) > 0
    assert any(language.locales for language in report.languages)
    for problem in report.problems:  # each says what and why, by row where the sheet has one
        assert problem.name and problem.reason and "\n" not in problem.reason


def test_an_indonesian_form_maps_its_languages_and_names_what_chat_cannot_fill() -> None:
    report = read(CORPUS / "building_natural_risks_survey.xlsx").report
    assert report.languages == [Language("label", ("en",)), Language("Indonesian(id)", ("id",))]
    found = reasons(report.problems)
    assert report.form_id == "karangasem_building_disaster_risk_assessment_v4"
    assert found["deviceid"] == "'deviceid' is filled in by a phone app; in a chat it stays empty"
    assert Problem(6, "deviceid", found["deviceid"]) in report.problems  # its spreadsheet row
    assert any("secondary instances" in why for why in found.values())
    assert report.questions["one choice"] == 9 and report.questions["location"] == 1


def test_unusual_required_spellings_and_languages_chat_does_not_speak_are_reported() -> None:
    report = read(CORPUS / "REACH_2024_MSNA-kobo-tool_draft_v11.xlsx").report
    assert Language("french", ()) in report.languages
    assert Language("english", ("en",)) in report.languages
    # "T" is none of pyxform's spellings of yes: the form means something chat cannot guess.
    flagged = {p.row: p for p in report.problems if "required" in p.reason}
    assert {314, 315} <= set(flagged)
    assert "'T'" in flagged[314].reason


def test_choices_from_an_attached_file_and_photos_are_named() -> None:
    report = read(CORPUS / "UCL_Biomass_Plot_Form.xlsx").report
    found = reasons(report.problems)
    assert "UCL_regions.csv" in found["region_id"]
    assert found["tree_photo"] == "a photo answer is not supported in chat surveys yet"
    assert Language("Swahili (sw)", ()) in report.languages


def test_a_form_chat_can_run_whole_has_no_problems() -> None:
    report = read(CORPUS / "choice_filter_test.xlsx").report
    assert report.runs_whole
    assert report.languages == [Language("label", ("id", "en"))]


def test_a_file_that_is_no_spreadsheet_is_refused_in_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "form.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(FormError) as refused:
        read(fake)
    assert "cannot be read as an XLSForm" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("column", "locales"),
    [
        ("Indonesian(id)", ("id",)),
        ("Bahasa Indonesia (id)", ("id",)),
        ("bahasa indonesia", ("id",)),
        ("Indonesian", ("id",)),
        ("english", ("en",)),
        ("English (en)", ("en",)),
        ("English(en-GB)", ("en",)),
        ("chinese", ()),
        ("Swahili (sw)", ()),
    ],
)
def test_label_columns_map_to_bot_locales(column: str, locales: tuple[str, ...]) -> None:
    assert languages({column}) == [Language(column, locales)]


def test_the_plain_label_column_serves_the_locales_no_named_column_serves() -> None:
    assert languages({"default", "Indonesian(id)"}) == [
        Language("label", ("en",)),
        Language("Indonesian(id)", ("id",)),
    ]
    assert languages({"default", "english", "Indonesian (id)"})[0] == Language("label", ())


def test_surveys_check_prints_the_report_with_an_exit_status(tmp_path: Path) -> None:
    said: list[str] = []
    assert surveys_cli.main(["check", str(CORPUS / "choice_filter_test.xlsx")], said.append) == 0
    assert said[-1] == "Every part of this form can run in chat."
    said.clear()
    path = CORPUS / "building_natural_risks_survey.xlsx"
    assert surveys_cli.main(["check", str(path)], said.append) == 1
    assert "  Indonesian(id): id" in said
    assert (
        "  row 6, deviceid: 'deviceid' is filled in by a phone app; in a chat it stays empty"
        in said
    )
    assert surveys_cli.main(["check", str(CORPUS / "liberiaCoverage.xlsx")], said.append) == 2
    assert surveys_cli.main(["check", str(tmp_path / "none.xlsx")], said.append) == 2
    assert surveys_cli.main(["import"], said.append) == 2


def test_python_m_bot_surveys_check_runs_without_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "surveys", "check", str(CORPUS / "widgets.xls")],
        cwd=tmp_path,
        env=bot_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("Form 'widgets'")
    assert "row 12, my_barcode: scanning a barcode" in done.stdout
    assert done.stderr == ""  # no warnings, no traceback


def test_questions_collecting_personal_data_are_named_for_staff() -> None:
    """The data notice says the bot never asks for a name, NIK or phone number: a form that
    does, or that asks for a location, is not refused, but staff are told which rows."""
    spec = read(CORPUS / "xlsform_spec_test.xlsx").report
    found = {p.name: p.reason for p in spec.personal}
    assert found["my_name"] == "looks like it asks for a name"
    assert found["address"] == "looks like it asks for an address"
    assert found["geopoint_test"].startswith("the respondent's location")
    ucl = {p.name: p.reason for p in read(CORPUS / "UCL_Biomass_Plot_Form.xlsx").report.personal}
    assert ucl["leader_number"] == "looks like it asks for a phone number"
    assert "latin_name_other" not in ucl  # a species' name, not a person's
    assert read(CORPUS / "choice_filter_test.xlsx").report.personal == []


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """A few hundred kilobytes that unpack to gigabytes would have the spreadsheet reader try
    to hold them all: refused in one line, by what the zip says of its parts."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(FormError) as refused:
        read(bomb)
    assert "unpacks to 60 MB" in str(refused.value)
