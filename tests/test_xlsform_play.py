"""Every XLSForm of the corpus that pyxform accepts is imported and answered to the end.

In the pure core first (fast, every form, several respondents each), checking what is kept as
an auditor would: every answer kept belongs to a question that shows, meets its constraint,
and every question that shows and must be answered was. The same respondent then plays each
form through the real Application (taps and messages against the fake Telegram), in
`test_xlsform_chat_play.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.survey import engine
from bot.core.survey.model import Survey
from bot.core.xlsform.convert import Unsupported, convert
from bot.core.xlsform.reader import FormError, read
from bot.testing.player import play_in_core

CORPUS = Path(__file__).parent / "xlsforms"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".xlsx", ".xls"})
REFUSED_BY_PYXFORM = {"liberiaCoverage.xlsx"}


def imported(path: Path) -> Survey:
    form = read(path)
    try:
        return convert(form)
    except Unsupported:
        return convert(form, without_unsupported=True)


def test_the_corpus_is_all_here() -> None:
    assert len(FILES) == 9


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_accepted_form_is_answered_to_the_end(path: Path) -> None:
    if path.name in REFUSED_BY_PYXFORM:
        with pytest.raises(FormError) as refused:
            read(path)
        assert "row" in str(refused.value)  # pyxform's message names the row
        return
    survey = imported(path)
    for seed in (1, 2, 3):
        submit, _ = play_in_core(survey, seed=seed)
        answers = submit.session.answers
        kept = {k: a for k, a in answers.items() if k not in submit.drop}
        shown = {slot.key for slot in engine.visible(survey, kept)}
        assert set(kept) <= shown, "an answer to a question that does not show was kept"
        for key, answer in kept.items():
            assert engine.constraint_holds(survey, kept, key, answer.value), key
        missing = [
            slot.key
            for slot in engine.asked(survey, kept)
            if slot.key not in kept and engine.is_required(survey, kept, slot.key)
        ]
        assert missing == []
        assert set(submit.computed) <= shown


def test_the_longest_form_walks_through_its_repeats() -> None:
    survey = imported(CORPUS / "REACH_2024_MSNA-kobo-tool_draft_v11.xlsx")
    submit, _ = play_in_core(survey, seed=1)
    keys = set(submit.session.answers)
    # The household size the respondent gave (a small number) decides the rounds.
    size = submit.session.answers["hh_size"].value
    rounds = {k.split("/", 1)[0] for k in keys if k.startswith("roster[")}
    assert len(rounds) == size >= 1
    assert any(k.startswith("edu_ind[") for k in keys) or any(
        k.startswith("health_ind[") for k in keys
    )


def test_a_nested_repeat_without_a_count_asks_for_more_rounds() -> None:
    survey = imported(CORPUS / "UCL_Biomass_Plot_Form.xlsx")
    submit, _ = play_in_core(survey, seed=1)
    keys = set(submit.session.answers)
    assert "trees[1]/+" in keys and "trees[2]/+" in keys  # another tree: yes, then no
    assert any(k.startswith("trees[1]/stems[") for k in keys)  # stems inside each tree
