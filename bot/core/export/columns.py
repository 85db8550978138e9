"""Which columns an export has, KoboToolbox-style, and the sheet that explains them.

One column per question, named by its id. Multiple choice is one column with the picked
options (space-separated, as Kobo writes them) and one 0/1 column per option,
`question/option`, blank when the question was not answered (skipped, or hidden by the skip
logic): that is what Kobo exports and what analysts' scripts expect. A "Lainnya, sebutkan"
text gets `question/_other`, a region its name in `question/_name`. Metadata columns start
with `_`, which no question id can (ids start with a letter), so names never collide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import regions
from bot.core.survey.model import (
    ChoiceQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    YesNoQuestion,
)

Cell = str | int | float | None
# Answers by question id: each the stored value (decoded JSON) and the "Lainnya" text.
Answers = Mapping[str, Sequence[Any]]
# A stored answer (its JSON value decoded, and the "Lainnya" text) to the cells of its columns;
# None: no answer stored (skipped or hidden).
Cells = Callable[[Any, str | None], list[Cell]]
# Most questions fill one column with the stored value as it is (a choice id, a text, a date,
# a number): those skip the call, which is most of the cost of a row.
AS_IS: Cells = lambda value, other: [value]  # noqa: E731
_PLAIN = frozenset({str, int, float})

# Explained in both languages on the second sheet: it shows both at once, so these are data
# (like a survey's texts), not messages in the reader's language.
META: dict[str, dict[str, str]] = {
    "_respondent": {
        "id": "Kode responden (samaran tetap, bukan ID Telegram)",
        "en": "Respondent code (a stable pseudonym, not the Telegram id)",
    },
    "_started": {"id": "Mulai mengisi", "en": "Started"},
    "_submitted": {"id": "Dikirim", "en": "Submitted"},
    "_duration_s": {"id": "Lama mengisi (detik)", "en": "Time to finish (seconds)"},
    "_language": {"id": "Bahasa yang dipakai", "en": "Language used"},
    "_start_link": {
        "id": "Tautan /start asal responden (bila ada)",
        "en": "The /start link the respondent came from (if any)",
    },
    "_survey_version": {"id": "Versi survei", "en": "Survey version"},
}
YES, NO = "yes", "no"
OTHER, NAME = "_other", "_name"
SHEET_HEADER = ("kolom / column", "pertanyaan / question", "jenis / type", "nilai / value")
LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Layout:
    """The columns of one survey's export, and how each question fills its own."""

    survey: Survey
    header: list[str]
    makers: list[tuple[str, Cells, int]]  # question id, its cells, how many

    def answer_cells(self, answers: Answers) -> list[Cell]:
        row: list[Cell] = []
        for qid, cells, width in self.makers:
            given = answers.get(qid)
            if given is None or given[0] is None:
                row.extend([None] * width)
            elif cells is AS_IS:
                value = given[0]
                # Another shape (an answer from an older version of the survey) as its text.
                row.append(value if type(value) in _PLAIN else json.dumps(value))
            else:
                row.extend(cells(given[0], given[1]))
        return row


def layout(survey: Survey) -> Layout:
    header = list(META)
    makers: list[tuple[str, Cells, int]] = []
    for question in survey.questions:
        names, cells = question_columns(question)
        header.extend(names)
        makers.append((question.id, cells, len(names)))
    return Layout(survey, header, makers)


def _has_other(question: ChoiceQuestion) -> bool:
    return any(c.other for c in question.choices)


def question_columns(q: Question) -> tuple[list[str], Cells]:
    if isinstance(q, MultiChoice):
        return _multi(q)
    if isinstance(q, SingleChoice):
        if _has_other(q):
            return [q.id, f"{q.id}/{OTHER}"], lambda value, other: [value, other]
        return [q.id], AS_IS
    if isinstance(q, RegionQuestion):
        return [q.id, f"{q.id}/{NAME}"], _region
    if isinstance(q, YesNoQuestion):
        return [q.id], lambda value, other: [YES if value is True else NO]
    # Numbers as numbers, texts and dates (ISO 8601) as texts: each stored as JSON of its kind.
    return [q.id], AS_IS


def _multi(q: MultiChoice) -> tuple[list[str], Cells]:
    ids = [c.id for c in q.choices]
    other = _has_other(q)
    names = [q.id, *(f"{q.id}/{i}" for i in ids)] + ([f"{q.id}/{OTHER}"] if other else [])
    return names, ticks(ids, other)


def ticks(ids: list[str], other: bool) -> Cells:
    """A multiple choice's cells, as KoboToolbox writes them: the names picked (separated by
    spaces), then 1 or 0 for each choice in `ids`, then the "other" text if it has one."""

    def cells(value: Any, other_text: str | None) -> list[Cell]:
        picked = set(value) if isinstance(value, list) else {value}
        row: list[Cell] = [" ".join(i for i in ids if i in picked)]
        row.extend(1 if i in picked else 0 for i in ids)
        if other:
            row.append(other_text)
        return row

    return cells


def _region(value: Any, other: str | None) -> list[Cell]:
    found = regions.by_code(value) if isinstance(value, str) else None
    return [str(value), found.name if found else None]


def question_sheet(survey: Survey) -> Iterator[list[Cell]]:
    """The second sheet: every column, and every value a choice column holds, in Bahasa
    Indonesia and English; rows of (column, question, type, value, id text, en text)."""
    yield [*SHEET_HEADER, "Bahasa Indonesia", "English"]
    for name, text in META.items():
        yield [name, None, "metadata", None, *(text.get(lang) for lang in LANGUAGES)]
    for q in survey.questions:
        yield [q.id, q.id, q.type, None, *in_languages(q.text)]
        if isinstance(q, MultiChoice):
            for c in q.choices:
                yield [f"{q.id}/{c.id}", q.id, "0/1", c.id, *in_languages(c.label)]
        elif isinstance(q, ChoiceQuestion):
            for c in q.choices:
                yield [q.id, q.id, "choice", c.id, *in_languages(c.label)]
        if isinstance(q, ChoiceQuestion) and _has_other(q):
            yield [f"{q.id}/{OTHER}", q.id, "text", None, "Lainnya, sebutkan", "Other, specified"]
        if isinstance(q, YesNoQuestion):
            yield [q.id, q.id, "choice", YES, "Ya", "Yes"]
            yield [q.id, q.id, "choice", NO, "Tidak", "No"]
        if isinstance(q, ScaleQuestion):
            for point, label in sorted(q.labels.items()):
                yield [q.id, q.id, "scale", point, *in_languages(label)]
        if isinstance(q, RegionQuestion):
            yield [f"{q.id}/{NAME}", q.id, "text", None, "Nama wilayah", "Region name"]


def in_languages(text: dict[str, str]) -> list[Cell]:
    return [text.get("id") or "", text.get("en") or text.get("id") or ""]
