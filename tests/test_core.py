"""The pure core, without a bot: skip logic, navigation, parsing, survey file validation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core import regions
from bot.core.formatting import date_time, long_date, number
from bot.core.survey import engine
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.loader import SurveyFileError, load_surveys, parse_survey
from bot.core.survey.model import MultiChoice
from bot.core.survey.parse import Invalid, parse_number, parse_typed, toggle
from tests.conftest import TEST_SURVEYS

SURVEY = parse_survey(TEST_SURVEYS / "all_types.yaml")
TODAY = date(2026, 11, 26)


def q(question_id: str):
    question = SURVEY.question(question_id)
    assert question is not None
    return question


# -- skip logic and navigation ---------------------------------------------------------------


def test_next_follows_skip_logic_both_ways() -> None:
    assert engine.first_question(SURVEY) == "kerja"
    ojol = {"kerja": Answer("ojol"), "platform": Answer(["gojek"])}
    kurir = {"kerja": Answer("kurir"), "platform": Answer(["gojek"])}
    assert engine.next_question(SURVEY, ojol, "platform") == "merek_motor"
    assert engine.next_question(SURVEY, kurir, "platform") == "hari"
    yes = {**kurir, "hari": Answer(5), "jarak": Answer(None), "bpjs": Answer(True)}
    no = {**yes, "bpjs": Answer(False)}
    assert engine.next_question(SURVEY, yes, "bpjs") == "puas"
    assert engine.next_question(SURVEY, no, "bpjs") == "mulai"


def test_previous_and_review() -> None:
    answers = {"kerja": Answer("kurir"), "platform": Answer(["grab"]), "hari": Answer(3)}
    assert engine.previous_question(SURVEY, answers, "hari") == "platform"
    assert engine.previous_question(SURVEY, answers, "kerja") is None
    full = {
        **answers,
        "jarak": Answer(1.0),
        "bpjs": Answer(False),
        "mulai": Answer("2025-01-01"),
        "kota": Answer("53.71"),
        "saran": Answer(None),
    }
    assert engine.next_question(SURVEY, full, "saran") == REVIEW
    assert engine.previous_question(SURVEY, full, REVIEW) == "saran"
    assert engine.missing_required(SURVEY, full) == []


def test_progress_counts_only_questions_that_show() -> None:
    assert engine.progress(SURVEY, {}, "kerja") == (1, 10)
    kurir = {"kerja": Answer("kurir")}
    assert engine.progress(SURVEY, kurir, "platform") == (2, 9)


def test_progress_total_is_the_longest_way_on(tmp_path: Path) -> None:
    """Follow-ups for members and for non-members never show together: the total counts the
    longer branch, not both; a numeric threshold and an unanswered yes/no are tried both ways."""
    folder = _write(
        tmp_path,
        HEAD + "  - {id: status, type: single, text: {id: S}, choices: [{id: ya, label: {id: Ya}}, "
        "{id: tidak, label: {id: Tidak}}]}\n"
        "  - {id: a, type: yes_no, text: {id: A}, show_if: {question: status, any_of: [ya]}}\n"
        "  - {id: b, type: yes_no, text: {id: B}, show_if: {question: status, any_of: [ya]}}\n"
        "  - {id: c, type: yes_no, text: {id: C}, show_if: {question: status, any_of: [tidak]}}\n"
        "  - {id: jam, type: decimal, min: 0, max: 9, text: {id: J}}\n"
        "  - {id: d, type: yes_no, text: {id: D}, show_if: {question: jam, min: 0.5}}\n",
    )
    survey = load_surveys(folder)["s"]
    assert engine.progress(survey, {}, "status") == (1, 5)  # status, a, b, jam, d; not c
    member = {"status": Answer("ya")}
    assert engine.progress(survey, member, "a") == (2, 5)
    other = {"status": Answer("tidak")}
    assert engine.progress(survey, other, "c") == (2, 4)
    assert engine.progress(survey, {**other, "c": Answer(True)}, "jam") == (3, 4)
    no_time = {**other, "c": Answer(True), "jam": Answer(0.0)}
    assert engine.progress(survey, no_time, "jam") == (3, 3)


def test_hidden_answers_are_not_relevant() -> None:
    answers = {"kerja": Answer("kurir"), "merek_motor": Answer("Honda")}
    assert "merek_motor" not in engine.relevant_answers(SURVEY, answers)


def test_skipped_trigger_hides_dependants() -> None:
    answers = {"kerja": Answer(None)}
    assert "merek_motor" not in [x.id for x in engine.visible(SURVEY, answers)]


# -- parsing typed answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("5", "id", 5),
        ("1.500.000", "id", 1500000),
        ("2,5", "id", 2.5),
        ("2.5", "id", 2.5),
        ("1,500,000", "en", 1500000),
        ("2.5", "en", 2.5),
        ("Rp 16.800", "id", 16800),
        ("1.234,5", "id", 1234.5),
        ("-3", "id", -3),
    ],
)
def test_numbers_as_people_type_them(text: str, locale: str, value: float) -> None:
    assert parse_number(text, locale) == value


@pytest.mark.parametrize("text", ["", "lima", "5 kali", "1,2,3,x", "..."])
def test_not_numbers(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_number(text, "id")
    assert caught.value.code == "number.nan"


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("hari", "7", 7),
        ("jarak", "12,34", 12.3),
        ("bpjs", "Ya", True),
        ("bpjs", "tidak", False),
        ("puas", "3", 3),
        ("mulai", "1/10/2025", "2025-10-01"),
        ("mulai", "01-10-2025", "2025-10-01"),
        ("mulai", "1.10.2025", "2025-10-01"),
        ("kerja", "2", "kurir"),
        ("kerja", "kurir", "kurir"),
        ("merek_motor", "  Honda  ", "Honda"),
    ],
)
def test_valid_typed_answers(question: str, text: str, expected: object) -> None:
    assert parse_typed(q(question), text, "id", TODAY) == expected


@pytest.mark.parametrize(
    ("question", "text", "code"),
    [
        ("hari", "0", "number.range"),
        ("hari", "8", "number.range"),
        ("hari", "2,5", "number.whole"),
        ("jarak", "-1", "number.range"),
        ("bpjs", "mungkin", "choice.buttons"),
        ("puas", "6", "scale.range"),
        ("puas", "0", "scale.range"),
        ("mulai", "2025-10-01", "date.format"),
        ("mulai", "32/1/2025", "date.invalid"),
        ("mulai", "29/2/2025", "date.invalid"),
        ("mulai", "1/1/1990", "date.too_early"),
        ("mulai", "1/1/2027", "date.too_late"),
        ("kerja", "9", "choice.buttons"),
        ("platform", "gojek", "choice.buttons"),
        ("kota", "x", "choice.buttons"),
        ("merek_motor", "x" * 21, "text.too_long"),
        ("merek_motor", " ", "text.too_short"),
        ("merek_motor", "x" * 5000, "text.too_long"),
    ],
)
def test_invalid_typed_answers(question: str, text: str, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_typed(q(question), text, "id", TODAY)
    assert caught.value.code == code


def test_text_too_long_says_how_long_and_the_limit() -> None:
    with pytest.raises(Invalid) as caught:
        parse_typed(q("merek_motor"), " " + "x" * 21 + " ", "id", TODAY)
    assert caught.value.params == {"length": 21, "max": 20}


def test_toggle_limits_and_exclusive_choices() -> None:
    platform = q("platform")
    assert isinstance(platform, MultiChoice)
    picked = toggle(platform, [], "grab")
    picked = toggle(platform, picked, "gojek")
    assert picked == ["gojek", "grab"]  # kept in the order of the choices
    with pytest.raises(Invalid):
        toggle(platform, picked, "maxim")
    assert toggle(platform, picked, "tidak_ada") == ["tidak_ada"]
    assert toggle(platform, ["tidak_ada"], "grab") == ["grab"]
    assert toggle(platform, ["grab"], "grab") == []


# -- survey files ----------------------------------------------------------------------------


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "s.yaml").write_text(body, encoding="utf-8")
    return tmp_path


HEAD = "id: s\ntitle: {id: Judul}\nquestions:\n"


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (
            "  - {id: a, type: integer, text: {id: A}, min: 5, max: 1}\n",
            "question 'a': min is larger than max",
        ),
        (
            "  - {id: a, type: yes_no, text: {id: A}, show_if: {question: b, equals: true}}\n"
            "  - {id: b, type: yes_no, text: {id: B}}\n",
            "question 'a': show_if refers to 'b'",
        ),
        (
            "  - {id: a, type: single, text: {id: A}, choices: [{id: x, label: {id: X}}, {id: y, label: {id: Y}}]}\n"
            "  - {id: b, type: yes_no, text: {id: B}, show_if: {question: a, any_of: [z]}}\n",
            "unknown choice(s) z",
        ),
        (
            "  - {id: a, type: single, text: {id: A}, choices: [{id: x, label: {id: X}}, {id: x, label: {id: Y}}]}\n",
            "duplicate choice id(s): x",
        ),
        ("  - {id: a, type: slider, text: {id: A}}\n", "question 'a'"),
        ("  - {id: a, type: text, text: {en: only English}}\n", "needs an Indonesian text"),
        (
            "  - {id: a, type: yes_no, text: {id: A}}\n  - {id: a, type: yes_no, text: {id: B}}\n",
            "the id is used twice",
        ),
        (
            "  - {id: a, type: multi, text: {id: A}, max_choices: 5, choices: [{id: x, label: {id: X}}, {id: y, label: {id: Y}}]}\n",
            "max_choices is larger",
        ),
        (
            "  - {id: a, type: yes_no, text: {id: A}, short: {id: Jenis pekerjaan utama Anda sekarang ini apa}}\n",
            "question 'a' field short: short title (id) is 43 characters, at most 40",
        ),
    ],
)
def test_invalid_survey_files_name_file_question_and_problem(
    tmp_path: Path, questions: str, message: str
) -> None:
    folder = _write(tmp_path, HEAD + questions)
    with pytest.raises(SurveyFileError) as caught:
        load_surveys(folder)
    text = str(caught.value)
    assert "s.yaml" in text and message in text, text
    assert "\n" not in text


def test_a_short_review_title_is_optional_and_kept_per_language(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        HEAD + "  - {id: a, type: yes_no, text: {id: A}, short: {id: ' A ', en: A}}\n"
        "  - {id: b, type: yes_no, text: {id: B}}\n",
    )
    a, b = load_surveys(folder)["s"].questions
    assert a.short == {"id": "A", "en": "A"}
    assert b.short is None


def test_broken_yaml_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SurveyFileError, match="not valid YAML at line"):
        load_surveys(_write(tmp_path, "id: [unclosed\n"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SurveyFileError, match="no survey files"):
        load_surveys(empty)
    with pytest.raises(SurveyFileError, match="does not exist"):
        load_surveys(tmp_path / "missing")


# -- regions and formatting ------------------------------------------------------------------


def test_regions_come_from_official_data() -> None:
    assert len(regions.provinces()) == 38
    assert sum(len(regions.regencies(p.code)) for p in regions.provinces()) == 514
    assert regions.by_code("53.71").name == "Kota Kupang"  # type: ignore[union-attr]
    assert {r.code for r in regions.search("kupang")} == {"53.01", "53.71"}
    assert regions.search("ku") == []
    assert [r.code for r in regions.search("Papua Selatan")][:1] == ["93"]
    items, pages = regions.page(regions.provinces(), 99)
    assert pages == 4 and len(items) == 8


def test_indonesian_formatting() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert long_date(date(2025, 10, 1), "id") == "Rabu, 1 Oktober 2025"
    moment = datetime(2025, 10, 1, 1, 0, tzinfo=UTC)
    assert (
        date_time(moment, ZoneInfo("Asia/Makassar"), "id")
        == "Rabu, 1 Oktober 2025 pukul 09.00 WITA"
    )
    assert number(1234567, "id") == "1.234.567"


# -- steps: what a tap or message does, decided without storage ------------------------------


def _session(cursor: str, answers: dict[str, Answer] | None = None, **pending: object):
    from datetime import UTC, datetime

    from bot.core.survey.session import Session

    return Session(1, 1, "semua", None, cursor, answers or {}, datetime.now(UTC), dict(pending))


def test_steps_decide_without_storage() -> None:
    from bot.core.survey import steps

    moved = steps.tap(SURVEY, _session("kerja"), Action.CHOOSE, "kurir")
    assert isinstance(moved, steps.Moved) and moved.answered == "kerja"
    assert moved.session.cursor == "platform"
    assert isinstance(steps.tap(SURVEY, _session("kerja"), Action.YES, ""), steps.Unfit)
    with pytest.raises(Invalid):
        steps.tap(SURVEY, _session("kerja"), Action.CHOOSE, "sopir_truk")
    other = steps.tap(SURVEY, _session("kerja"), Action.CHOOSE, "lainnya")
    assert isinstance(other, steps.Moved) and other.session.pending["other_of"] == "kerja"
    assert isinstance(steps.tap(SURVEY, _session("kerja"), Action.STOP, ""), steps.Cancel)


def test_submit_drops_answers_the_skip_logic_hides() -> None:
    from bot.core.survey import steps

    answers = {
        "kerja": Answer("kurir"),
        "merek_motor": Answer("Honda"),
        "platform": Answer(["grab"]),
        "hari": Answer(3),
        "jarak": Answer(None),
        "bpjs": Answer(False),
        "puas": Answer(4),
        "mulai": Answer("2025-01-01"),
        "kota": Answer("53.71"),
        "saran": Answer(None),
    }
    step = steps.tap(SURVEY, _session(REVIEW, answers), Action.SUBMIT, "")
    assert isinstance(step, steps.Submit)
    assert sorted(step.drop) == ["merek_motor", "puas"]
    incomplete = {k: v for k, v in answers.items() if k != "hari"}
    back = steps.tap(SURVEY, _session(REVIEW, incomplete), Action.SUBMIT, "")
    assert isinstance(back, steps.Moved) and back.session.cursor == "hari"
