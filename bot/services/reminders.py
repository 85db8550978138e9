"""Event reminders (EVENT_REMINDERS hours before the start: the day before and an hour before).

Reminders are derived from the state of registrations and events, not scheduled one by one:
each scheduler tick (and `Scheduler.run_due`, which tests call after moving the clock) asks
`queue_due` what has fallen due. So they are rebuilt at start-up by construction, a restart
neither drops nor repeats one (each is recorded when decided, with its job, in one
transaction), and a promotion, an import or staff moving an event needs no coordination.

A queued reminder runs as a job in the person's own order, and checks again (`due`) before
it is sent: a place cancelled, an event cancelled or moved, or a start already past since it
was queued sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.events.model import Event
from bot.services.clock import Clock
from bot.storage.events import EventCatalog
from bot.storage.reminders import ReminderRepository
from bot.storage.timefmt import from_db

log = logging.getLogger(__name__)

# The job that sends one reminder (conversations/events/reminders.py runs it).
REMINDER_JOB = "event_reminder"


@dataclass(frozen=True)
class Reminder:
    event: Event
    before: timedelta  # how long before the start it was meant for


class ReminderService:
    def __init__(
        self,
        repository: ReminderRepository,
        catalog: EventCatalog,
        clock: Clock,
        offsets: Sequence[timedelta],
    ) -> None:
        self.repository = repository
        self.catalog = catalog
        self.clock = clock
        self.offsets = tuple(offsets)
        self._minutes = [round(o.total_seconds() / 60) for o in self.offsets]

    async def queue_due(self, now: datetime) -> int:
        """Queue a job for every reminder due by `now`; returns how many."""
        queued = await self.repository.queue_due(now, self._minutes, REMINDER_JOB)
        if queued:
            log.info("Queued %d event reminders", queued)
        return queued

    async def due(self, person: int, data: dict[str, Any]) -> Reminder | None:
        """The reminder a queued job stands for, if it is still to be sent now: the seat is
        still the person's and confirmed, the event published, at the same start, not begun."""
        try:
            registration_id = int(data["registration_id"])
            minutes = int(data["minutes_before"])
            starts_at = from_db(str(data["starts_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        seat = await self.repository.seat(registration_id)
        if seat is None or seat.user_id != person or seat.status != "confirmed":
            return None
        event = await self.catalog.by_id(seat.event_id)
        if (
            event is None
            or event.status != "published"
            or event.starts_at != starts_at
            or event.starts_at <= self.clock.now()
        ):
            return None
        return Reminder(event, timedelta(minutes=minutes))
