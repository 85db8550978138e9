"""Finding events for a person (what is coming, nearest to them first) and registering for
them (a seat or the waiting list; the seat itself is decided in storage, on the writer).

The chat layer asks this service and renders what it gets; which events count as upcoming and
in what order they come is decided here, once, so `/acara`, free-text search and broadcasts
(later) cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import regions
from bot.core.events.model import Event
from bot.core.events.rules import Registration, registration
from bot.core.events.zones import zone_of
from bot.core.survey.model import RegionQuestion, Survey
from bot.intake.scheduler import Scheduler
from bot.services.clock import Clock
from bot.storage.events import EventCatalog
from bot.storage.registrations import EventClosed, RegistrationRepository, Ticket
from bot.storage.responses import ResponseRepository

PAGE_SIZE = 10
# Before any event: `catalog.upcoming(_DAWN)` is every published event.
_DAWN = datetime(2000, 1, 1, tzinfo=UTC)
# The job that tells the first person waiting that a freed seat is now theirs
# (conversations/events/register.py runs it).
PROMOTED_JOB = "event_promoted"
# The job that tells a registrant their attendance was recorded at the door
# (conversations/events/checkin.py runs it).
CHECKED_IN_JOB = "event_checked_in"


@dataclass(frozen=True)
class EventPage:
    events: tuple[Event, ...]
    number: int  # from 0, clamped to the pages there are
    pages: int
    region: regions.Region | None  # whose events come first; None: in time order only
    picked: bool = False  # the region was chosen in /acara, not taken from a survey answer


@dataclass(frozen=True)
class Area:
    """Somewhere with upcoming events, for the region picker."""

    region: regions.Region
    events: int


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


def _bare(name: str) -> str:
    return name.removeprefix("Kabupaten ").removeprefix("Kota ").casefold()


class Outcome(StrEnum):
    """What a tap on Daftar came to; each has its own message."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITING = "already_waiting"
    CANCELLED = "cancelled"  # the event is off
    STARTED = "started"  # the event has begun or is over
    CLOSED = "closed"  # the registration deadline has passed
    GONE = "gone"  # no such event


@dataclass(frozen=True)
class Signup:
    outcome: Outcome
    event: Event | None
    place: int = 0  # on the waiting list, from 1


@dataclass(frozen=True)
class MyPlace:
    event: Event
    status: str  # confirmed | waiting
    place: int  # 0 for a confirmed seat
    attended_at: datetime | None = None  # checked in at the door


class Admission(StrEnum):
    """What scanning a ticket at the door came to; each has its own message for staff."""

    CHECKED_IN = "checked_in"
    ALREADY = "already"  # checked in before (the time is in the ticket)
    WAITING = "waiting"  # on the waiting list: no seat
    CANCELLED = "cancelled"  # the registration was cancelled
    EVENT_CANCELLED = "event_cancelled"
    NOT_TODAY = "not_today"  # the event is on another day: nothing recorded
    UNKNOWN = "unknown"  # no ticket has this code (mistyped, forged, or its data erased)


@dataclass(frozen=True)
class CheckIn:
    admission: Admission
    ticket: Ticket | None = None
    event: Event | None = None


_CLOSED = {
    Registration.CANCELLED: Outcome.CANCELLED,
    Registration.STARTED: Outcome.STARTED,
    Registration.CLOSED: Outcome.CLOSED,
}


