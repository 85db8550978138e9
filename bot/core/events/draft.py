"""The staff wizard's steps, as a pure step machine: which question comes next and what an
answer (typed, read by answers.py, or a button) does to the draft. Nothing here knows Telegram
or the database.

The whole progress is a `Wizard`, stored as JSON (the awaiting state) after every step, so a
restart half-way resumes at the same step with what was typed. Times are kept as the staff typed
them, local to the event's region (naive "2026-12-15T09:00"), and get their zone only when the
event is built: a region changed later keeps the wall-clock times staff meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.core import regions
from bot.core.events import answers
from bot.core.events.answers import (
    Problem,
    Refused,
    parse_capacity,
    parse_end,
    parse_local,
    parse_topics,
)
from bot.core.events.model import (
    KINDS,
    MAX_DESCRIPTION,
    MAX_TITLE,
    MAX_VENUE,
    Event,
)
from bot.core.events.zones import zone_of


class Step(StrEnum):
    """One question of the wizard. Values go into buttons (short, and kept once sent)."""

    TITLE_ID = "ti"
    TITLE_EN = "te"
    KIND = "k"
    REGION = "r"
    VENUE = "v"
    STARTS = "s"
    ENDS = "e"
    CAPACITY = "c"
    CLOSES = "d"
    TOPICS = "tp"
    DESCRIPTION_ID = "di"
    DESCRIPTION_EN = "de"
    PREVIEW = "p"  # every answer given: the event as people will see it


STEPS: Final = tuple(s for s in Step if s is not Step.PREVIEW)


class Part(StrEnum):
    """What staff pick to change: one or a few steps asked again."""

    TITLE = "title"
    KIND = "kind"
    REGION = "region"
    VENUE = "venue"
    TIME = "time"
    CAPACITY = "capacity"
    CLOSES = "closes"
    TOPICS = "topics"
    DESCRIPTION = "description"


PART_STEPS: Final[dict[Part, tuple[Step, ...]]] = {
    Part.TITLE: (Step.TITLE_ID, Step.TITLE_EN),
    Part.KIND: (Step.KIND,),
    Part.REGION: (Step.REGION,),
    Part.VENUE: (Step.VENUE,),
    # A new start makes the old end and deadline meaningless: both are asked again.
    Part.TIME: (Step.STARTS, Step.ENDS, Step.CLOSES),
    Part.CAPACITY: (Step.CAPACITY,),
    Part.CLOSES: (Step.CLOSES,),
    Part.TOPICS: (Step.TOPICS,),
    Part.DESCRIPTION: (Step.DESCRIPTION_ID, Step.DESCRIPTION_EN),
}

# The answers each part holds.
PART_KEYS: Final[dict[Part, tuple[str, ...]]] = {
    Part.TITLE: ("title_id", "title_en"),
    Part.KIND: ("kind",),
    Part.REGION: ("region",),
    Part.VENUE: ("venue",),
    Part.TIME: ("starts", "ends", "closes"),
    Part.CAPACITY: ("capacity",),
    Part.CLOSES: ("closes",),
    Part.TOPICS: ("topics",),
    Part.DESCRIPTION: ("description_id", "description_en"),
}
LOCAL: Final = "%Y-%m-%dT%H:%M"
SEARCH_LIMIT: Final = 8


@dataclass
class Wizard:
    """A wizard's progress: the steps still to answer (the first is the one asked now) and the
    answers so far. `event_id` is set when a published event is being changed."""

    queue: list[Step] = field(default_factory=lambda: list(STEPS))
    values: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None
    province: str = ""  # the region step: a province picked, its kabupaten/kota shown
    page: int = 0  # the region step's page of buttons
    parts: list[Part] = field(default_factory=list)  # asked again since the wizard began

    @property
    def step(self) -> Step:
        return self.queue[0] if self.queue else Step.PREVIEW

    def state(self) -> dict[str, Any]:
        return {
            "queue": [s.value for s in self.queue],
            "values": self.values,
            "event_id": self.event_id,
            "province": self.province,
            "page": self.page,
            "parts": [p.value for p in self.parts],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Wizard | None:
        """None for a state this version cannot read (written by an older one)."""
        try:
            return cls(
                queue=[Step(s) for s in state["queue"]],
                values=dict(state["values"]),
                event_id=state.get("event_id"),
                province=str(state.get("province") or ""),
                page=int(state.get("page") or 0),
                parts=[Part(p) for p in state.get("parts") or ()],
            )
        except (KeyError, ValueError, TypeError):
            return None

    def change(self, part: Part) -> None:
        """Ask the steps of `part` again, then come back to the preview."""
        self.queue = list(PART_STEPS[part])
        self.province, self.page = "", 0
        if part not in self.parts:
            self.parts.append(part)

    def advance(self) -> None:
        self.queue.pop(0)
        self.province, self.page = "", 0

    # -- answers -----------------------------------------------------------------------------

    def typed(self, text: str, now: datetime) -> Refused | list[regions.Region] | None:
        """Apply a typed answer to the current step: None when taken (the wizard moved on),
        a refusal, or (at the region step) the regions the text may mean, to choose from."""
        step = self.step
        if step in _TEXTS:
            key, limit, lines = _TEXTS[step]
            value = answers.text(text, limit, lines)
            if isinstance(value, Refused):
                return value
            self.values[key] = value
        elif step is Step.KIND:
            kind = text.strip().casefold()
            if kind not in KINDS:
                return Refused(Problem.USE_BUTTONS)
            self.values["kind"] = kind
        elif step is Step.REGION:
            found = regions.search(text, self.province or None, limit=SEARCH_LIMIT)
            return found or Refused(Problem.REGION_NOT_FOUND)
        elif step is Step.STARTS:
            return self.set_start(parse_local(text), now)
        elif step is Step.ENDS:
            return self.set_end(parse_end(text, self.local("starts")))
        elif step is Step.CAPACITY:
            seats = parse_capacity(text)
            if isinstance(seats, Refused):
                return seats
            self.values["capacity"] = seats
        elif step is Step.CLOSES:
            return self.set_closes(parse_local(text), now)
        elif step is Step.TOPICS:
            topics = parse_topics(text)
            if isinstance(topics, Refused):
                return topics
            self.values["topics"] = list(topics)
        else:  # the preview waits for a button
            return Refused(Problem.USE_BUTTONS)
        self.advance()
        return None

    def skip(self) -> None:
        """ "Skip" where the wizard offers it: the English text is the Indonesian one, and an
        event may have no topics."""
        step = self.step
        if step is Step.TITLE_EN:
            self.values["title_en"] = self.values.get("title_id", "")
        elif step is Step.DESCRIPTION_EN:
            self.values["description_en"] = self.values.get("description_id", "")
        elif step is Step.TOPICS:
            self.values["topics"] = []
        else:
            return
        self.advance()

    def set_kind(self, kind: str) -> None:
        if kind in KINDS and self.step is Step.KIND:
            self.values["kind"] = kind
            self.advance()

    def set_region(self, code: str) -> bool:
        if self.step is not Step.REGION or regions.by_code(code) is None:
            return False
        self.values["region"] = code
        self.advance()
        return True

    def set_start(self, start: datetime | Refused, now: datetime) -> Refused | None:
        if isinstance(start, Refused):
            return start
        if self.aware(start) <= now:
            return Refused(Problem.IN_PAST)
        self.values["starts"] = start.strftime(LOCAL)
        self.advance()
        return None

    def set_end(self, end: datetime | Refused) -> Refused | None:
        if isinstance(end, Refused):
            return end
        if end <= self.local("starts"):
            return Refused(Problem.ENDS_NOT_AFTER_START)
        self.values["ends"] = end.strftime(LOCAL)
        self.advance()
        return None

    def end_after(self, hours: int) -> None:
        self.set_end(self.local("starts") + timedelta(hours=hours))

    def set_capacity(self, seats: int | None) -> None:
        self.values["capacity"] = seats
        self.advance()

    def set_closes(self, closes: datetime | Refused | None, now: datetime) -> Refused | None:
        """None: open until the start. A deadline after the start, or already passed (nobody
        could ever register), is refused."""
        if isinstance(closes, Refused):
            return closes
        if closes is not None:
            if closes > self.local("starts"):
                return Refused(Problem.CLOSES_AFTER_START)
            if self.aware(closes) <= now:
                return Refused(Problem.CLOSES_IN_PAST)
        self.values["closes"] = None if closes is None else closes.strftime(LOCAL)
        self.advance()
        return None

    def closes_before(self, days: int, now: datetime) -> Refused | None:
        return self.set_closes(self.local("starts") - timedelta(days=days), now)

    # -- reading -----------------------------------------------------------------------------

    def local(self, key: str) -> datetime:
        return datetime.strptime(self.values[key], LOCAL)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(zone_of(self.values["region"]))

    def aware(self, local: datetime) -> datetime:
        # Indonesia keeps no daylight saving time: every local time exists exactly once.
        return local.replace(tzinfo=self.zone()).astimezone(UTC)

    def event(self, slug: str = "draft", event_id: int | None = None) -> Event:
        """The event the answers make; pydantic's ValidationError if they do not (the steps
        check each answer, and the model checks everything again, however the event was made)."""
        v = self.values
        closes = v.get("closes")
        return Event(
            id=event_id,
            slug=slug,
            kind=v["kind"],
            title={"id": v["title_id"], "en": v["title_en"]},
            description={"id": v["description_id"], "en": v["description_en"]},
            region=v["region"],
            venue=v["venue"],
            zone=zone_of(v["region"]),
            starts_at=self.aware(self.local("starts")),
            ends_at=self.aware(self.local("ends")),
            registration_closes=None if closes is None else self.aware(self.local("closes")),
            capacity=v.get("capacity"),
            topics=tuple(v.get("topics") or ()),
        )

    @classmethod
    def editing(cls, event: Event, part: Part) -> Wizard:
        """A wizard that asks `part` of a published event again."""
        zone = event.zoneinfo

        def local(moment: datetime) -> str:
            return moment.astimezone(zone).strftime(LOCAL)

        closes = event.registration_closes
        values = {
            "title_id": event.title["id"],
            "title_en": event.title.get("en") or event.title["id"],
            "kind": event.kind,
            "region": event.region,
            "venue": event.venue,
            "starts": local(event.starts_at),
            "ends": local(event.ends_at),
            "capacity": event.capacity,
            "closes": None if closes is None else local(closes),
            "topics": list(event.topics),
            "description_id": event.description["id"],
            "description_en": event.description.get("en") or event.description["id"],
        }
        return cls(queue=list(PART_STEPS[part]), values=values, event_id=event.id, parts=[part])

    def onto(self, event: Event) -> Wizard:
        """The parts this wizard changed, applied to the event as it is stored now: another
        staff member may have changed other parts since this wizard read it, and saving must
        not put their old values back."""
        merged = Wizard.editing(event, Part.TITLE)
        for part in self.parts:
            for key in PART_KEYS[part]:
                merged.values[key] = self.values.get(key)
        merged.queue, merged.parts = list(self.queue), list(self.parts)
        return merged


_TEXTS: Final[dict[Step, tuple[str, int, bool]]] = {
    Step.TITLE_ID: ("title_id", MAX_TITLE, False),
    Step.TITLE_EN: ("title_en", MAX_TITLE, False),
    Step.VENUE: ("venue", MAX_VENUE, False),
    Step.DESCRIPTION_ID: ("description_id", MAX_DESCRIPTION, True),
    Step.DESCRIPTION_EN: ("description_en", MAX_DESCRIPTION, True),
}
