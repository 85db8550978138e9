"""The rules of an event's schedule and of registering for it, in one place for every way an
event is made (a CSV import now, the staff wizard later) and every way it is shown."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.core.events.model import Event


class ScheduleProblem(StrEnum):
    """What can be wrong with an event's times. The value is the English explanation the CSV
    import prints; the chat will translate each member through its own catalog."""

    ENDS_NOT_AFTER_START = "ends_at must be after starts_at"
    CLOSES_AFTER_START = "registration_closes must not be after starts_at"


def schedule_problems(
    starts_at: datetime, ends_at: datetime, registration_closes: datetime | None
) -> list[ScheduleProblem]:
    problems = []
    if ends_at <= starts_at:
        problems.append(ScheduleProblem.ENDS_NOT_AFTER_START)
    # Closing at the very start is allowed: it is what "no separate deadline" means.
    if registration_closes is not None and registration_closes > starts_at:
        problems.append(ScheduleProblem.CLOSES_AFTER_START)
    return problems


class Registration(StrEnum):
    """Whether a person may register now, and if not, why (each reason gets its own message)."""

    OPEN = "open"
    CANCELLED = "cancelled"
    STARTED = "started"
    CLOSED = "closed"  # the registration deadline has passed; the event has not started


def registration_deadline(event: Event) -> datetime:
    """Registration closes at `registration_closes`, or at the start when none is given."""
    return event.registration_closes or event.starts_at


def registration(event: Event, now: datetime) -> Registration:
    if event.status == "cancelled":
        return Registration.CANCELLED
    if now >= event.starts_at:
        return Registration.STARTED
    if now >= registration_deadline(event):
        return Registration.CLOSED
    return Registration.OPEN


def is_upcoming(event: Event, now: datetime) -> bool:
    """Published and not yet started: what people are offered."""
    return event.status == "published" and event.starts_at > now


Seat = Literal["confirmed", "waiting"]


def seat_for(confirmed: int, capacity: int | None) -> Seat:
    """A newcomer's place: a seat while fewer than `capacity` are confirmed (no capacity: no
    limit), else the waiting list. Counted and applied in one transaction on the writer."""
    if capacity is None or confirmed < capacity:
        return "confirmed"
    return "waiting"
