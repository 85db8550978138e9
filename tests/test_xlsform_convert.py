"""XLSForms (the public corpus in tests/xlsforms, and small forms written here) turned into the
bot's survey model (issue 10): types, languages, required in every spelling, sections and
export paths, repeats with their counts, cascading lists, `or_other`, and the parts left out
only when staff chose to, each named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from bot.core.survey.model import (
    ChoiceQuestion,
    Meta,
    MultiChoice,
    Question,
    SingleChoice,
    Survey,
)
from bot.core.xlsform.convert import Unsupported, convert, survey_id
from bot.core.xlsform.reader import Problem, read

CORPUS = Path(__file__).resolve().parent / "xlsforms"
ACCEPTED = sorted(p for p in CORPUS.glob("*.xls*") if p.name != "liberiaCoverage.xlsx")


def imported(name: str) -> Survey:
    return convert(read(CORPUS / name), without_unsupported=True)


def question(survey: Survey, qid: str) -> Question:
    found = survey.by_id.get(qid)
    assert found is not None, f"{qid} is not in the survey"
    return found


def choices(survey: Survey, qid: str) -> ChoiceQuestion:
    found = question(survey, qid)
    assert isinstance(found, ChoiceQuestion)
    return found


def xlsform(
    folder: Path,
    survey: list[list[Any]],
    choice_rows: list[list[Any]] | None = None,
    settings: dict[str, str] | None = None,
) -> Path:
    """A small XLSForm: the survey sheet's rows (the first is the header), the choices sheet's
    rows after its header (list_name, name, label), the settings."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choice_rows:
        listed = book.create_sheet("choices")
        listed.append(["list_name", "name", "label"])
        for row in choice_rows:
            listed.append(row)
    given = {"form_id": "hand_made", "form_title": "Hand made", **(settings or {})}
    config = book.create_sheet("settings")
    config.append(list(given))
    config.append(list(given.values()))
    path = folder / "form.xlsx"
    book.save(path)
    return path


# -- the corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.name)
def test_every_accepted_corpus_form_converts_and_what_is_left_out_is_named(path: Path) -> None:
    form = read(path)
    if form.report.problems:
        with pytest.raises(Unsupported) as refused:
            convert(form)
        assert refused.value.report is form.report
    survey = convert(form, without_unsupported=True)
    assert survey.form_id == form.definition["id_string"]
    assert survey.id == survey_id(str(survey.form_id))
    assert survey.version == 1 and survey.allow_multiple is False
    left_out = {p.name for p in form.report.problems}
    assert left_out <= set(survey.absent)
    assert not left_out & {q.ref for q in survey.questions}
    paths = [q.path for q in survey.questions]
    assert all(paths) and len(set(paths)) == len(paths)  # one export column each
    for q in survey.questions:
        assert q.text["id"].strip()
        if q.repeat is not None:
            assert q.path is not None and f"{q.repeat}/" in q.path


def test_a_form_with_nothing_unsupported_converts_without_asking() -> None:
    survey = convert(read(CORPUS / "choice_filter_test.xlsx"))
    assert survey.id == "cascading_selects1" and survey.absent == []


def test_indonesian_labels_serve_id_and_the_plain_label_column_en() -> None:
    survey = imported("building_natural_risks_survey.xlsx")
    disclaimer = question(survey, "Disclaimer")
    assert disclaimer.type == "note"
    assert disclaimer.text["id"].startswith("Selamat pagi, nama saya (NAMA)")
    assert disclaimer.text["en"].startswith("Good morning, my name is (NAME)")
    assert disclaimer.hint == {
        "id": "Kami sedang melakukan penilaian risiko bangunan.",
        "en": "We are conducting a building risk assessment.",
    }
    material = choices(survey, "building_material")
    assert isinstance(material, MultiChoice) and material.min_choices == 0
    assert material.choices[0].label == {"id": "Batu", "en": "Stone"}
    assert material.section == {"id": "Detail bangunan", "en": "Building details"}
    assert material.path == "building_details/building_material"
    assert material.required is False  # XLSForm's default: optional
    # A hint written only in Indonesian is Indonesian for everyone.
    assert question(survey, "digitization_problem").hint == {"id": "Catatan : diarsir"}
    assert question(survey, "manual_geopoint").type == "location"
    assert survey.meta == [
        Meta(path="start", kind="start", at=0),
        Meta(path="end", kind="end", at=0),
        Meta(path="today", kind="today", at=0),
    ]
    assert {"feature", "xid", "xlocation", "building_photo", "deviceid"} <= set(survey.absent)
    assert survey.form_version == "2024032701"


