"""What an event is. Every event passes these checks, however it was made."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core import regions
from bot.core.events.rules import schedule_problems
from bot.core.events.zones import zone_of
from bot.core.text import LocalText

Kind = Literal["dialog", "workshop", "pelatihan"]
Status = Literal["published", "cancelled"]
KINDS: Final[tuple[str, ...]] = get_args(Kind)

# A slug names an event for good (re-imports match on it) and will go into deep links
# (t.me/<bot>?start=..., at most 64 characters of [A-Za-z0-9_-]) with a short prefix.
SLUG: Final = r"^[a-z0-9][a-z0-9_-]*$"
MAX_SLUG: Final = 48
# Sized for Telegram: a title goes on a button and in a list, and the details message (title,
# venue, time, description, seats) must stay well under Telegram's 4,096 characters.
MAX_TITLE: Final = 150
MAX_VENUE: Final = 200
MAX_DESCRIPTION: Final = 2000
MAX_TOPIC: Final = 50
MAX_TOPICS: Final = 20
# Far above any hall; keeps a typo such as 6000000 out (and every number inside SQLite's range).
MAX_CAPACITY: Final = 100_000


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int | None = None  # the database's; None until stored
    slug: Annotated[str, Field(pattern=SLUG, max_length=MAX_SLUG)]
    kind: Kind
    title: LocalText
    description: LocalText
    region: str  # Kemendagri code of a kabupaten/kota ("53.71") or a province ("53")
    venue: Annotated[str, Field(min_length=1, max_length=MAX_VENUE)]
    # The IANA zone of the region's province: the local times were meant in it, and are shown
    # in it to everyone, wherever they are.
    zone: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    registration_closes: AwareDatetime | None = None
    capacity: Annotated[int, Field(gt=0, le=MAX_CAPACITY)] | None = None  # None: no limit
    topics: tuple[Annotated[str, Field(min_length=1, max_length=MAX_TOPIC)], ...] = Field(
        default=(), max_length=MAX_TOPICS
    )
    status: Status = "published"

    @field_validator("starts_at", "ends_at", "registration_closes")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # One representation whatever zone it came in: comparisons and storage stay simple.
        return None if value is None else value.astimezone(UTC)

    @field_validator("title", "description")
    @classmethod
    def _text_sizes(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        limit = MAX_TITLE if info.field_name == "title" else MAX_DESCRIPTION
        for language, text in value.items():
            if len(text) > limit:
                raise ValueError(f"the {language} text is longer than {limit} characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if regions.by_code(self.region) is None:
            raise ValueError(f"unknown region code {self.region!r}")
        if self.zone != zone_of(self.region):
            raise ValueError(f"region {self.region} keeps {zone_of(self.region)}, not {self.zone}")
        problems = schedule_problems(self.starts_at, self.ends_at, self.registration_closes)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def region_name(self) -> str:
        region = regions.by_code(self.region)
        return region.name if region else self.region

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)
