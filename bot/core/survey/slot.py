"""An answer, and the place it belongs to: a question, or a question in a round of a repeat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.survey.model import Question


@dataclass(frozen=True, slots=True)
class Answer:
    """One stored answer. `value` None means the respondent skipped an optional question."""

    value: Any
    other: str | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """A question as asked: `key` is its answer's key (the question id, or "hh[2]/age" in the
    second round of the repeat hh), `rounds` the round of each repeat around it."""

    key: str
    question: Question
    rounds: tuple[int, ...] = ()

    @property
    def id(self) -> str:
        """The key: what code written before repeats existed called a question's id."""
        return self.key
