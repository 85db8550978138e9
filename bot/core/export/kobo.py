"""The export of an imported XLSForm laid out as KoboToolbox's export of the same form, so a
survey team can put the chat's responses beside the ones collected with KoboToolbox.

- Columns are the form's own paths ("grp/q"), in the form's order, with start / end / today
  where the form has them (from the response's own times); a multiple choice is its summary
  column and one 0/1 column per choice ("grp/q/choice"); `or_other`'s text is "grp/q_other";
  a location is its text and `_q_latitude`, `_q_longitude`, `_q_altitude`, `_q_precision`;
  calculations are included, notes are not (nothing is answered). Parts of the form left out
  at import have no column.
- Then the bot's own metadata columns (as in every export) and Kobo's `_id` and `_index`.
- Each repeat is a table of its own (its sheet in the workbook), one row per round: its
  questions' columns, then `_index`, `_parent_index` (the row of the round or response it is
  in), `_parent_table_name` and `_submission__id`. A CSV export is the main table only, as
  KoboToolbox's CSV is.

Answers inside a repeat are stored by keys that carry the rounds ("hh[2]/age",
"trees[1]/stems[3]/dbh"): the rounds a response has are read from its keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from bot.core.export.columns import (
    AS_IS,
    LANGUAGES,
    META,
    SHEET_HEADER,
    Answers,
    Cell,
    Cells,
    Layout,
    in_languages,
    question_columns,
    ticks,
)
from bot.core.export.pseudonym import Pseudonyms
from bot.core.export.rows import Record, Rows, safe_row
from bot.core.survey.model import (
    AnotherRound,
    Choice,
    ChoiceQuestion,
    LocationQuestion,
    MultiChoice,
    NoteQuestion,
    Question,
    Repeat,
    SingleChoice,
    Survey,
)

ID, INDEX = "_id", "_index"
PARENT_INDEX, PARENT_TABLE, SUBMISSION = "_parent_index", "_parent_table_name", "_submission__id"
ROUND_META = (INDEX, PARENT_INDEX, PARENT_TABLE, SUBMISSION)
GEO_PARTS = ("latitude", "longitude", "altitude", "precision")
SHEET_NAME_MAX = 31  # Excel's limit
_PLAIN = frozenset({str, int, float})
# The rounds in an answer key: "trees[1]/stems[3]/dbh" -> trees 1, stems 3.
_ROUND = re.compile(r"([^/\[\]]+)\[(\d+)\]/")


@dataclass(frozen=True)
class Field:
    """Columns filled by one question's answer (`key`, its id) or one of start / end / today
    (`meta`)."""

    key: str
    cells: Cells
    width: int
    meta: str | None = None


@dataclass(frozen=True)
class Table:
    """The main table (`repeat` None) or one repeat's."""

    name: str
    repeat: Repeat | None
    header: list[str]
    fields: list[Field]
    chain: tuple[str, ...] = ()  # the repeats around a round, outermost first (ids)


def imported(survey: Survey) -> bool:
    """Imported from an XLSForm: its export follows KoboToolbox's."""
    return survey.form_id is not None


def all_versions(live: Survey, older: list[Survey]) -> Survey:
    """The live version with the questions (and repeats) only older versions had, after its
    own, newest version first: what an export of every version's responses needs. A question
    whose export column the live version already has (renamed, moved) is not added twice.
    Built without validation: it is a list of columns, never a survey anyone answers."""
    paths = {q.path or q.id for q in live.questions}
    ids = {q.id for q in live.questions}
    repeats = {r.id for r in live.repeats}
    questions, added_repeats = list(live.questions), list(live.repeats)
    for version in older:
        for repeat in version.repeats:
            if repeat.id not in repeats:
                repeats.add(repeat.id)
                added_repeats.append(repeat)
        for q in version.questions:
            path = q.path or q.id
            if q.id in ids or path in paths:
                continue
            ids.add(q.id)
            paths.add(path)
            questions.append(q)
    if len(questions) == len(live.questions):
        return live
    # A fresh instance (model_copy would carry the live version's remembered look-ups).
    fields = {name: getattr(live, name) for name in Survey.model_fields}
    return Survey.model_construct(**{**fields, "questions": questions, "repeats": added_repeats})


