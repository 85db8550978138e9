"""Results: what /hasil shows staff and what respondents see of public questions.

The rules live here and in bot.core.results: which responses a selection holds (place and
period), when a group is too small to break down (RESULTS_MIN_GROUP, the same for staff and
respondents), and who may see public results (only someone who submitted that survey).
Charts are drawn in a worker thread: matplotlib is pure CPU and would stall every other
person's replies for the ~0.2 s each chart takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.core import regions
from bot.core.results import chart, words
from bot.core.results.tally import (
    Charted,
    ChoiceResult,
    Overview,
    Summary,
    TextResult,
    charted,
    choice_result,
    public,
    texts,
)
from bot.core.survey.loader import ordered
from bot.core.survey.model import MultiChoice, RegionQuestion, Survey
from bot.services.clock import Clock
from bot.storage.results import ResultRepository, Selection

# The periods /hasil offers, in days; 0 is all time.
PERIODS = (0, 7, 30, 90)
EXAMPLES = 3  # recent free-text answers shown as examples


@dataclass(frozen=True)
class Labels:
    """The words results need in the reader's language, for yes/no answers."""

    locale: str
    yes: str
    no: str


@dataclass(frozen=True)
class Places:
    """Where a survey's respondents are, for the place filter: only places with at least
    RESULTS_MIN_GROUP responses are offered; `hidden` counts the others."""

    shown: tuple[tuple[regions.Region, int], ...]
    hidden: int


@dataclass(frozen=True)
class PublicResults:
    summary: Summary
    province: regions.Region | None  # the respondent's own, when they gave a region
    mine: bool  # narrowed to that province


def region_question(survey: Survey) -> str | None:
    """The question that says where a respondent is: what the place filter narrows by."""
    return next((q.id for q in survey.questions if isinstance(q, RegionQuestion)), None)


class ResultsService:
    def __init__(
        self, surveys: dict[str, Survey], repo: ResultRepository, clock: Clock, min_group: int
    ) -> None:
        self.surveys = surveys
        self.repo = repo
        self.clock = clock
        self.min_group = min_group

    async def close(self) -> None:
        await self.repo.close()

    async def overview(self) -> list[Overview]:
        progress = await self.repo.progress()
        found = []
        for survey in ordered(self.surveys):
            started, completed = progress.get(survey.id, (0, 0))
            middle = await self.repo.median_seconds(survey.id) if completed else None
            found.append(Overview(survey, started, completed, middle))
        return found

    def selection(self, survey: Survey, place: str = "", days: int = 0) -> Selection:
        since = self.clock.now() - timedelta(days=days) if days else None
        return Selection(survey.id, region_question(survey), place, since)

    async def summary(
        self,
        survey: Survey,
        labels: Labels,
        *,
        place: str = "",
        days: int = 0,
        only: Sequence[Charted] | None = None,
    ) -> Summary:
        """The selection's totals, each charted question's bars and each free-text question's
        common words; nothing broken down when the selection is under RESULTS_MIN_GROUP.
        `only`: just these questions (the public ones), and no free text."""
        selection = self.selection(survey, place, days)
        total = await self.repo.count(selection)
        if total < self.min_group:
            return Summary(survey, total, True)
        questions = list(only) if only is not None else charted(survey)
        free = [] if only is not None else texts(survey)
        multi = [q.id for q in questions if isinstance(q, MultiChoice)]
        single = [q.id for q in questions if not isinstance(q, MultiChoice)]
        counts = await self.repo.counts(selection, single, multi)
        # One answer each: the counts add up to who answered. Several each: counted apart.
        answered = {q: sum(counts.get(q, {}).values()) for q in single}
        answered |= await self.repo.answered(selection, [*multi, *(q.id for q in free)])
        choices = tuple(
            choice_result(
                q,
                counts.get(q.id, {}),
                answered.get(q.id, 0),
                self.min_group,
                labels.locale,
                labels.yes,
                labels.no,
            )
            for q in questions
        )
        found: list[TextResult] = []
        for q in free:
            n = answered.get(q.id, 0)
            if n < self.min_group:
                found.append(TextResult(q, n, (), (), True))
                continue
            said = await self.repo.texts(selection, q.id)
            examples = tuple(words.shortened(t) for t in said[:EXAMPLES])
            found.append(TextResult(q, n, words.top_words(said), examples, False))
        return Summary(survey, total, False, choices, tuple(found))

    async def charts(self, items: Sequence[tuple[chart.ChartText, ChoiceResult]]) -> list[bytes]:
        """PNG charts of results not suppressed, drawn off the event loop."""

        def draw_all() -> list[bytes]:
            return [chart.draw(text, result.bars) for text, result in items]

        return await asyncio.to_thread(draw_all)

    async def places(self, survey: Survey, days: int = 0, province: str = "") -> Places:
        """Provinces (or, given `province`, its kabupaten/kota) with enough responses to show."""
        answered = await self.repo.places(self.selection(survey, days=days))
        tally: dict[str, int] = {}
        for code, n in answered.items():
            if province:
                if code.split(".")[0] == province and "." in code:
                    tally[code] = tally.get(code, 0) + n
            else:
                tally[code.split(".")[0]] = tally.get(code.split(".")[0], 0) + n
        shown = []
        hidden = 0
        for code, n in sorted(tally.items(), key=lambda p: (-p[1], p[0])):
            region = regions.by_code(code)
            if region is not None and n >= self.min_group:
                shown.append((region, n))
            else:
                hidden += 1
        return Places(tuple(shown), hidden)

    async def public(
        self, user_id: int, survey: Survey, labels: Labels, mine: bool
    ) -> PublicResults | None:
        """The interim results of the survey's public questions, for someone who submitted it
        (None for anyone else, or a survey with no public question): for everyone, or with
        `mine` for the province they answered from."""
        shown = public(survey)
        if not shown or not await self.repo.has_submitted(user_id, survey.id):
            return None
        question = region_question(survey)
        code = await self.repo.own_region(user_id, survey.id, question) if question else None
        province = regions.by_code(code.split(".")[0]) if code else None
        place = province.code if (mine and province is not None) else ""
        summary = await self.summary(survey, labels, place=place, only=shown)
        return PublicResults(summary, province, bool(place))
