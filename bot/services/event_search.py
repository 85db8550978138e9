"""Answering questions about events asked in people's own words, and keeping wishes ("tell me
when there is one") for those no event answers yet.

The reading and matching is the pure core's (bot/core/events/search/); here the question
meets the stored events (EventService decides what is upcoming and what is near the person, as
for /acara) and the wishes meet their repository, with their limits and retention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
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
from bot.core.quiet import QuietHours
from bot.services.clock import Clock
from bot.services.events import EventService, nearest_first
from bot.storage.wishes import Kept, Telling, Wish, WishRepository

log = logging.getLogger(__name__)

# The job that tells a person a wish came true (conversations/events/ask.py runs it).
WISH_JOB = "event_wish"

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
        self,
        events: EventService,
        wishes: WishRepository,
        clock: Clock,
        zone: ZoneInfo,
        quiet: QuietHours | None = None,
    ) -> None:
        self.events = events
        self.wishes = wishes
        self.clock = clock
        self.zone = zone  # time words ("besok", "bulan depan") are the person's
        self.quiet = quiet  # a wish come true is news, not an alarm: it waits for the morning
        self.matcher = Matcher()
        self._looked: tuple[Any, ...] | None = None  # events and wishes as last matched

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

    async def queue_wishes(self, now: datetime) -> int:
        """A scheduler source: tell each person whose wish a published, upcoming event now
        matches, once. Derived from the data like reminders, so however an event is published
        (the wizard, a CSV sent in chat, `python -m bot events import`) the next look finds
        it, and a restart neither drops nor repeats a telling.

        Each wish answers one event, the soonest it matches, and is then deleted; a person
        whose several wishes one event matches hears once. Nothing is read beyond two
        aggregates while neither the events nor the wishes changed."""
        looked = (await self.events.catalog.fingerprint(), await self.wishes.marker())
        if looked == self._looked:
            return 0
        wishes = await self.wishes.active(now)
        tellings: list[Telling] = []
        if wishes:
            told = await self.wishes.told()
            upcoming = await self.events.upcoming()  # soonest first
            found: dict[tuple[int, int], list[Wish]] = {}
            for wish in wishes:  # a wish answers the first event it matches
                criteria = kept_criteria(wish.criteria)
                for event in upcoming:
                    pair = (wish.user_id, event.id or 0)
                    if pair not in told and admits(criteria, event, self.matcher):
                        found.setdefault(pair, []).append(wish)
                        break
            for (person, event_id), answered in found.items():
                due = await self._awake(person, now)
                ids = tuple(w.id for w in answered)
                tellings.append(Telling(person, event_id, ids, answered[0].text, due))
        queued = await self.wishes.tell(tellings, WISH_JOB, now) if tellings else 0
        # Telling deleted wishes, so the marker moved: the next look matches once more and
        # finds nothing new, then rests until an event or a wish changes.
        self._looked = looked if not tellings else None
        if queued:
            log.info("Queued %d wishes come true", queued)
        return queued

    async def _awake(self, person: int, now: datetime) -> datetime:
        """`now`, or when the person's quiet hours end if they are asleep (their zone from the
        region they answered, else the bot's)."""
        if self.quiet is None:
            return now
        zone = await self.events.zone_for(person, self.zone)
        return self.quiet.ends(now, zone)

    async def telling(self, person: int, data: dict[str, Any]) -> tuple[str, Event] | None:
        """The wish and the event a queued telling stands for, if it is still to be sent: the
        record stands (not deleted with /hapusdata) and the event is still upcoming."""
        try:
            event_id = int(data["event_id"])
        except (KeyError, TypeError, ValueError):
            return None
        wish = await self.wishes.telling(person, event_id)
        event = await self.events.upcoming_event(event_id)
        return None if wish is None or event is None else (wish, event)

    async def purge_expired(self) -> int:
        """Delete the wishes kept WISH_DAYS without a matching event, and the records of
        tellings as old (they only keep a wish asked again from the same event)."""
        now = self.clock.now()
        return await self.wishes.purge_expired(now, now - timedelta(days=WISH_DAYS))