def test_english_only_labels_stand_in_for_indonesian() -> None:
    survey = imported("UCL_Biomass_Plot_Form.xlsx")
    # English (en) and Swahili (sw): no Indonesian, so "id" holds the English, not Swahili.
    assert question(survey, "leader_name").text == {"id": "Your Name"}
    assert question(survey, "leader_number").constraint_message == {"id": "10 digit phone number"}
    # inside a group, after the questions before them: where the export puts their columns
    assert survey.meta == [
        Meta(path="info/start", kind="start", at=5),
        Meta(path="info/end", kind="end", at=5),
    ]
    assert survey.questions[4].id == "leader_number"


def test_repeats_nest_with_their_counts_and_conditions() -> None:
    survey = imported("UCL_Biomass_Plot_Form.xlsx")
    repeats = survey.repeat_by_id
    assert repeats["trees"].count is None  # "another tree?" after each
    assert repeats["trees"].relevant == "${any_trees} = 'yes'"
    assert repeats["stems"].parent == "trees" and repeats["stems"].count == "${stem_count}"
    assert repeats["stems"].path == "trees/stems"
    assert repeats["stems"].label == {"id": "Stems of tree with tag number ${tag}"}
    cbh = question(survey, "cbh")
    assert cbh.repeat == "stems" and cbh.path == "trees/stems/cbh"
    assert cbh.constraint == ". >= ${size_constraint}"
    # `required` as an expression: required only when it holds.
    height = question(survey, "stem_height")
    assert height.required is False and height.required_if == "${health_id}='dead'"
    assert question(survey, "tag_1").type == "calculate"
    assert survey.question("trees[2]/stems[1]/cbh") is cbh


def test_a_computed_count_and_a_group_condition_inside_a_repeat() -> None:
    reach = imported("REACH_2024_MSNA-kobo-tool_draft_v11.xlsx")
    roster = reach.repeat_by_id["roster"]
    assert roster.count == "${hh_size}" and roster.path == "consented/demographics/roster"
    assert roster.relevant == "selected(${consent},'yes')"  # its group's condition
    assert roster.label == {"id": "roster"}  # no label in the form: its name
    age = question(reach, "ind_age")
    assert age.repeat == "roster" and age.required is True  # "TRUE"
    assert question(reach, "resp_gender").relevant == "selected(${consent},'yes')"
    assert reach.title == {"id": "REACH_2024_MSNA-kobo-tool_draft_v11"}
    assert choices(reach, "admin2").choices[0].columns == {"filter_admin1": "PCODE1"}
    assert {"etc_access_to_phone", "etc_coverage_network_type", "deviceid"} <= set(reach.absent)
    liberia = imported("liberiaStdForm.xlsx")
    assert liberia.repeat_by_id["repeat1"].count == "${repeatNum}"
    weight = question(liberia, "weight")
    assert weight.relevant == "position(..) <= ${repeatNum}"  # group guard1, inside the repeat
    assert weight.section == {
        "id": "Anthropometry › Child count check › Anthropometry of the child"
    }
    assert weight.type == "decimal" and weight.decimals == 6


def test_a_name_used_twice_gets_a_unique_id_and_keeps_its_name() -> None:
    survey = imported("slum_assessment_survey.xlsx")
    adult, child = question(survey, "b4_age"), question(survey, "b4_age_2")
    assert adult.name is None and child.name == "b4_age"
    assert adult.path == "section_b/hhmemb_repeat/hh_memb1_adult/b4_age"
    assert child.path == "section_b/hhmemb_repeat/hh_memb1_child/b4_age"
    assert child.relevant == "selected(${b1_relation_to_hhead},'child')"
    assert survey.repeat_by_id["hhmemb_repeat"].count is None
    assert [q.id for q in survey.by_ref["b4_age"]] == ["b4_age", "b4_age_2"]


def test_cascading_lists_keep_their_columns_and_a_name_twice_in_a_list() -> None:
    survey = imported("choice_filter_test.xlsx")
    county = choices(survey, "county")
    assert county.choice_filter == "${state}=cf"
    assert [(c.id, c.columns) for c in county.choices] == [
        ("king", {"cf": "washington"}),
        ("pierce", {"cf": "washington"}),
        ("king", {"cf": "texas"}),  # allow_choice_duplicates: the filter tells them apart
        ("cameron", {"cf": "texas"}),
    ]
    assert isinstance(county, SingleChoice) and county.required is False


