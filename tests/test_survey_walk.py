"""The skip logic of imported forms, in the pure core: expressions, calculations, repeats.

Table tests over small surveys written as the converter writes them (model dicts): what shows,
what a hidden question reads as, how many rounds a repeat has, what a filter leaves, what a
label says once `${name}` is filled in, and which answers a constraint refuses.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any

import pytest

from bot.core.survey import engine, steps
from bot.core.survey import walk as walker
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.model import Survey
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session
from bot.testing.player import Move, apply_in_core, next_move
from tests.test_xlsform_play import CORPUS, imported


def _q(qid: str, kind: str = "integer", **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": kind, "text": {"id": qid}, "required": False, **extra}


def _choices(*names: str, **columns: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"id": n, "label": {"id": n.title(), "en": n.title()}, "columns": columns.get(n, {})}
        for n in names
    ]


HOUSEHOLD = Survey.model_validate(
    {
        "id": "household",
        "title": {"id": "Rumah tangga"},
        "repeats": [
            {"id": "member", "label": {"id": "Anggota"}, "count": "${size}"},
            {"id": "child", "label": {"id": "Anak"}},
        ],
        "questions": [
            _q("size", constraint=". > 0 and . <= 20", constraint_message={"id": "1 sampai 20"}),
            _q("intro", "note", text={"id": "Rumah tangga dengan ${size} orang"}),
            _q("age", repeat="member"),
            _q(
                "works",
                "single",
                repeat="member",
                relevant="${age} >= 15",
                choices=_choices("yes", "no"),
            ),
            _q("total_age", "calculate", calculation="sum(${age})"),
            _q("adults", "calculate", calculation="count(${works})"),
            _q("child_name", "text", repeat="child", text={"id": "Nama anak ke-${child_pos}"}),
            _q("child_pos", "calculate", repeat="child", calculation="position(..)"),
            _q("summary", "acknowledge", text={"id": "Total umur ${total_age}, bekerja: ${works}"}),
        ],
    }
)


def _keys(survey: Survey, answers: dict[str, Answer]) -> list[str]:
    return [slot.key for slot in engine.visible(survey, answers)]


def test_a_repeat_with_a_count_asks_its_questions_once_per_round() -> None:
    answers = {"size": Answer(2)}
    assert engine.next_question(HOUSEHOLD, answers, "size") == "member[1]/age"
    answers |= {"member[1]/age": Answer(40), "member[1]/works": Answer("yes")}
    answers |= {"member[2]/age": Answer(9)}  # a child: "works" does not show
    keys = _keys(HOUSEHOLD, answers)
    assert keys[:6] == [
        "size",
        "intro",
        "member[1]/age",
        "member[1]/works",
        "member[2]/age",
        "total_age",
    ]
    assert "member[2]/works" not in keys
    assert engine.next_question(HOUSEHOLD, answers, "member[2]/age") == "child[1]/child_name"


def test_a_repeat_read_from_outside_is_every_round_and_hidden_answers_read_empty() -> None:
    answers = {
        "size": Answer(2),
        "member[1]/age": Answer(40),
        "member[1]/works": Answer("yes"),
        "member[2]/age": Answer(9),
        # Answered when the age said 19, then the age was changed: hidden now, reads empty.
        "member[2]/works": Answer("no"),
    }
    computed = engine.computed(HOUSEHOLD, answers)
    assert computed["total_age"].value == 49
    assert computed["adults"].value == 1
    assert "member[2]/works" not in engine.relevant_answers(HOUSEHOLD, answers)


def test_a_smaller_count_drops_the_rounds_beyond_it() -> None:
    answers = {"size": Answer(1), "member[1]/age": Answer(30), "member[2]/age": Answer(50)}
    assert engine.computed(HOUSEHOLD, answers)["total_age"].value == 30
    assert "member[2]/age" not in engine.relevant_answers(HOUSEHOLD, answers)


@pytest.mark.parametrize(
    ("size", "rounds"),
    [(0, 0), (3, 3), (None, 0), (10_000, 50), (-2, 0)],
)
def test_a_count_is_bounded(size: int | None, rounds: int) -> None:
    answers = {} if size is None else {"size": Answer(size)}
    ages = [k for k in _keys(HOUSEHOLD, answers) if k.endswith("/age")]
    assert len(ages) == rounds


def test_a_repeat_without_a_count_asks_for_another_round() -> None:
    answers = {"size": Answer(0), "summary": Answer("OK")}
    assert engine.next_question(HOUSEHOLD, answers, "size") == "child[1]/child_name"
    answers["child[1]/child_name"] = Answer("Ayu")
    assert engine.next_question(HOUSEHOLD, answers, "child[1]/child_name") == "child[1]/+"
    answers["child[1]/+"] = Answer(True)
    assert engine.next_question(HOUSEHOLD, answers, "child[1]/+") == "child[2]/child_name"
    answers |= {"child[2]/child_name": Answer("Budi"), "child[2]/+": Answer(False)}
    assert engine.next_question(HOUSEHOLD, answers, "child[2]/+") == REVIEW
    # Inside the round, position(..) is the round: the label says which child.
    text = engine.fill("Nama anak ke-${child_pos}", HOUSEHOLD, answers, "child[2]/child_name", "id")
    assert text == "Nama anak ke-2"


def test_labels_are_filled_in_with_answers_as_people_read_them() -> None:
    answers = {
        "size": Answer(2),
        "member[1]/age": Answer(40),
        "member[1]/works": Answer("yes"),
        "member[2]/age": Answer(20),
        "member[2]/works": Answer("no"),
    }
    filled = engine.fill(
        "Total umur ${total_age}, bekerja: ${works}", HOUSEHOLD, answers, "summary", "en"
    )
    assert filled == "Total umur 60, bekerja: Yes, No"
    notes = engine.notes_before(HOUSEHOLD, answers, "member[1]/age")
    assert [n.key for n in notes] == ["intro"]
    assert engine.notes_before(HOUSEHOLD, answers, "member[1]/works") == []


def test_rounds_of_names_the_repeat_and_the_round() -> None:
    assert [(r.id, n) for r, n in engine.rounds_of(HOUSEHOLD, "member[3]/age")] == [("member", 3)]
    assert engine.rounds_of(HOUSEHOLD, "size") == []


CASCADE = Survey.model_validate(
    {
        "id": "cascade",
        "title": {"id": "Wilayah"},
        "questions": [
            _q("province", "single", choices=_choices("bali", "ntt")),
            _q(
                "city",
                "single",
                choice_filter="province = ${province}",
                choices=_choices(
                    "denpasar",
                    "kupang",
                    "badung",
                    denpasar={"province": "bali"},
                    kupang={"province": "ntt"},
                    badung={"province": "bali"},
                ),
            ),
        ],
    }
)


def _session(survey: Survey, cursor: str, answers: dict[str, Answer]) -> Session:
    return Session(1, 7, survey.id, None, cursor, answers, datetime(2026, 12, 1))


def test_a_choice_filter_leaves_the_choices_of_the_earlier_answer() -> None:
    answers = {"province": Answer("bali")}
    left = engine.choices_for(CASCADE, answers, "city")
    assert [c.id for c in left] == ["denpasar", "badung"]
    session = _session(CASCADE, "city", answers)
    # A forged or stale button naming a city of another province is refused.
    with pytest.raises(Invalid) as refused:
        steps.tap(CASCADE, session, Action.CHOOSE, "kupang")
    assert refused.value.code == "choice.buttons"
    moved = steps.tap(CASCADE, session, Action.CHOOSE, "#2")  # badung, by its place
    assert isinstance(moved, steps.Moved)
    assert moved.session.answers["city"] == Answer("badung")


def test_a_constraint_refuses_an_answer_with_the_forms_message() -> None:
    session = _session(HOUSEHOLD, "size", {})
    with pytest.raises(Invalid) as refused:
        steps.typed(HOUSEHOLD, session, "25", "id", datetime(2026, 12, 1).date())
    assert refused.value.code == "constraint"
    assert refused.value.params["message"] == {"id": "1 sampai 20"}
    moved = steps.typed(HOUSEHOLD, session, "3", "id", datetime(2026, 12, 1).date())
    assert isinstance(moved, steps.Moved)
    assert moved.session.cursor == "member[1]/age"


REQUIRED = Survey.model_validate(
    {
        "id": "required",
        "title": {"id": "Wajib"},
        "questions": [
            _q("has_job", "single", choices=_choices("yes", "no")),
            _q(
                "employer",
                "text",
                required_if="${has_job} = 'yes'",
                required_message={"id": "Nama tempat kerja wajib diisi."},
            ),
            _q("place", "location", default=None),
            _q("visits", "integer", default="2"),
        ],
    }
)


def test_required_if_follows_the_answers() -> None:
    session = _session(REQUIRED, "employer", {"has_job": Answer("yes")})
    with pytest.raises(Invalid) as refused:
        steps.tap(REQUIRED, session, Action.SKIP, "")
    assert refused.value.code == "required"
    session = _session(REQUIRED, "employer", {"has_job": Answer("no")})
    moved = steps.tap(REQUIRED, session, Action.SKIP, "")
    assert isinstance(moved, steps.Moved) and moved.session.answers["employer"] == Answer(None)


def test_a_location_is_shared_or_typed_and_a_default_is_one_tap() -> None:
    session = _session(REQUIRED, "place", {"has_job": Answer("no"), "employer": Answer(None)})
    moved = steps.located(REQUIRED, session, -8.65, 115.2167, 12.5)
    assert isinstance(moved, steps.Moved)
    assert moved.session.answers["place"] == Answer("-8.650000 115.216700 0 12.5")
    typed = steps.typed(REQUIRED, session, "-8,65 115,2167", "id", datetime(2026, 12, 1).date())
    assert isinstance(typed, steps.Moved)
    assert typed.session.answers["place"] == Answer("-8.650000 115.216700 0 0")
    with pytest.raises(Invalid):
        steps.typed(REQUIRED, session, "di rumah", "id", datetime(2026, 12, 1).date())
    at_visits = _session(REQUIRED, "visits", {})
    moved = steps.tap(REQUIRED, at_visits, Action.DEFAULT, "")
    assert isinstance(moved, steps.Moved) and moved.session.answers["visits"] == Answer(2)


def test_progress_counts_what_may_still_show() -> None:
    position, total = engine.progress(HOUSEHOLD, {}, "size")
    assert position == 1
    assert total >= 3  # size, the acknowledgement, at least one child
    answers = {"size": Answer(3)}
    position, total_after = engine.progress(HOUSEHOLD, answers, "member[1]/age")
    assert position == 2 and total_after > total


def test_submit_stores_the_calculations_of_the_answers_kept() -> None:
    answers = {
        "size": Answer(1),
        "member[1]/age": Answer(33),
        "member[1]/works": Answer("yes"),
        "child[1]/child_name": Answer("Ayu"),
        "child[1]/+": Answer(False),
        "summary": Answer("OK"),
    }
    session = _session(HOUSEHOLD, REVIEW, answers)
    done = steps.tap(HOUSEHOLD, session, Action.SUBMIT, "")
    assert isinstance(done, steps.Submit)
    assert done.computed["total_age"] == Answer(33)
    assert done.computed["child[1]/child_pos"] == Answer(1)


def test_a_number_typed_counts_the_choices_the_filter_offers() -> None:
    session = _session(CASCADE, "city", {"province": Answer("bali")})
    today = datetime(2026, 12, 1).date()
    moved = steps.typed(CASCADE, session, "2", "id", today)  # the second city shown: Badung
    assert isinstance(moved, steps.Moved)
    assert moved.session.answers["city"] == Answer("badung")
    with pytest.raises(Invalid):
        steps.typed(CASCADE, session, "3", "id", today)  # only two are offered


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def same_as_a_whole_walk(survey: Survey, answers: dict[str, Answer]) -> None:
    """The walk the engine holds for these answers (taken up from the walk before the last
    change, where it could be) is the walk of the whole form from the top."""
    held = walker.walk(survey, answers, engine.today(), False)
    whole = walker.Walk(survey, dict(answers), engine.today(), False).run()
    assert [s.key for s in held.shown] == [s.key for s in whole.shown]
    assert list(held.hidden) == list(whole.hidden)
    assert held.may_show == whole.may_show
    assert held.calculated.keys() == whole.calculated.keys()
    for key, value in whole.calculated.items():
        kept = held.calculated[key]
        if UUID.fullmatch(str(value)):
            continue  # uuid(): a new one each time it is worked out
        assert kept == value or (kept != kept and value != value), key  # NaN is NaN


@pytest.mark.parametrize("name", ["REACH_2024_MSNA-kobo-tool_draft_v11.xlsx",
                                  "UCL_Biomass_Plot_Form.xlsx", "slum_assessment_survey.xlsx",
                                  "xlsform_spec_test.xlsx"])  # fmt: skip
def test_a_walk_taken_up_after_a_change_is_the_walk_of_the_whole_form(name: str) -> None:
    """Each answer's walk starts where the change touches the form, from the walk before it:
    played through each form, answer by answer, going back and changing answers too, it is
    every time the walk of the whole form."""
    survey = imported(CORPUS / name)
    rng = random.Random(5)
    session = _session(survey, engine.first_question(survey), {})
    for _ in range(400):
        move = next_move(survey, session, rng)
        if rng.random() < 0.15 and session.answers:
            move = Move("tap", Action.BACK)  # back, then answer again (a change mid-form)
        for part in move.then or (move,):
            try:
                step = apply_in_core(survey, session, part)
            except Invalid:
                break  # ticks chosen for an empty list, on top of ticks given before going back
            if isinstance(step, steps.Submit):
                return
            assert isinstance(step, steps.Moved)
            session = step.session
            same_as_a_whole_walk(survey, session.answers)
    raise AssertionError("not finished")
