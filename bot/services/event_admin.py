"""What staff do with events in the chat: publish one the wizard made, change it, cancel it,
and see who registered.

The rules that span people live here and in the storage transactions under it: more seats go
to the first people waiting, fewer seats than are confirmed is refused, and a cancellation or a
change of time or place is told to every registrant by a job per person (stored with the change
itself, run in each person's own order, in their language).

Creating, changing, cancelling and importing events are written to the audit log with the
staff member who did it (`actor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pydantic import ValidationError

from bot.core.events.answers import Problem, Refused, slug_for
from bot.core.events.draft import Wizard
from bot.core.events.model import Event
from bot.intake.scheduler import Scheduler
from bot.services.audit import Action, AuditService
from bot.services.clock import Clock
from bot.services.events import PROMOTED_JOB
from bot.storage.events import (
    CapacityBelowConfirmed,
    EventRepository,
    ImportSummary,
    NotPublished,
)
from bot.storage.registrants import Counts, Registrant, RegistrantRepository

# Jobs that tell a registrant their event is off, or has a new time or place
# (conversations/staff/notices.py runs them).
CANCELLED_JOB: Final = "event_cancelled"
CHANGED_JOB: Final = "event_changed"
# Past events staff still see in their list (to fetch a registrant list after the day).
PAST_SHOWN: Final = 5


class Saving(StrEnum):
    SAVED = "saved"
    GONE = "gone"  # cancelled (or deleted) meanwhile
    CAPACITY = "capacity"  # fewer seats than are confirmed
    REFUSED = "refused"  # a time that has passed by now, or the model refuses the event


@dataclass(frozen=True)
class Saved:
    outcome: Saving
    event: Event | None = None
    promoted: int = 0
    told: int = 0
    confirmed: int = 0  # with CAPACITY: the seats already given
    refused: Refused | None = None


def tells_registrants(old: Event, new: Event) -> bool:
    """Whether a change is worth a message to everyone registered: when or where it is."""
    return (old.starts_at, old.ends_at, old.region, old.venue) != (
        new.starts_at,
        new.ends_at,
        new.region,
        new.venue,
    )


class EventAdmin:
    def __init__(
        self,
        events: EventRepository,
        registrants: RegistrantRepository,
        scheduler: Scheduler,
        clock: Clock,
        audit: AuditService | None = None,
    ) -> None:
        self.events = events
        self.registrants = registrants
        self.scheduler = scheduler
        self.clock = clock
        self.audit = audit

    async def _record(
        self, actor: int | None, action: Action, subject: str = "", detail: str = ""
    ) -> None:
        if self.audit is not None:
            await self.audit.record(actor, action, subject, detail)

    async def import_events(self, events: list[Event], actor: int | None = None) -> ImportSummary:
        """A whole checked file of events, stored in one transaction (a file sent in the chat;
        `python -m bot events import` stores the same way while the bot is stopped)."""
        summary = await self.events.import_events(events, self.clock.now())
        detail = f"{summary.added} added, {summary.updated} changed"
        await self._record(actor, Action.EVENTS_IMPORTED, detail=detail)
        return summary

    def check(self, wizard: Wizard, old: Event | None = None) -> Event | Refused:
        """The event the wizard's answers make, checked again as it is about to be stored:
        time has moved on since the start was typed, and a region changed afterwards puts the
        same wall-clock times in another zone. For a published event (`old`, as stored now),
        only the parts the wizard asked are taken from it."""
        now = self.clock.now()
        if old is not None:
            wizard = wizard.onto(old)
        try:
            event = wizard.event(
                slug=old.slug
                if old
                else slug_for(wizard.values["title_id"], wizard.local("starts")),
                event_id=old.id if old else None,
            )
        except (ValidationError, KeyError, ValueError):
            return Refused(Problem.EMPTY)
        moved = old is None or old.starts_at != event.starts_at
        if moved and event.starts_at <= now:
            return Refused(Problem.IN_PAST)
        closes = event.registration_closes
        if (
            closes is not None
            and closes <= now
            and (old is None or closes != old.registration_closes)
        ):
            return Refused(Problem.CLOSES_IN_PAST)
        return event

    async def publish(self, wizard: Wizard, actor: int | None = None) -> Event | Refused:
        event = self.check(wizard)
        if isinstance(event, Refused):
            return event
        made = await self.events.create(event, self.clock.now())
        await self._record(actor, Action.EVENT_CREATED, made.slug)
        return made

    async def save(self, wizard: Wizard, tell: bool, actor: int | None = None) -> Saved:
        """Store a published event's changes; with `tell`, and a new time or place, every
        registrant is told. New seats go to the first people waiting, who are told too."""
        old = await self.events.by_id(wizard.event_id or 0)
        if old is None or old.status != "published":
            return Saved(Saving.GONE)
        event = self.check(wizard, old)
        if isinstance(event, Refused):
            return Saved(Saving.REFUSED, old, refused=event)
        notice = CHANGED_JOB if tell and tells_registrants(old, event) else None
        try:
            saved = await self.events.update(
                event, self.clock.now(), promoted_job=PROMOTED_JOB, notice_job=notice
            )
        except NotPublished:
            return Saved(Saving.GONE)
        except CapacityBelowConfirmed as exc:
            return Saved(Saving.CAPACITY, old, confirmed=exc.confirmed)
        changed = ", ".join(  # which parts, for the audit log (not what they say)
            name
            for name in Event.model_fields
            if name not in ("id", "slug", "status") and getattr(old, name) != getattr(event, name)
        )
        await self._record(actor, Action.EVENT_CHANGED, event.slug, changed or "details")
        if saved.promoted or saved.told:
            await self.scheduler.run_due()  # the notices are due now: no wait for the next look
        return Saved(Saving.SAVED, event, len(saved.promoted), saved.told)

    async def cancel(self, event_id: int, actor: int | None = None) -> int | None:
        """Cancel the event and tell everyone holding a seat or waiting; how many, or None if
        it was not published (cancelled already)."""
        told = await self.events.set_cancelled(event_id, self.clock.now(), CANCELLED_JOB)
        if told is not None:
            event = await self.events.by_id(event_id)
            subject = event.slug if event else str(event_id)
            await self._record(actor, Action.EVENT_CANCELLED, subject, f"{told} told")
        if told:
            await self.scheduler.run_due()
        return told

    async def event(self, event_id: int) -> Event | None:
        return await self.events.by_id(event_id)

    async def listed(self) -> list[Event]:
        """What staff manage: every event that has not started (cancelled ones too, marked),
        soonest first, then the last few that have, latest first."""
        now = self.clock.now()
        every = await self.events.all()
        upcoming = [e for e in every if e.starts_at > now]
        past = [e for e in every if e.starts_at <= now][::-1][:PAST_SHOWN]
        return upcoming + past

    def is_upcoming(self, event: Event) -> bool:
        return event.status == "published" and event.starts_at > self.clock.now()

    def can_cancel(self, event: Event) -> bool:
        """A published event that has not ended may be called off (even one under way)."""
        return event.status == "published" and event.ends_at > self.clock.now()

    async def counts(self, event_id: int) -> Counts:
        return await self.registrants.counts(event_id)

    async def registrants_of(self, event_id: int) -> list[Registrant]:
        return await self.registrants.of_event(event_id)
