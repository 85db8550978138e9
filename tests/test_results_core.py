"""The pure parts of results: tallies and suppression, common words, charts, the public flag."""

from __future__ import annotations

import struct

import pytest
from pydantic import ValidationError

from bot.core.results.chart import ChartText, draw
from bot.core.results.tally import Bar, choice_result
from bot.core.results.words import top_words
from bot.core.survey.model import SingleChoice, Survey
from tests.test_results import SURVEYS

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_common_words_leave_out_stop_words_and_words_of_one_answer_only() -> None:
    answers = [
        "Saya ingin pelatihan pemasaran digital yang murah",
        "Pelatihan, pelatihan dan modal usaha",  # "pelatihan" counts once for this answer
        "Modal usaha untuk pelatihan",
        "Nama saya Yohanes dari Oesapa",  # a name and a place, each in one answer only
    ]
    words = {w.word: w.people for w in top_words(answers)}
    assert words == {"pelatihan": 3, "modal": 2, "usaha": 2}
    assert list(words) == ["pelatihan", "modal", "usaha"]  # most used first, then a-z
    assert top_words([]) == ()


def test_a_question_answered_by_too_few_is_not_broken_down() -> None:
    question = SURVEYS["bpjs"].questions[0]
    assert isinstance(question, SingleChoice)
    hidden = choice_result(question, {"u18_24": 4}, 4, 5, "id", "Ya", "Tidak")
    assert hidden.suppressed and hidden.bars == ()
    shown = choice_result(question, {"u18_24": 4, "u25_34": 1, "lama": 1}, 6, 5, "en", "Y", "N")
    assert not shown.suppressed
    # Every choice, those nobody picked too, in the survey's order; an answer an older version
    # of the file allowed is kept at the end, so that the counts add up.
    assert [(b.label, b.count) for b in shown.bars] == [
        ("18–24 years", 4),
        ("25–34 years", 1),
        ("35–44 years", 0),
        ("45–54 years", 0),
        ("55 or older", 0),
        ("lama", 1),
    ]
    assert shown.bars[0].share == pytest.approx(4 / 6)


def test_charts_are_pngs_a_phone_shows_large() -> None:
    few = draw(
        ChartText("Status", "6 answered"), [Bar("a", "Ya", 4, 0.66), Bar("b", "Tidak", 2, 0.33)]
    )
    width, height = size(few)
    assert width >= 1000 and height >= width  # full phone width, never wider than tall
    labels = [
        Bar(str(i), f"Pilihan nomor {i} yang cukup panjang untuk dua baris", i, 0.1)
        for i in range(13)
    ]
    many = draw(ChartText("Aplikasi atau platform kerja yang dipakai", "40 answered"), labels)
    assert size(many)[1] > 2 * height  # grows with the bars instead of squeezing them
    assert draw(ChartText("Kosong", "0"), [Bar("a", "Ya", 0, 0.0)]).startswith(PNG)


def test_only_charted_questions_can_be_public() -> None:
    base = {"id": "uji", "title": {"id": "Uji"}}
    text = {"id": "saran", "type": "text", "text": {"id": "Saran?"}, "public": True}
    with pytest.raises(ValidationError, match="public: true is for choice"):
        Survey.model_validate({**base, "questions": [text]})
    yes_no = {"id": "ikut", "type": "yes_no", "text": {"id": "Ikut?"}, "public": True}
    assert Survey.model_validate({**base, "questions": [yes_no]}).questions[0].public
