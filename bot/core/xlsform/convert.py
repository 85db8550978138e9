"""An XLSForm, as pyxform read it, turned into the bot's own survey model (pure: no I/O).

`reader.read` already said what of the form can run in chat (`Report.problems`); here the
rest is walked once, in the form's order, into `Survey`'s questions and repeats:
- groups become the question's `section` (their titles, "A › B") and the front of its `path`
  (KoboToolbox's export column, "grp/q"); a group's `relevant` is ANDed into each question's;
- repeats become `Repeat`s (count, relevant), and their questions carry the repeat's id;
- labels, hints and messages per language become LocalText by the report's language map:
  "id" from the column serving Bahasa Indonesia, or the best there is (the model needs "id");
- start / end / today are not asked: they become `Survey.meta`, which an export fills in.

A form with problems is refused as a whole (`Unsupported`, carrying the report) unless staff
chose to import it without those parts: then each is left out and named in `Survey.absent`,
so `${it}` reads as empty. Nothing is dropped that the report does not list.

The model checks everything once more (every expression parses, every `${name}` is known);
what it refuses is its ValidationError, which names the question and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from bot.core.survey.model import Survey
from bot.core.xlsform.reader import (
    BOT_LOCALES,
    FILLED_BY_BOT,
    PERSONAL_KINDS,
    SELECTS,
    SPELLED_FALSE,
    SPELLED_TRUE,
    TYPES,
    Form,
    FormError,
    Language,
    Report,
    choices_of,
    generated_other,
)

Text = dict[str, str]

# The label the bot gives pyxform's generated "other" choice (pyxform writes "Other" in every
# language column, Indonesian included).
OTHER_LABEL: Final = {"id": "Lainnya", "en": "Other"}
TEXT_MAX = 1000
SECTION_JOIN = " › "
_SURVEY_ID_MAX = 48
_NOT_IN_ID = re.compile(r"[^a-z0-9_-]+")


class Unsupported(Exception):
    """The form has parts chat cannot run, and staff did not choose to leave them out."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"{len(report.problems)} part(s) of the form cannot run in chat")


def convert(form: Form, *, without_unsupported: bool = False) -> Survey:
    """The survey `form` asks. Unsupported when the report lists problems, unless
    `without_unsupported`; pydantic's ValidationError (a ValueError, naming the place) when
    the model refuses what the form says."""
    report = form.report
    if report.problems and not without_unsupported:
        raise Unsupported(report)
    walk = _Walk(form.definition, report)
    walk.children(form.definition.get("children") or [], _Place())
    definition = form.definition
    settings_id = str(definition.get("id_string") or definition.get("name") or "")
    title = walk.texts.local(definition.get("title"), fallback=settings_id or "survey")
    version = definition.get("version")
    source = {
        "id": survey_id(settings_id),
        "version": 1,  # the catalog numbers versions; the form's own is `form_version`
        "title": title,
        "allow_multiple": False,
        "questions": walk.questions,
        "repeats": walk.repeats,
        "form_id": settings_id,
        "form_version": str(version) if version not in (None, "") else None,
        "absent": walk.absent,
        "meta": walk.meta,
        "collects": _collects(report, walk.absent),
    }
    return Survey.model_validate(source)


def _collects(report: Report, absent: list[str]) -> list[str]:
    """The kinds of personal data the questions kept ask for, in the reader's order."""
    kinds = {PERSONAL_KINDS[p.reason] for p in report.personal if p.name not in absent}
    return [kind for kind in PERSONAL_KINDS.values() if kind in kinds]


def survey_id(form_id: str) -> str:
    """The survey's id and deep-link payload: the form_id lowercased, every character a link
    cannot carry as "_" (runs of them as one), at most 48, starting with a letter or digit."""
    cleaned = _NOT_IN_ID.sub("_", form_id.lower()).strip("_-")[:_SURVEY_ID_MAX].rstrip("_-")
    return cleaned or "form"


def spelled(value: Any) -> bool | None:
    """`required` / `readonly` as yes (True) or no (False) in pyxform's spellings; None when
    it is an expression."""
    text = str(value if value is not None else "").strip().lower()
    if text in SPELLED_TRUE:
        return True
    if text in SPELLED_FALSE:
        return False
    return None


