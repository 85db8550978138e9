"""Quiet hours: the part of the night in which no announcement reaches a person, in their zone.

Indonesia spans three zones (WIB, WITA, WIT), so 21.30 in Jakarta is 23.30 in Jayapura: one
broadcast meets some recipients awake and others asleep. Each delivery carries its recipient's
zone; this module says, for a moment, which zones are quiet now and when a zone's quiet hours
end, so the outbox can leave the sleeping ones for the morning and staff see how long they wait.

Pure: no clock, no Telegram, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2})(?:[.:](\d{2}))?\s*-\s*(\d{1,2})(?:[.:](\d{2}))?\s*$")


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time, nothing is delivered. `start` after `end` spans
    midnight (21.00-06.00, the default); `start` before `end` is a span within one day."""

    start: time = time(21)
    end: time = time(6)

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """ "21-6", "21.30-6", "21:00-06:00"; empty: no quiet hours (None). ValueError else."""
        if not text.strip():
            return None
        found = _SPAN.match(text)
        if found is None:
            raise ValueError("not a span of hours like 21-6")
        h1, m1, h2, m2 = (int(part or 0) for part in found.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError("hours run from 0 to 23, minutes from 0 to 59")
        if (h1, m1) == (h2, m2):
            raise ValueError("the span is empty")
        return cls(time(h1, m1), time(h2, m2))

    def is_quiet(self, moment: datetime, zone: tzinfo | str) -> bool:
        """Whether `moment` (aware) falls in quiet hours where `zone` keeps its clocks."""
        local = moment.astimezone(_zone(zone)).time().replace(tzinfo=None)
        if self.start > self.end:  # across midnight
            return local >= self.start or local < self.end
        return self.start <= local < self.end

    def quiet_zones(self, moment: datetime, zones: Iterable[str]) -> frozenset[str]:
        """Which of `zones` (IANA names) are in quiet hours at `moment`."""
        return frozenset(zone for zone in zones if self.is_quiet(moment, zone))

    def ends(self, moment: datetime, zone: tzinfo | str) -> datetime:
        """When the quiet hours around `moment` end in `zone` (aware, in that zone); `moment`
        itself if it is not quiet there. For "waits until 06.00" and a broadcast's ETA."""
        where = _zone(zone)
        local = moment.astimezone(where)
        if not self.is_quiet(moment, where):
            return local
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:  # 22.00 now, quiet ends tomorrow at 06.00
            end = (local + timedelta(days=1)).replace(
                hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
            )
        # Rebuilt from the wall clock, so a zone with a daylight-saving change that night
        # (none in Indonesia; a bot's TIMEZONE may be elsewhere) still gets the right hour.
        return datetime.combine(end.date(), end.time(), where)

    def describe(self) -> str:
        """ "21.00-06.00", the way the programme writes times."""
        return f"{self.start:%H.%M}-{self.end:%H.%M}"


def _zone(zone: tzinfo | str) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone
