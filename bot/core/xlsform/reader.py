"""Reading an XLSForm (KoboToolbox / ODK spreadsheet) with pyxform, and saying, before anything
is imported, what of it can run as a chat survey: the questions, the languages and the bot
locales they map to, and every part that cannot run, by sheet row, with the reason.

pyxform does the reading (its strict path from spreadsheet to the form's JSON dict, the same
checks KoboToolbox applies), so a file it refuses gets pyxform's own message, which names the
row. What pyxform accepts is then walked here: each row's type, its labels per language, and
its expressions, parsed with `bot.core.xlsform.expression` so that a broken `relevant` is an
import error, never a surprise in the middle of someone's answers.

Nothing is dropped silently: a row that chat cannot have (a photo, a barcode) is a `Problem`;
device metadata a phone would fill in (deviceid, username) is a `Problem` too, with the note
that it stays empty. Start, end and today are filled in by the bot, so they are not problems.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from babel import Locale, UnknownLocaleError

from bot.core.xlsform.expression import ExpressionError, parse

# pyxform's type names (after its aliases: "select one", "select all that apply") that chat
# runs (and calculations), with the survey model's question type each becomes.
TYPES: Final = {
    "select one": "single",
    "select all that apply": "multi",
    "text": "text",
    "string": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "note": "note",
    "acknowledge": "acknowledge",
    "trigger": "acknowledge",
    "geopoint": "location",
    "gps": "location",
    "calculate": "calculate",
}
# What the report calls each model type the bot asks (a calculation asks nothing).
_KIND: Final = {
    "single": "one choice",
    "multi": "several choices",
    "text": "text",
    "integer": "whole number",
    "decimal": "number",
    "date": "date",
    "note": "note",
    "acknowledge": "acknowledge",
    "location": "location",
}
# pyxform's type names that chat asks, with what the report calls them.
ASKED: Final = {kind: _KIND[model] for kind, model in TYPES.items() if model in _KIND}
STRUCTURE: Final = {"group", "repeat", "calculate"}
FILLED_BY_BOT: Final = {"start", "end", "today"}  # the times the bot knows
NO_DEVICE: Final = {
    "deviceid",
    "uri:deviceid",
    "phonenumber",
    "username",
    "email",
    "simserial",
    "subscriberid",
    "audit",
    "start-geopoint",
}
WHY_NOT: Final = {
    "photo": "a photo answer is not supported in chat surveys yet",
    "image": "a photo answer is not supported in chat surveys yet",
    "audio": "recording audio is not supported in chat surveys",
    "background-audio": "recording audio is not supported in chat surveys",
    "video": "recording video is not supported in chat surveys",
    "file": "a file answer is not supported in chat surveys yet",
    "barcode": "scanning a barcode needs a phone camera app, not a chat",
    "time": "a time answer is not supported in chat surveys yet",
    "dateTime": "a date-and-time answer is not supported in chat surveys yet",
    "datetime": "a date-and-time answer is not supported in chat surveys yet",
    "geotrace": "drawing a line on a map is not possible in a chat",
    "geoshape": "drawing a shape on a map is not possible in a chat",
    "range": "a slider is not supported in chat surveys yet",
    "rank": "ranking choices is not supported in chat surveys yet",
    "hidden": "a hidden field has nothing to ask in a chat",
    "xml-external": "external XML data is not supported in chat surveys",
    "select one from file": "choices from an attached file are not supported in chat surveys",
    "select all that apply from file": "choices from an attached file are not supported",
}
BOT_LOCALES: Final = ("id", "en")
_EXPRESSIONS: Final = ("relevant", "constraint", "calculate", "required", "readonly")
# pyxform's spellings of yes and no in `required` and `readonly` (the converter reads them too).
SPELLED_TRUE: Final = {"yes", "true", "true()", "1"}
SPELLED_FALSE: Final = {"no", "false", "false()", "0", ""}
# Names a chat survey can use for questions and repeats (what `${name}` calls them).
_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
# Choices one list may have: more is not a list to page through in a chat.
MAX_CHOICES: Final = 400
SELECTS: Final = ("select one", "select all that apply")


class FormError(ValueError):
    """pyxform refused the file, or it is not an XLSForm at all; the message says why."""


@dataclass(frozen=True)
class Problem:
    row: int | None  # the survey sheet's row (as the spreadsheet numbers it), if known
    name: str
    reason: str


@dataclass(frozen=True)
class Language:
    column: str  # as the form names it: "Indonesian(id)", "english", "label" (no language)
    locales: tuple[str, ...]  # the bot locales it is shown in (none: not used)


@dataclass
class Report:
    form_id: str
    title: str
    version: str
    questions: Counter[str] = field(default_factory=Counter)  # what is asked, by kind
    languages: list[Language] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Questions that collect personal data the bot's data notice says it does not ask for
    # (a name, an ID number, a phone number) or names no purpose for (a place, an address):
    # not a refusal, a note staff must read before publishing (UU PDP: collect what the
    # purpose needs, and tell people what is collected).
    personal: list[Problem] = field(default_factory=list)

    @property
    def runs_whole(self) -> bool:
        """Every part of the form can run in chat."""
        return not self.problems


@dataclass(frozen=True)
class Form:
    """pyxform's JSON dict of the form, and what can run of it."""

    definition: dict[str, Any]
    report: Report


