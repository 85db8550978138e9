"""Load survey files from a folder and explain, in one line each, what is wrong with them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.survey.model import Survey


class SurveyFileError(Exception):
    """A survey file cannot be used. The message names the file, the question and the problem."""


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """Describe a pydantic error location as 'question <id>' where possible."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = data.get("questions") if isinstance(data, dict) else None
        qid = None
        if isinstance(questions, list) and loc[1] < len(questions):
            item = questions[loc[1]]
            qid = item.get("id") if isinstance(item, dict) else None
        name = f"question {qid!r}" if qid else f"question #{loc[1] + 1}"
        # Drop the discriminator tag pydantic inserts ('single', 'multi', ...).
        rest = [str(p) for p in loc[2:] if p not in _TYPE_TAGS]
        return name + (f" field {'.'.join(rest)}" if rest else "")
    return "field " + ".".join(str(p) for p in loc) if loc else "survey"


_TYPE_TAGS = {
    "single",
    "multi",
    "text",
    "integer",
    "decimal",
    "yes_no",
    "scale",
    "date",
    "region",
}


def parse_survey(path: Path) -> Survey:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyFileError(f"{path}: cannot read the file ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise SurveyFileError(f"{path}: not valid YAML{line}{detail}") from None
    if not isinstance(data, dict):
        raise SurveyFileError(f"{path}: a survey file must be a mapping with id, title, questions")
    try:
        return Survey.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{_where(data, tuple(err['loc']))}: {msg}")
        raise SurveyFileError(f"{path}: " + "; ".join(problems[:5])) from None


def load_surveys(folder: Path) -> dict[str, Survey]:
    """Every `*.yaml` survey in a folder, by id. Raises SurveyFileError on the first bad file."""
    if not folder.is_dir():
        raise SurveyFileError(f"{folder}: the surveys folder does not exist")
    surveys: dict[str, Survey] = {}
    payload_owner: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        survey = parse_survey(path)
        if survey.id in surveys:
            raise SurveyFileError(f"{path}: survey id {survey.id!r} is used by another file")
        for payload in survey.payloads():
            if payload in payload_owner:
                raise SurveyFileError(
                    f"{path}: start payload {payload!r} is also used by {payload_owner[payload]!r}"
                )
            payload_owner[payload] = survey.id
        surveys[survey.id] = survey
    if not surveys:
        raise SurveyFileError(f"{folder}: no survey files (*.yaml) found")
    return surveys


def ordered(surveys: dict[str, Survey]) -> Iterable[Survey]:
    return sorted(surveys.values(), key=lambda s: s.id)