def test_old_type_names_defaults_and_display_only_rows() -> None:
    survey = imported("widgets.xls")
    assert question(survey, "my_string").type == "text"
    assert question(survey, "my_string").max_length == 1000  # type: ignore[union-attr]
    assert question(survey, "my_int").type == "integer"
    assert question(survey, "my_trigger").type == "acknowledge"
    assert question(survey, "my_select").default == "a c"
    assert question(survey, "my_decimal").default == "18.31"
    assert question(survey, "my_int").constraint_message == {"id": "number must be less than 10"}
    # read-only, and a table's header row of choice labels: shown, never answered
    assert question(survey, "my_output").type == "note"
    header = question(survey, "reserved_name_for_field_list_labels_30")
    assert header.type == "note" and header.text == {"id": "Yes / No"}
    assert question(survey, "table_list_1").section == {"id": "List Group"}
    # a group without a label adds nothing to the section, only to the path
    table3 = question(survey, "table_list_3")
    assert table3.section is None and table3.path == "table_list_test2/table_list_3"
    assert survey.meta == []


def test_the_spec_forms_required_spellings_messages_and_group_conditions() -> None:
    survey = imported("xlsform_spec_test.xlsx")
    assert survey.id == "spec_test" and survey.form_id == "Spec test"
    required_text = question(survey, "required_text")
    assert required_text.required is True  # "yes"
    assert required_text.required_message == {"id": "Custom required message."}
    assert question(survey, "list-nolabel-test").required is True  # "TRUE"
    assert question(survey, "select_multiple_test").required is False  # "no"
    assert question(survey, "email_note").relevant == (
        "(not(selected(${skip_to_end}, 'yes'))) and "
        "(regex(${address}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,4}'))"
    )
    # The repeat holds its group's condition; its questions need not repeat it.
    assert survey.repeat_by_id["repeat_test"].relevant == "not(selected(${skip_to_end}, 'yes'))"
    assert required_text.relevant is None
    assert question(survey, "acknowledge_test").type == "acknowledge"
    assert question(survey, "calculate_test").calculation == "2+2"  # type: ignore[union-attr]
    # a note without a label (its image is not shown) says its name
    assert question(survey, "display_image_test").text == {"id": "display_image_test"}
    # "${start}" in a note is known: the export fills it in
    assert Meta(path="everything/start", kind="start", at=27) in survey.meta
    assert survey.questions[27].id == "start_test_output"
    # a choice without a label shows its name
    assert choices(survey, "compact-test").choices[0].label == {"id": "a"}


# -- small forms written here ----------------------------------------------------------------

SPELLINGS = [
    ("yes", True, None),
    ("Yes", True, None),
    ("YES", True, None),
    ("true", True, None),
    ("TRUE", True, None),
    ("true()", True, None),
    ("1", True, None),
    ("no", False, None),
    ("FALSE", False, None),
    ("false()", False, None),
    ("0", False, None),
    ("", False, None),
    ("${a} > 1", False, "${a} > 1"),
]


def test_required_in_every_spelling(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["type", "name", "label", "required"], ["integer", "a", "A", ""]]
    rows += [["text", f"q{i}", "Q", spelling] for i, (spelling, _, _) in enumerate(SPELLINGS)]
    survey = convert(read(xlsform(tmp_path, rows)))
    for i, (spelling, required, condition) in enumerate(SPELLINGS):
        q = question(survey, f"q{i}")
        assert (q.required, q.required_if) == (required, condition), spelling


def test_a_name_twice_and_a_name_already_taken(tmp_path: Path) -> None:
    rows = [
        ["type", "name", "label"],
        ["begin_group", "one", "Satu"],
        ["integer", "age", "Umur 1"],
        ["end_group", "", ""],
        ["begin_group", "two", "Dua"],
        ["integer", "age", "Umur 2"],
        ["end_group", "", ""],
        ["text", "age_2", "Sudah ada"],
    ]
    survey = convert(read(xlsform(tmp_path, rows)))
    assert [(q.id, q.ref, q.path) for q in survey.questions] == [
        ("age", "age", "one/age"),
        ("age_3", "age", "two/age"),  # age_2 is another question's name
        ("age_2", "age_2", "age_2"),
    ]


def test_a_broken_relevant_is_reported_by_row_and_left_out_only_when_chosen(
    tmp_path: Path,
) -> None:
    rows = [
        ["type", "name", "label", "relevant"],
        ["integer", "a", "A", ""],
        ["text", "b", "B", "${a} >"],
        ["note", "c", "You said ${b}", "${a} > 1"],
    ]
    form = read(xlsform(tmp_path, rows))
    (problem,) = form.report.problems
    assert (problem.row, problem.name) == (3, "b") and "relevant" in problem.reason
    with pytest.raises(Unsupported):
        convert(form)
    survey = convert(form, without_unsupported=True)
    assert [q.id for q in survey.questions] == ["a", "c"] and survey.absent == ["b"]