def tables(survey: Survey, main: str, reserved: tuple[str, ...] = ()) -> list[Table]:
    """The main table (named `main`) and one per repeat, parents before their children (no
    repeat's table takes a name in `reserved`)."""
    by_repeat: dict[str | None, list[Question]] = {}
    for q in survey.questions:
        by_repeat.setdefault(q.repeat, []).append(q)
    header: list[str] = []
    fields: list[Field] = []
    metas = sorted(survey.meta, key=lambda m: m.at)
    for position in range(len(survey.questions) + 1):
        for meta in (m for m in metas if m.at == position):
            header.append(meta.path)
            fields.append(Field(meta.path, AS_IS, 1, meta.kind))
        if position < len(survey.questions) and survey.questions[position].repeat is None:
            _add(survey.questions[position], header, fields)
    found = [Table(main, None, [*header, *META, ID, INDEX], fields)]
    taken = {name.lower() for name in (main, *reserved)}
    for repeat in survey.repeats:
        header, fields = [], []
        for inside in by_repeat.get(repeat.id, []):
            _add(inside, header, fields)
        chain = tuple(r.id for r in survey.chain(repeat.id))
        name = _sheet_name(repeat.id, taken)
        found.append(Table(name, repeat, [*header, *ROUND_META], fields, chain))
    return found


def _add(q: Question, header: list[str], fields: list[Field]) -> None:
    if isinstance(q, NoteQuestion | AnotherRound):
        return  # nothing answered
    names, cells = columns(q)
    header.extend(names)
    fields.append(Field(q.id, cells, len(names)))


def columns(q: Question) -> tuple[list[str], Cells]:
    """A question's columns as KoboToolbox names them, and how its answer fills them."""
    path = q.path or q.id
    other = isinstance(q, ChoiceQuestion) and any(c.other for c in q.choices)
    if isinstance(q, MultiChoice):
        return _multi(q, path, other)
    if isinstance(q, SingleChoice):
        if other:
            return [path, f"{path}_other"], lambda value, text: [value, text]
        return [path], AS_IS
    if isinstance(q, LocationQuestion):
        head, _, name = path.rpartition("/")
        prefix = f"{head}/_{name}" if head else f"_{name}"
        return [path, *(f"{prefix}_{part}" for part in GEO_PARTS)], _location
    if q.path is None:  # a question no XLSForm made (a native type): as native exports
        return question_columns(q)
    return [path], AS_IS


def _multi(q: MultiChoice, path: str, other: bool) -> tuple[list[str], Cells]:
    # A cascading list may name a choice twice: one column for it.
    ids = list(dict.fromkeys(c.id for c in q.choices))
    names = [path, *(f"{path}/{i}" for i in ids)] + ([f"{path}_other"] if other else [])
    return names, ticks(ids, other)


def _location(value: Any, text: str | None) -> list[Cell]:
    parts: list[Cell] = []
    for part in str(value).split()[: len(GEO_PARTS)]:
        try:
            parts.append(float(part))
        except ValueError:
            parts.append(part)
    return [str(value), *parts, *([None] * (len(GEO_PARTS) - len(parts)))]


class Writer:
    """Turns records into the rows of every table: (table name, row), the main row first,
    then the rows of its rounds, parents before children (`main_only`: the main row)."""

    def __init__(
        self,
        survey: Survey,
        pseudonyms: Pseudonyms,
        zone: tzinfo,
        main: str,
        reserved: tuple[str, ...] = (),
        *,
        main_only: bool = False,
    ) -> None:
        self.tables = tables(survey, main, reserved)
        self.main = self.tables[0]
        # The bot's metadata cells, as every export has them.
        self.rows = Rows(Layout(survey, [], []), pseudonyms, zone)
        self.zone = zone
        self.main_only = main_only
        self.counted = {t.name: 0 for t in self.tables}

    def __call__(self, record: Record) -> Iterator[tuple[str, list[Cell]]]:
        answers = record.answers
        index = self._next(self.main.name)
        cells = self._cells(self.main, answers, "", record)
        cells += self.rows.meta(record)
        cells += [record.id, index]
        yield self.main.name, safe_row(cells)
        if self.main_only or len(self.tables) == 1:
            return
        rounds = _rounds(answers)
        indexes: dict[tuple[str, tuple[int, ...]], int] = {}
        for table in self.tables[1:]:
            repeat = table.repeat
            assert repeat is not None
            for numbers in sorted(rounds.get(repeat.id, ())):
                if len(numbers) != len(table.chain):
                    continue  # a key no longer in this shape (an older version of the form)
                row_index = self._next(table.name)
                indexes[(repeat.id, numbers)] = row_index
                prefix = "".join(f"{r}[{n}]/" for r, n in zip(table.chain, numbers, strict=True))
                if repeat.parent is None:
                    parent_index, parent_table = index, self.main.name
                else:
                    parent_index = indexes.get((repeat.parent, numbers[:-1]), 0)
                    parent_table = self._name_of(repeat.parent)
                cells = self._cells(table, answers, prefix, record)
                cells += [row_index, parent_index, parent_table, record.id]
                yield table.name, safe_row(cells)

    def _next(self, name: str) -> int:
        self.counted[name] += 1
        return self.counted[name]

    def _name_of(self, repeat_id: str) -> str:
        return next(t.name for t in self.tables if t.repeat and t.repeat.id == repeat_id)

    def _cells(self, table: Table, answers: Answers, prefix: str, record: Record) -> list[Cell]:
        row: list[Cell] = []
        for field in table.fields:
            if field.meta is not None:
                row.append(self._moment(field.meta, record))
                continue
            given = answers.get(prefix + field.key)
            if given is None or given[0] is None:
                row.extend([None] * field.width)
            elif field.cells is AS_IS:
                value = given[0]
                row.append(value if type(value) in _PLAIN else json.dumps(value))
            else:
                row.extend(field.cells(given[0], given[1]))
        return row

    def _moment(self, kind: str, record: Record) -> str:
        """start, end and today as a phone writes them (ISO 8601 with the offset)."""
        moment = datetime.fromisoformat(record.submitted_at if kind == "end" else record.started_at)
        local = moment.astimezone(self.zone)
        return (
            local.date().isoformat()
            if kind == "today"
            else local.isoformat(timespec="milliseconds")
        )


