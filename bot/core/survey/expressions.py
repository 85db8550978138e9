"""The XLSForm expressions a survey carries, parsed once and kept: a survey's texts are
checked when it is read, and each distinct expression is turned into a syntax tree the first
time it is evaluated, never again (a 200-question form has a few hundred)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.core.xlsform.expression import Expression, parse

if TYPE_CHECKING:
    from bot.core.survey.model import BaseQuestion

# `${name}` inside a label, hint or message: filled in with that answer when shown.
PIPED = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}")


@lru_cache(maxsize=8192)
def compiled(source: str) -> Expression:
    return parse(source)


@lru_cache(maxsize=2048)
def compiled_filter(source: str) -> Expression:
    return parse(source, choice_filter=True)


def references(question: BaseQuestion) -> set[str]:
    """Every name a question's expressions and texts read."""
    found: set[str] = set()
    for source in (question.relevant, question.constraint, question.required_if):
        if source:
            found |= compiled(source).references
    calculation = getattr(question, "calculation", None)
    if calculation:
        found |= compiled(calculation).references
    choice_filter = getattr(question, "choice_filter", None)
    if choice_filter:
        found |= compiled_filter(choice_filter).references
    texts = [question.text, question.hint, question.constraint_message, question.required_message]
    texts += [c.label for c in getattr(question, "choices", [])]
    for text in texts:
        for value in (text or {}).values():
            found.update(PIPED.findall(value))
    return found