def test_or_other_asks_lainnya_itself(tmp_path: Path) -> None:
    rows = [
        ["type", "name", "label::Bahasa Indonesia (id)", "label::English (en)", "required"],
        ["select_one kerja or_other", "kerja", "Pekerjaan?", "Work?", "yes"],
        ["select_multiple kerja or_other", "kerjaan", "Semua?", "All?", ""],
    ]
    listed = [["kerja", "ojek", "Ojek"], ["kerja", "kurir", "Kurir"]]
    path = xlsform(tmp_path, rows, listed)
    form = read(path)
    assert form.report.runs_whole  # pyxform's own "kerja_other" is no problem
    survey = convert(form)
    assert [q.id for q in survey.questions] == ["kerja", "kerjaan"]
    kerja = choices(survey, "kerja")
    assert kerja.text == {"id": "Pekerjaan?", "en": "Work?"}
    assert [(c.id, c.other) for c in kerja.choices] == [
        ("ojek", False),
        ("kurir", False),
        ("other", True),
    ]
    assert kerja.choices[-1].label == {"id": "Lainnya", "en": "Other"}
    assert choices(survey, "kerjaan").choices[-1].other is True


def test_a_list_too_long_or_empty_is_a_problem(tmp_path: Path) -> None:
    rows = [["type", "name", "label"], ["select_one many", "q", "Q"], ["text", "t", "T"]]
    listed = [["many", f"c{i}", f"C {i}"] for i in range(401)]
    form = read(xlsform(tmp_path, rows, listed))
    assert form.report.problems == [
        Problem(2, "q", "its list 'many' has 401 choices, more than a chat can offer (400)")
    ]
    survey = convert(form, without_unsupported=True)
    assert [q.id for q in survey.questions] == ["t"] and survey.absent == ["q"]


def test_a_repeat_whose_questions_are_all_left_out_is_left_out(tmp_path: Path) -> None:
    rows = [
        ["type", "name", "label"],
        ["text", "a", "A"],
        ["begin_repeat", "photos", "Foto"],
        ["image", "p", "P"],
        ["end_repeat", "", ""],
    ]
    survey = convert(read(xlsform(tmp_path, rows)), without_unsupported=True)
    assert survey.repeats == [] and set(survey.absent) == {"p", "photos"}


def test_what_the_model_refuses_names_the_place(tmp_path: Path) -> None:
    # Nothing to ask at all: a survey needs a question.
    rows = [["type", "name", "label"], ["start", "start", ""]]
    with pytest.raises(ValidationError) as refused:
        convert(read(xlsform(tmp_path, rows)), without_unsupported=True)
    assert "questions" in str(refused.value)


@pytest.mark.parametrize(
    ("form_id", "expected"),
    [
        ("cascading_selects1", "cascading_selects1"),
        ("Spec test", "spec_test"),
        ("My Form!", "my_form"),
        ("REACH_2024_MSNA-kobo-tool_draft_v11", "reach_2024_msna-kobo-tool_draft_v11"),
        ("__Survei  UMKM (2026)__", "survei_umkm_2026"),
        ("a" * 60, "a" * 48),
        ("???", "form"),
    ],
)
def test_the_survey_id_is_the_form_id_as_a_link_can_carry_it(form_id: str, expected: str) -> None:
    assert survey_id(form_id) == expected


def test_a_title_and_version_from_the_settings(tmp_path: Path) -> None:
    rows = [["type", "name", "label"], ["text", "a", "A"]]
    path = xlsform(tmp_path, rows, settings={"form_id": "Survei UMKM", "version": "2026-12"})
    survey = convert(read(path))
    assert survey.id == "survei_umkm" and survey.form_id == "Survei UMKM"
    assert survey.title == {"id": "Hand made"} and survey.form_version == "2026-12"


def test_a_name_too_long_for_a_chat_survey_is_reported(tmp_path: Path) -> None:
    long = "q_" + "x" * 70
    rows = [["type", "name", "label"], ["text", long, "Q"], ["text", "ok", "OK"]]
    form = read(xlsform(tmp_path, rows))
    (problem,) = form.report.problems
    assert (problem.row, problem.name) == (2, long) and "64 characters" in problem.reason
    survey = convert(form, without_unsupported=True)
    assert [q.id for q in survey.questions] == ["ok"] and survey.absent == [long]


def test_the_personal_data_a_form_asks_for_is_kept_for_its_respondents() -> None:
    """What the report names as personal data (a location, a name, a phone number) becomes
    `Survey.collects`, which respondents are told before the first question; a question left
    out at import collects nothing."""
    assert imported("UCL_Biomass_Plot_Form.xlsx").collects == ["location", "name", "phone"]
    assert imported("widgets.xls").collects == ["location", "email"]
    assert imported("choice_filter_test.xlsx").collects == []