class Texts:
    """Label columns -> LocalText, by the report's language map."""

    def __init__(self, languages: list[Language]) -> None:
        # The dict keys pyxform uses: a plain `label` column is "default".
        self.serving = {
            locale: [
                "default" if language.column == "label" else language.column
                for language in languages
                if locale in language.locales
            ]
            for locale in BOT_LOCALES
        }

    def local(self, value: Any, fallback: str | None = None) -> Text | None:
        """Indonesian from its column, else English's, else the plain label, else the first
        column there is (the model needs "id"); English from its column, else as Indonesian.
        Nothing written: `fallback` (a question's name), or None."""
        given = value if isinstance(value, dict) else {"default": value}
        columns = {str(k): str(v).strip() for k, v in given.items() if str(v or "").strip()}
        if not columns:
            return {"id": fallback} if fallback else None

        def first(keys: list[str]) -> str | None:
            return next((columns[k] for k in keys if k in columns), None)

        indonesian = (
            first(self.serving["id"])
            or first(self.serving["en"])
            or columns.get("default")
            or next(iter(columns.values()))
        )
        english = first(self.serving["en"]) or indonesian
        return {"id": indonesian, "en": english} if english != indonesian else {"id": indonesian}


@dataclass(frozen=True)
class _Place:
    """Where a node sits: the groups and repeats around it."""

    path: tuple[str, ...] = ()
    sections: tuple[Text, ...] = ()
    relevant: tuple[str, ...] = ()  # the groups' conditions since the innermost repeat
    repeat: str | None = None

    def inside(self, name: str) -> str:
        return "/".join((*self.path, name))


