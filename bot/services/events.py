"""Finding events for a person: what is coming, nearest to them first.

The chat layer asks this service and renders what it gets; which events count as upcoming and
in what order they come is decided here, once, so `/acara`, free-text search and broadcasts
(later) cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core import regions
from bot.core.events.model import Event
from bot.core.survey.model import RegionQuestion, Survey
from bot.services.clock import Clock
from bot.storage.events import EventCatalog
from bot.storage.responses import ResponseRepository

PAGE_SIZE = 10


@dataclass(frozen=True)
class EventPage:
    events: tuple[Event, ...]
    number: int  # from 0, clamped to the pages there are
    pages: int
    region: regions.Region | None  # whose events come first; None: in time order only


def region_questions(surveys: Iterable[Survey]) -> list[tuple[str, str]]:
    """(survey id, question id) of every region question: where people say where they are."""
    return [(s.id, q.id) for s in surveys for q in s.questions if isinstance(q, RegionQuestion)]


def nearest_first(events: Sequence[Event], region: str | None) -> list[Event]:
    """Events in `region`'s kabupaten/kota first, then elsewhere in its province, then the rest;
    each group in the order given (time order). A province-wide event counts as the person's
    province, not their kabupaten/kota: it may be held anywhere in it."""
    if region is None:
        return list(events)
    province = region.split(".")[0]

    def closeness(event: Event) -> int:
        if "." in region and event.region == region:
            return 0
        return 1 if event.region.split(".")[0] == province else 2

    return sorted(events, key=closeness)  # stable: time order within each group


class EventService:
    def __init__(
        self,
        catalog: EventCatalog,
        responses: ResponseRepository,
        questions: Sequence[tuple[str, str]],
        clock: Clock,
    ) -> None:
        self.catalog = catalog
        self.responses = responses
        self.questions = questions
        self.clock = clock

    async def region_of(self, user_id: int) -> regions.Region | None:
        """Where the person said they are in their latest survey answer, if anywhere."""
        code = await self.responses.latest_answer(user_id, self.questions)
        # A code the region data no longer has is no preference, not an error.
        return regions.by_code(code) if isinstance(code, str) else None

    async def page_for(self, user_id: int, number: int = 0) -> EventPage:
        """One page of the published events that have not started, nearest to the person
        first. A page number out of range (an old button) is clamped."""
        region = await self.region_of(user_id)
        ordered = nearest_first(
            await self.catalog.upcoming(self.clock.now()), region.code if region else None
        )
        pages = max(1, -(-len(ordered) // PAGE_SIZE))
        number = min(max(number, 0), pages - 1)
        chunk = ordered[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        return EventPage(tuple(chunk), number, pages, region)

    async def upcoming_event(self, event_id: int) -> Event | None:
        """The event if it is still published and has not started; None for anything else
        (deleted, cancelled, begun, or an id nobody stored)."""
        event = await self.catalog.by_id(event_id)
        if event is None or event.status != "published" or event.starts_at <= self.clock.now():
            return None
        return event