def read(path: Path) -> Form:
    """Read an .xlsx / .xls XLSForm. FormError when pyxform refuses it."""
    from pyxform import constants, xls2json
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    if not is_spreadsheet(path):
        raise FormError(
            "this file cannot be read as an XLSForm: it is not an .xlsx or .xls spreadsheet"
        )
    unpacked = _unpacked_size(path)
    if unpacked > MAX_UNPACKED:
        raise FormError(
            f"this file unpacks to {unpacked // 1_000_000} MB, more than any form needs "
            f"({MAX_UNPACKED // 1_000_000} MB): it is not read"
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about spreadsheet extensions it skips (data validation, ...):
            # nothing a form needs, and nothing staff can act on.
            warnings.simplefilter("ignore", UserWarning)
            # What parse_file_to_json does, with the sheets read once: their rows also give
            # the row numbers of the report (taken first: pyxform may change the rows).
            sheets = get_xlsform(xlsform=str(path))
            rows = _rows(sheets)
            definition = xls2json.workbook_to_json(
                workbook_dict=sheets,
                form_name=constants.DEFAULT_FORM_NAME,
                fallback_form_name=sheets.fallback_form_name,
                default_language=constants.DEFAULT_LANGUAGE_VALUE,
                warnings=[],
            )
    except PyXFormError as exc:
        raise FormError(_one_line(str(exc))) from None
    except Exception as exc:  # not a spreadsheet, a damaged file: pyxform's readers raise anything
        raise FormError(f"this file cannot be read as an XLSForm ({_one_line(str(exc))})") from None
    return Form(definition, _report(definition, rows))


def is_spreadsheet(path: Path) -> bool:
    """An .xlsx (a zip with a workbook) or an .xls (an OLE2 compound file), by content."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return True
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


# An .xlsx is a zip: a few kilobytes can unpack to gigabytes (a "zip bomb"), which the
# spreadsheet reader would try to hold. REACH's 321 rows unpack to under 2 MB.
MAX_UNPACKED: Final = 50_000_000


def _unpacked_size(path: Path) -> int:
    """What an .xlsx says its parts unpack to (0 for an .xls, which is not compressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(item.file_size for item in archive.infolist())
    except (OSError, zipfile.BadZipFile):
        return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _rows(sheets: Any) -> dict[str, int]:
    """Each survey row's name -> its row number in the spreadsheet (the header is row 1)."""
    found: dict[str, int] = {}
    for index, row in enumerate(sheets.survey or [], start=2):
        name = str(row.get("name") or "").strip()
        if name and name not in found:
            found[name] = index
    return found


def _report(definition: dict[str, Any], rows: dict[str, int]) -> Report:
    settings_id = str(definition.get("id_string") or definition.get("name") or "")
    report = Report(
        form_id=settings_id.lower(),
        title=str(definition.get("title") or settings_id),
        version=str(definition.get("version") or ""),
    )
    names = set(_names(definition))
    columns: set[str] = set()
    lists = definition.get("choices") or {}
    for node in _walk(definition):
        for key in ("label", "hint"):
            if isinstance(node.get(key), dict):
                columns.update(node[key])
            elif node.get(key):
                columns.add("default")  # a plain `label` column, with no language named
        _check(node, names, rows, report, lists)
    for items in (definition.get("choices") or {}).values():
        for item in items:
            if isinstance(item.get("label"), dict):
                columns.update(item["label"])
            elif item.get("label"):
                columns.add("default")
    report.languages = languages(columns)
    if not any(language.locales for language in report.languages):
        report.problems.append(
            Problem(None, "labels", "no label column can be shown in Indonesian or English")
        )
    return report


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    children = node.get("children") or []
    for index, child in enumerate(children):
        if index and generated_other(child, children[index - 1]):
            continue  # chat asks "Lainnya, sebutkan" itself
        found.append(child)
        found += _walk(child)
    return found


def generated_other(node: dict[str, Any], previous: dict[str, Any]) -> bool:
    """pyxform's own follow-up of `select_one list or_other`: a text `<q>_other` right after
    the list, relevant `selected(../<q>, 'other')` (a path, which chat does not read)."""
    name = previous.get("name")
    return (
        previous.get("type") in SELECTS
        and node.get("type") == "text"
        and node.get("name") == f"{name}_other"
        and (node.get("bind") or {}).get("relevant") == f"selected(../{name}, 'other')"
    )


def choices_of(node: dict[str, Any], lists: dict[str, Any]) -> list[dict[str, Any]]:
    """A select's choices: pyxform copies them into the question, or names the list."""
    if "choices" in node:
        return list(node["choices"] or [])
    return list(lists.get(str(node.get("list_name") or node.get("itemset") or "")) or [])


def _names(definition: dict[str, Any]) -> list[str]:
    return [str(n.get("name")) for n in _walk(definition) if n.get("name")]


def _check(
    node: dict[str, Any],
    names: set[str],
    rows: dict[str, int],
    report: Report,
    lists: dict[str, Any],
) -> None:
    kind, name = str(node.get("type") or ""), str(node.get("name") or "")
    row = rows.get(name)

    def problem(reason: str) -> None:
        report.problems.append(Problem(row, name, reason))

    itemset = str(node.get("itemset") or "")
    if itemset.lower().endswith((".csv", ".xml", ".geojson")):
        problem(
            f"its choices come from the attached file {itemset}, which a chat survey cannot read"
        )
        return
    if (kind in ASKED or kind in ("calculate", "repeat")) and not _NAME.match(name):
        problem(
            "its name cannot be used in a chat survey (letters, digits, _ . - and at most "
            "64 characters, starting with a letter or _)"
        )
        return
    if kind in SELECTS:
        size = len(choices_of(node, lists))
        if not size or size > MAX_CHOICES:
            listed = node.get("list_name") or node.get("itemset")
            problem(
                f"its list '{listed}' has no choices"
                if not size
                else f"its list '{listed}' has {size} choices, more than a chat can offer "
                f"({MAX_CHOICES})"
            )
            return
    if kind in ASKED:
        report.questions[ASKED[kind]] += 1
        collects = _personal(kind, name, node.get("label"))
        if collects:
            report.personal.append(Problem(row, name, collects))
    elif kind in NO_DEVICE:
        problem(f"'{kind}' is filled in by a phone app; in a chat it stays empty")
    elif kind not in STRUCTURE and kind not in FILLED_BY_BOT:
        problem(WHY_NOT.get(kind, f"the question type '{kind}' is not supported in chat surveys"))
        return
    bind = node.get("bind") or {}
    for key in _EXPRESSIONS:
        source = bind.get(key)
        if not isinstance(source, str) or (key in ("required", "readonly") and _spelled(source)):
            continue
        _expression(source, key, names, problem)
    if node.get("choice_filter"):
        _expression(str(node["choice_filter"]), "choice_filter", names, problem, filter_=True)
    count = (node.get("control") or {}).get("jr:count")
    if isinstance(count, str) and count.strip() and not count.strip().isdigit():
        _expression(count, "repeat_count", names, problem)
    for key in ("label", "hint"):
        value = node.get(key)
        texts = value.values() if isinstance(value, dict) else [value] if value else []
        for text in texts:
            for ref in re.findall(r"\$\{\s*([^}\s]+)\s*\}", str(text)):
                if ref not in names:
                    problem(f"its {key} shows ${{{ref}}}, which is no question of this form")


# What a question asks for, by words in its name or label (Indonesian and English), that the
# data notice says the bot never asks: (pattern, what staff are told).
_PERSONAL: Final = (
    (
        re.compile(r"\b(nik|ktp|no_?ktp|national.?id|id.?number|passport|paspor)\b", re.I),
        "an identity number (NIK / KTP)",
    ),
    (
        re.compile(r"\b(phone|telepon|telp|no_?hp|nomor.?hp|handphone|whatsapp|wa)\b", re.I),
        "a phone number",
    ),
    (re.compile(r"\b(e-?mail|surel)\b", re.I), "an email address"),
    (re.compile(r"\b(nama|name|full.?name|first.?name|surname)\b", re.I), "a name"),
    (re.compile(r"\b(alamat|address)\b", re.I), "an address"),
)


# The kind of personal data each note names, for the notice respondents read before an
# imported form's first question (`Survey.collects`), in this order.
PERSONAL_KINDS: Final = {
    "the respondent's location (a place, personal data)": "location",
    "looks like it asks for a name": "name",
    "looks like it asks for a phone number": "phone",
    "looks like it asks for an identity number (NIK / KTP)": "id_number",
    "looks like it asks for an email address": "email",
    "looks like it asks for an address": "address",
}


def _personal(kind: str, name: str, label: Any) -> str | None:
    """What personal data a question collects beyond what the data notice names, if any."""
    if kind in ("geopoint", "gps"):
        return "the respondent's location (a place, personal data)"
    if kind not in ("text", "string"):
        return None
    labels = label.values() if isinstance(label, dict) else [label] if label else []
    words = " ".join([name.replace("_", " "), *(str(x) for x in labels)])
    for pattern, what in _PERSONAL:
        if pattern.search(words) and not (what == "a name" and _THING.search(words)):
            return f"looks like it asks for {what}"
    return None


# A name of a thing, not of a person ("latin_name", "Nama usaha", "settlement name").
_THING: Final = re.compile(
    r"\b(latin|species|spesies|building|bangunan|compound|settlement|community|municipality|"
    r"village|desa|street|jalan|place|tempat|business|usaha|toko|shop|company|perusahaan|"
    r"organi[sz]ation|organisasi|school|sekolah|product|produk|brand|merek)\b",
    re.I,
)


def _spelled(value: str) -> bool:
    """`required` and `readonly` written as yes/no in any of the spellings real forms use."""
    return value.strip().lower() in SPELLED_TRUE | SPELLED_FALSE


def _expression(
    source: str,
    key: str,
    names: set[str],
    problem: Any,
    *,
    filter_: bool = False,
) -> None:
    try:
        parsed = parse(source, choice_filter=filter_)
    except ExpressionError as exc:
        problem(f"its {key} cannot run in chat: {exc}")
        return
    unknown = sorted(parsed.references - names)
    if unknown:
        problem(f"its {key} reads ${{{unknown[0]}}}, which is no question of this form")


def languages(columns: set[str]) -> list[Language]:
    """Each label column with the bot locales it is shown in. A column names its language in
    parentheses ("Indonesian(id)", "Bahasa Indonesia (id)") or by name ("english", "French");
    the plain `label` column (pyxform's "default") is shown in every bot locale that no named
    column serves (a form in one language is shown to everyone in it)."""
    named: list[Language] = []
    for column in sorted(columns - {"default"}, key=str.lower):
        code = _code(column)
        named.append(Language(column, (code,) if code in BOT_LOCALES else ()))
    served = {locale for language in named for locale in language.locales}
    if "default" in columns:
        rest = tuple(locale for locale in BOT_LOCALES if locale not in served)
        named.insert(0, Language("label", rest))
    return named


def _code(column: str) -> str | None:
    inside = re.search(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\s*\)\s*$", column)
    if inside:
        return inside.group(1).lower()
    wanted = column.strip().lower()
    for code in BOT_LOCALES:
        try:
            names = {Locale(code).get_display_name("en"), Locale(code).get_display_name(code)}
        except UnknownLocaleError:  # pragma: no cover - babel ships both
            continue
        if wanted in {n.lower() for n in names if n} | {f"bahasa {n.lower()}" for n in names if n}:
            return code
    return None