@dataclass
class _Walk:
    definition: dict[str, Any]
    report: Report
    questions: list[dict[str, Any]] = field(default_factory=list)
    repeats: list[dict[str, Any]] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    meta: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.texts = Texts(self.report.languages)
        self.lists: dict[str, Any] = self.definition.get("choices") or {}
        self.left_out = {p.name for p in self.report.problems}
        self.taken = set(_names(self.definition))
        self.ids: set[str] = set()

    def children(self, nodes: list[dict[str, Any]], place: _Place) -> None:
        for index, node in enumerate(nodes):
            if index and generated_other(node, nodes[index - 1]):
                continue  # the list's "other" choice asks for it (see `choices`)
            following = nodes[index + 1] if index + 1 < len(nodes) else {}
            self.node(node, place, or_other=generated_other(following, node))

    def node(self, node: dict[str, Any], place: _Place, *, or_other: bool = False) -> None:
        kind, name = str(node.get("type") or ""), str(node.get("name") or "")
        if kind == "group" and (node.get("control") or {}).get("bodyless"):
            # pyxform's `meta` (instanceID, and an `audit` it moves there): the bot keeps its
            # own ids; what the report listed in it is left out like the rest.
            self.absent.extend(n for n in _names(node) if n in self.left_out)
            return
        if name in self.left_out:
            self.absent.extend(n for n in (name, *_names(node)) if n not in self.absent)
            return
        if kind in FILLED_BY_BOT:
            self.meta.append({"path": place.inside(name), "kind": kind, "at": len(self.questions)})
        elif kind == "group":
            self.children(node.get("children") or [], self.group(node, place))
        elif kind == "repeat":
            self.repeat(node, place)
        elif kind in TYPES:
            self.question(node, place, or_other)
        else:  # the reader lists every other type as a problem: never reached unreported
            raise FormError(f"{name}: the type '{kind}' is not known to the converter")

    def group(self, node: dict[str, Any], place: _Place) -> _Place:
        label = self.texts.local(node.get("label"))
        condition = (node.get("bind") or {}).get("relevant")
        return _Place(
            path=(*place.path, str(node["name"])),
            sections=(*place.sections, label) if label else place.sections,
            relevant=(*place.relevant, condition) if condition else place.relevant,
            repeat=place.repeat,
        )

    def repeat(self, node: dict[str, Any], place: _Place) -> None:
        name = str(node["name"])
        count = (node.get("control") or {}).get("jr:count")
        own = (node.get("bind") or {}).get("relevant")
        title = self.texts.local(node.get("label"))
        inner = _Place(
            path=(*place.path, name),
            sections=(*place.sections, title) if title else place.sections,
            relevant=(),  # the repeat's own condition holds them all
            repeat=name,
        )
        entry: dict[str, Any] = {
            "id": name,
            "label": title or {"id": name},
            "path": place.inside(name),
            "parent": place.repeat,
            "count": str(count).strip() if count not in (None, "") else None,
            "relevant": _all((*place.relevant, own) if own else place.relevant),
        }
        self.repeats.append(entry)
        before = len(self.questions)
        self.children(node.get("children") or [], inner)
        if len(self.questions) == before:  # all of it left out: nothing to ask per round
            self.repeats.remove(entry)
            self.absent.append(name)

    def question(self, node: dict[str, Any], place: _Place, or_other: bool) -> None:
        kind, name = str(node["type"]), str(node["name"])
        bind: dict[str, Any] = node.get("bind") or {}
        control: dict[str, Any] = node.get("control") or {}
        qtype = TYPES[kind]
        if qtype not in ("note", "calculate") and (
            spelled(bind.get("readonly")) or (qtype in ("single", "multi") and _header(control))
        ):
            # Read-only, or a table's header row of choice labels: shown, never answered.
            qtype = "note"
        qid = self.unique(name)
        label = node.get("label")
        if qtype == "note" and not label and kind in SELECTS:
            label = " / ".join(
                (self.texts.local(c.get("label"), str(c["name"])) or {"id": ""})["id"]
                for c in choices_of(node, self.lists)
            )
        source: dict[str, Any] = {
            "id": qid,
            "type": qtype,
            "text": self.texts.local(label, fallback=name),
            "hint": self.texts.local(node.get("hint")),
            "path": place.inside(name),
            "section": _joined(place.sections),
            "repeat": place.repeat,
            "relevant": _all((*place.relevant, bind["relevant"]))
            if bind.get("relevant")
            else _all(place.relevant),
        }
        if qid != name:
            source["name"] = name
        if qtype == "calculate":
            source["calculation"] = str(bind.get("calculate") or "''")
        elif qtype != "note":
            source.update(self.answered(node, bind, qtype, or_other))
        self.questions.append({k: v for k, v in source.items() if v is not None})

    def answered(
        self, node: dict[str, Any], bind: dict[str, Any], qtype: str, or_other: bool
    ) -> dict[str, Any]:
        """What a question someone answers adds: required, constraint, default, choices."""
        required = spelled(bind.get("required"))
        found: dict[str, Any] = {
            "required": bool(required),
            "required_if": str(bind["required"]).strip() if required is None else None,
            "required_message": self.texts.local(bind.get("jr:requiredMsg")),
            "constraint": bind.get("constraint") or None,
            "constraint_message": self.texts.local(bind.get("jr:constraintMsg")),
            "default": str(node["default"]) if node.get("default") not in (None, "") else None,
        }
        if qtype == "text":
            found["max_length"] = TEXT_MAX
        elif qtype == "decimal":
            found["decimals"] = 6
        elif qtype in ("single", "multi"):
            found["choices"] = list(self.choices(node, or_other))
            found["choice_filter"] = node.get("choice_filter") or None
            if qtype == "multi" and not required:
                found["min_choices"] = 0
        return found

    def choices(self, node: dict[str, Any], or_other: bool) -> Iterator[dict[str, Any]]:
        """The list's choices; with `or_other`, pyxform's "other" (its last) asks for the
        text itself, as "Lainnya, sebutkan" does in native surveys."""
        listed = choices_of(node, self.lists)
        for index, choice in enumerate(listed):
            name = str(choice["name"])
            if or_other and index == len(listed) - 1 and name == "other":
                yield {"id": name, "label": OTHER_LABEL, "other": True}
                continue
            columns = {
                str(k): str(v)
                for k, v in choice.items()
                if k not in ("name", "label", "media") and not isinstance(v, dict | list)
            }
            entry: dict[str, Any] = {
                "id": name,
                "label": self.texts.local(choice.get("label"), name),
            }
            if columns:
                entry["columns"] = columns
            yield entry

    def unique(self, name: str) -> str:
        """The question's id: its name, or for a name used again, name_2, name_3, ..."""
        qid, n = name, 1
        # (a name_2 the form gives another question is skipped)
        while qid in self.ids or (qid != name and qid in self.taken):
            n += 1
            qid = f"{name}_{n}"
        self.ids.add(qid)
        return qid


def _header(control: dict[str, Any]) -> bool:
    return str(control.get("appearance") or "").strip() == "label"


def _all(conditions: tuple[str, ...]) -> str | None:
    """Conditions that must all hold, as one expression: "(a) and (b)"."""
    parts = [c.strip() for c in conditions if c and c.strip()]
    if len(parts) <= 1:
        return parts[0] if parts else None
    return " and ".join(f"({c})" for c in parts)


def _joined(sections: tuple[Text, ...]) -> Text | None:
    if not sections:
        return None
    indonesian = SECTION_JOIN.join(s["id"] for s in sections)
    english = SECTION_JOIN.join(s.get("en") or s["id"] for s in sections)
    return {"id": indonesian, "en": english} if english != indonesian else {"id": indonesian}


def _names(node: dict[str, Any]) -> Iterator[str]:
    for child in node.get("children") or []:
        if child.get("name"):
            yield str(child["name"])
        yield from _names(child)
