"""One person's unfinished response: answers so far, where they are, what they half-gave."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.survey.engine import Answer


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    survey_id: str
    source: str | None
    cursor: str
    answers: dict[str, Answer]
    updated_at: datetime
    # Half-given input that must survive a restart too: toggled choices of a multiple-choice
    # question, the province picked before its kabupaten/kota, an "other" text being asked,
    # the page of a region list, a pending /batal confirmation.
    pending: dict[str, Any] = field(default_factory=dict)
    rev: int = 0
    message_id: int | None = None
    last_update_id: int = 0
    # The version of the survey the person started: an imported survey republished meanwhile
    # is still asked as it was when they began (a YAML survey follows its file instead).
    survey_version: int = 1

    def moved(self, **changes: Any) -> Session:
        """A copy with the changes and the revision bumped, so buttons shown before go stale."""
        return replace(self, rev=self.rev + 1, **changes)