class EventService:
    def __init__(
        self,
        catalog: EventCatalog,
        responses: ResponseRepository,
        questions: Sequence[tuple[str, str]],
        clock: Clock,
        registrations: RegistrationRepository,
        scheduler: Scheduler,
    ) -> None:
        self.catalog = catalog
        self.responses = responses
        self.questions = questions
        self.clock = clock
        self.registrations = registrations
        self.scheduler = scheduler
        self._published: tuple[tuple[Any, ...], list[Event]] | None = None

    async def event(self, event_id: int) -> Event | None:
        """The stored event with this id, whatever its state; None for an unknown id."""
        return await self.catalog.by_id(event_id)

    async def region_of(self, user_id: int) -> regions.Region | None:
        """Where the person said they are in their latest survey answer, if anywhere."""
        code = await self.responses.latest_answer(user_id, self.questions)
        # A code the region data no longer has is no preference, not an error.
        return regions.by_code(code) if isinstance(code, str) else None

    async def zone_for(self, user_id: int, default: tzinfo) -> tzinfo:
        """The zone of where the person said they are (Kupang: WITA), else `default`: for the
        times shown to them that are not an event's (an event keeps its own zone)."""
        region = await self.region_of(user_id)
        try:
            return ZoneInfo(zone_of(region.code)) if region is not None else default
        except KeyError:  # a province the zone table does not know
            return default

    async def page_for(
        self, user_id: int, number: int = 0, picked: regions.Region | None = None
    ) -> EventPage:
        """One page of the published events that have not started, nearest first: to the
        region the person `picked` in /acara, else to where their survey answer says they
        are. A page number out of range (an old button) is clamped."""
        region = picked or await self.region_of(user_id)
        ordered = nearest_first(await self.upcoming(), region.code if region else None)
        pages = max(1, -(-len(ordered) // PAGE_SIZE))
        number = min(max(number, 0), pages - 1)
        chunk = ordered[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        return EventPage(tuple(chunk), number, pages, region, picked is not None)

    async def areas(self, province: str | None = None) -> list[Area]:
        """Where upcoming events are, to pick from: the provinces (None), or the kabupaten/kota
        of one province, by name. Only places that have some, so no tap leads to nothing; an
        event for a whole province counts for the province, not for any of its kabupaten/kota."""
        counts: dict[str, int] = {}
        for event in await self.upcoming():
            code = event.region.split(".")[0] if province is None else event.region
            if province is None or (code.split(".")[0] == province and "." in code):
                counts[code] = counts.get(code, 0) + 1
        found = [Area(r, n) for code, n in counts.items() if (r := regions.by_code(code))]
        # "Kota Kupang" is looked for under K for Kupang, "Kabupaten Timor Tengah Selatan"
        # under T: sort by the name without its kind.
        return sorted(found, key=lambda area: _bare(area.region.name))

    async def upcoming(self) -> list[Event]:
        """The published events that have not started, soonest first. Parsed once and kept
        until the table changes: with a thousand events stored, parsing them for every /acara
        and every free-text question took 28 ms; checking the table's fingerprint takes a
        fraction of one."""
        fingerprint = await self.catalog.fingerprint()
        if self._published is None or self._published[0] != fingerprint:
            # Every published event, begun or not: which have begun depends on the moment.
            self._published = (fingerprint, await self.catalog.upcoming(_DAWN))
        now = self.clock.now()
        return [event for event in self._published[1] if event.starts_at > now]

    async def upcoming_event(self, event_id: int) -> Event | None:
        """The event if it is still published and has not started; None for anything else
        (deleted, cancelled, begun, or an id nobody stored)."""
        event = await self.catalog.by_id(event_id)
        if event is None or event.status != "published" or event.starts_at <= self.clock.now():
            return None
        return event

    def can_register(self, event: Event) -> bool:
        """Whether the details screen offers Daftar now."""
        return registration(event, self.clock.now()) is Registration.OPEN

    async def register(self, user_id: int, event_id: int) -> Signup:
        """Register the person (who has agreed to the events notice): a seat if one is left,
        else a place on the waiting list. Whether registration is open is checked first; the
        seat itself is decided on the writer, where nothing can interleave."""
        event = await self.catalog.by_id(event_id)
        if event is None:
            return Signup(Outcome.GONE, None)
        state = registration(event, self.clock.now())
        if state is not Registration.OPEN:
            # Someone already in keeps hearing that, even once the deadline has passed.
            held = await self.registrations.status_of(event_id, user_id)
            if held is not None and state is Registration.CLOSED:
                already = (
                    Outcome.ALREADY_CONFIRMED if held == "confirmed" else Outcome.ALREADY_WAITING
                )
                return Signup(already, event)
            return Signup(_CLOSED[state], event)
        try:
            got = await self.registrations.register(event_id, user_id, self.clock.now)
        except EventClosed:
            return Signup(Outcome.CANCELLED, event)
        if got.new:
            outcome = Outcome.CONFIRMED if got.status == "confirmed" else Outcome.WAITING
        else:
            outcome = (
                Outcome.ALREADY_CONFIRMED if got.status == "confirmed" else Outcome.ALREADY_WAITING
            )
        return Signup(outcome, event, got.place)

    async def cancel(self, user_id: int, event_id: int) -> bool:
        """Cancel the person's place; returns whether there was one. A freed seat goes to the
        first person waiting, in the same transaction, and they are told (a job, so the notice
        runs in their own order and survives a restart). Nobody is promoted into an event that
        has begun."""
        event = await self.catalog.by_id(event_id)
        promote = event is not None and registration(event, self.clock.now()) in (
            Registration.OPEN,
            Registration.CLOSED,
        )
        done = await self.registrations.cancel(event_id, user_id, self.clock.now(), promote=promote)
        if done.promoted is not None:
            await self.scheduler.schedule(
                done.promoted, PROMOTED_JOB, self.clock.now(), {"event_id": event_id}
            )
        return done.was is not None

    async def give_up_all(self, user_id: int) -> None:
        """Before the person's data is erased: every seat they hold passes on, as a
        cancellation would (the rows themselves go with the person)."""
        for place in await self.all_mine(user_id):
            await self.cancel(user_id, place.event.id or 0)

    async def registrations_status(self, user_id: int, event_id: int) -> str | None:
        """confirmed, waiting, or None (no active place)."""
        return await self.registrations.status_of(event_id, user_id)

    async def mine(self, user_id: int) -> list[MyPlace]:
        """The person's registrations and waiting places, of events not yet over, by date.
        A cancelled event is not among them: its registrants were told it is off (its rows
        stay, for /dataku, until they are deleted with the rest)."""
        now = self.clock.now()
        found = [
            p
            for p in await self.all_mine(user_id)
            if p.event.ends_at > now and p.event.status == "published"
        ]
        found.sort(key=lambda p: p.event.starts_at)
        return found

    async def all_mine(self, user_id: int) -> list[MyPlace]:
        """Every active registration kept about the person, over or not (for /dataku)."""
        places = await self.registrations.of_user(user_id)
        events = await self.catalog.by_ids({place.event_id for place in places})
        return [
            MyPlace(events[place.event_id], place.status, place.place, place.attended_at)
            for place in places
            if place.event_id in events
        ]

    async def ticket_code(self, user_id: int, event_id: int) -> tuple[Event, str] | None:
        """The event and the check-in code of the person's seat, while the event is published
        and not over; None otherwise (a waiting place, a cancelled event, an old button)."""
        event = await self.catalog.by_id(event_id)
        if event is None or event.status != "published" or event.ends_at <= self.clock.now():
            return None
        code = await self.registrations.code_of(event_id, user_id)
        return None if code is None else (event, code)

    async def check_in(self, code: str, staff_id: int) -> CheckIn:
        """Staff scanned a ticket: record the attendance of a confirmed seat on the event's
        day, once. Anything else is told (and nothing recorded)."""
        ticket = await self.registrations.by_code(code)
        event = None if ticket is None else await self.catalog.by_id(ticket.event_id)
        if ticket is None or event is None:
            return CheckIn(Admission.UNKNOWN)
        if event.status != "published":
            return CheckIn(Admission.EVENT_CANCELLED, ticket, event)
        if ticket.status != "confirmed":
            refused = Admission.WAITING if ticket.status == "waiting" else Admission.CANCELLED
            return CheckIn(refused, ticket, event)
        if ticket.attended_at is not None:
            return CheckIn(Admission.ALREADY, ticket, event)
        now = self.clock.now()
        # The event's own calendar days: a ticket for tomorrow is the wrong queue, not an
        # early guest, and a wrong attendance is worse than a second look.
        zone = event.zoneinfo
        today = now.astimezone(zone).date()
        first, last = event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()
        if not first <= today <= last:
            return CheckIn(Admission.NOT_TODAY, ticket, event)
        if not await self.registrations.check_in(ticket.id, staff_id, now):
            # Another scan got there first, or the seat was given up a moment ago: the
            # committed state says which (this cannot come back here: it is no longer open).
            return await self.check_in(code, staff_id)
        await self.scheduler.schedule(ticket.user_id, CHECKED_IN_JOB, now, {"event_id": event.id})
        return CheckIn(Admission.CHECKED_IN, await self.registrations.by_code(code), event)

    async def purge_old(self, kept: timedelta) -> int:
        """Delete the registrations of events that ended more than `kept` ago."""
        return await self.registrations.purge_ended(self.clock.now() - kept)
