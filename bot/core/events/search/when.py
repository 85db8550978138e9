"""Time in a question: a window of dates from a named span ("minggu depan") or a month, in the
person's own zone. Calendar arithmetic only, apart from the words that name it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Events starting from `start` (inclusive) to `end` (exclusive)."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def join(self, other: Window | None) -> Window:
        if other is None:
            return self
        return Window(min(self.start, other.start), max(self.end, other.end))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return _midnight(date(year, month, 1), zone)


def span(name: str, now: datetime, zone: ZoneInfo) -> Window:
    """A named span of time ("next_week") around `now`, in the person's zone. Weeks start on
    Monday, as Indonesian calendars have them."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    match name:
        case "today":
            return Window(_midnight(today, zone), _midnight(today + timedelta(1), zone))
        case "tomorrow":
            return Window(
                _midnight(today + timedelta(1), zone), _midnight(today + timedelta(2), zone)
            )
        case "day_after":
            return Window(
                _midnight(today + timedelta(2), zone), _midnight(today + timedelta(3), zone)
            )
        case "this_week":
            return Window(_midnight(today, zone), _midnight(monday + timedelta(7), zone))
        case "next_week":
            return Window(
                _midnight(monday + timedelta(7), zone), _midnight(monday + timedelta(14), zone)
            )
        case "weekend":
            return Window(
                _midnight(monday + timedelta(5), zone), _midnight(monday + timedelta(7), zone)
            )
        case "this_month":
            return Window(_midnight(today, zone), _month_start(today.year, today.month + 1, zone))
        case "next_month":
            start = _month_start(today.year, today.month + 1, zone)
            return Window(start, _month_start(today.year, today.month + 2, zone))
        case "this_year":
            return Window(_midnight(today, zone), _month_start(today.year + 1, 1, zone))
        case _:  # next_year
            return Window(
                _month_start(today.year + 1, 1, zone), _month_start(today.year + 2, 1, zone)
            )


def month_window(month: int, year: int | None, now: datetime, zone: ZoneInfo) -> Window:
    """A month by name: the coming one of that name (December in November is this year's,
    January in December is next year's), or the year written after it."""
    today = now.astimezone(zone).date()
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    return Window(_month_start(year, month, zone), _month_start(year, month + 1, zone))