def _rounds(answers: Answers) -> dict[str, set[tuple[int, ...]]]:
    """The rounds each repeat has in one response's answers, by repeat id."""
    found: dict[str, set[tuple[int, ...]]] = {}
    for key in answers:
        if "[" not in key:
            continue
        numbers: tuple[int, ...] = ()
        for name, number in _ROUND.findall(key):
            numbers += (int(number),)
            found.setdefault(name, set()).add(numbers)
    return found


def _sheet_name(name: str, taken: set[str]) -> str:
    """A repeat's sheet: its name, cut to Excel's 31 characters, unique in the workbook."""
    candidate, n = name[:SHEET_NAME_MAX], 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def question_sheet(
    survey: Survey, main: str, reserved: tuple[str, ...] = ()
) -> Iterator[list[Cell]]:
    """The sheet that explains every column of every table, in Bahasa Indonesia and English:
    rows of (column, question, type, value, id text, en text); a repeat's columns are named
    with its table ("trees: trees/tag")."""
    yield [*SHEET_HEADER, "Bahasa Indonesia", "English"]
    for table in tables(survey, main, reserved):
        where = "" if table.repeat is None else f"{table.name}: "
        for field in table.fields:
            if field.meta is not None:
                yield [f"{where}{field.key}", None, field.meta, None, field.meta, field.meta]
                continue
            q = survey.by_id[field.key]
            names, _ = columns(q)
            yield [f"{where}{names[0]}", q.ref, q.type, None, *in_languages(q.text)]
            if isinstance(q, ChoiceQuestion):
                kind = "0/1" if isinstance(q, MultiChoice) else "choice"
                unique: dict[str, Choice] = {}
                for c in q.choices:
                    unique.setdefault(c.id, c)  # a cascading list's name twice: once
                for c in unique.values():
                    column = f"{names[0]}/{c.id}" if kind == "0/1" else names[0]
                    yield [f"{where}{column}", q.ref, kind, c.id, *in_languages(c.label)]
            extra_kind = "number" if isinstance(q, LocationQuestion) else "text"
            for extra in names[1:]:
                if not (isinstance(q, MultiChoice) and extra.startswith(f"{names[0]}/")):
                    yield [f"{where}{extra}", q.ref, extra_kind, None, *in_languages(q.text)]
        if table.repeat is None:
            for name, text in META.items():
                yield [name, None, "metadata", None, *(text.get(lang) for lang in LANGUAGES)]
            yield [ID, None, "metadata", None, "Nomor jawaban", "Response number"]
            yield [INDEX, None, "metadata", None, "Nomor baris", "Row number"]
        else:
            yield [f"{where}{INDEX}", None, "metadata", None, "Nomor baris", "Row number"]
            yield [
                f"{where}{PARENT_INDEX}",
                None,
                "metadata",
                None,
                "Nomor baris induknya",
                "Row number of the row it belongs to",
            ]
            yield [f"{where}{PARENT_TABLE}", None, "metadata", None, "Tabel induk", "Parent table"]
            yield [
                f"{where}{SUBMISSION}",
                None,
                "metadata",
                None,
                "Nomor jawaban",
                "Response number",
            ]
