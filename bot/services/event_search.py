"""Answering questions about events asked in people's own words, and keeping wishes ("tell me
when there is one") for those no event answers yet.

The reading and matching is the pure core's (bot/core/events/search/); here the question
meets the stored events (EventService decides what is upcoming and what is near the person, as
for /acara) and the wishes meet their repository, with their limits and retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.events.model import Event
from bot.core.events.search import (
    Criteria,
    Matcher,
    admits,
    is_event_question,
    kept_criteria,
    parse,
)
from bot.services.clock import Clock
from bot.services.events import EventService, nearest_first
from bot.storage.wishes import Kept, Wish, WishRepository

# How long a wish is kept if no matching event is published (the wishes notice says so).
WISH_DAYS = 180
# Wishes one person may keep at a time: enough for real interests, not a way to fill the table.
MOST_WISHES = 10
# Matches shown as buttons: a phone screen's worth.
MOST_MATCHES = 8
# Upcoming events offered instead when nothing matches.
INSTEAD = 5


@dataclass(frozen=True)
class SearchAnswer:
    question: bool  # False: not about events at all; the usual reply stands
    criteria: Criteria
    matches: tuple[Event, ...] = ()
    more: int = 0  # matches beyond those shown
    instead: tuple[Event, ...] = ()  # nothing matched: what is coming, nearest first
    general: bool = False  # "ada acara apa?": no criteria, so the /acara list answers it


class EventSearch:
    def __init__(
        self, events: EventService, wishes: WishRepository, clock: Clock, zone: ZoneInfo
    ) -> None:
        self.events = events
        self.wishes = wishes
        self.clock = clock
        self.zone = zone  # time words ("besok", "bulan depan") are the person's
        self.matcher = Matcher()

    async def answer(self, user_id: int, text: str) -> SearchAnswer:
        """The events a message asks about, best first; or, for a message that is not about
        events ("halo", "ok", a number), `question` False and nothing read from the database."""
        now = self.clock.now()
        criteria = parse(text, now, self.zone)
        if criteria.empty and not criteria.asks_for_events:
            return SearchAnswer(False, criteria)
        if criteria.empty:  # "ada acara apa?": everything upcoming, as /acara lists it
            return SearchAnswer(True, criteria, general=True)
        region = await self.events.region_of(user_id)
        # EventService.upcoming keeps the parsed events until the table changes.
        ordered = nearest_first(await self.events.upcoming(), region.code if region else None)
        hits = self.matcher.search(criteria, ordered)
        if not is_event_question(criteria, hits):
            return SearchAnswer(False, criteria)
        if hits:
            shown = tuple(h.event for h in hits[:MOST_MATCHES])
            return SearchAnswer(True, criteria, shown, len(hits) - len(shown))
        return SearchAnswer(True, criteria, instead=tuple(ordered[:INSTEAD]))

    def wish_of(self, words: str) -> Criteria | None:
        """The lasting criteria the words of a wish button stand for; None if they stand for
        nothing (a forged button)."""
        criteria = parse(words, self.clock.now(), self.zone)
        lasting = kept_criteria(criteria.lasting())
        return None if lasting.empty else criteria

    async def keep_wish(self, user_id: int, words: str) -> tuple[Kept, str] | None:
        """Keep a wish (the person has agreed to the wishes notice): stored, already kept, or
        the person has too many. With the text shown back to them. None for words that mean
        nothing."""
        criteria = self.wish_of(words)
        if criteria is None:
            return None
        now = self.clock.now()
        text = " ".join(criteria.words)
        kept = await self.wishes.keep(
            user_id, criteria.lasting(), text, now, now + timedelta(days=WISH_DAYS), MOST_WISHES
        )
        return kept, text

    async def wishes_of(self, user_id: int) -> list[Wish]:
        return await self.wishes.of_user(user_id, self.clock.now())

    async def forget_wish(self, user_id: int, wish_id: int) -> bool:
        """Remove one of the person's wishes; False if it is not theirs or is gone already."""
        return await self.wishes.remove(user_id, wish_id)

    async def wishes_for(self, event: Event) -> list[Wish]:
        """The wishes a newly published event fulfils (for telling people, once)."""
        found = []
        for wish in await self.wishes.active(self.clock.now()):
            if admits(kept_criteria(wish.criteria), event, self.matcher):
                found.append(wish)
        return found

    async def purge_expired(self) -> int:
        """Delete the wishes kept WISH_DAYS without a matching event."""
        return await self.wishes.purge_expired(self.clock.now())
