"""Who an announcement goes to, said in words, and how long sending it takes. Pure: no
Telegram, no database.

An `Audience` is what staff chose in /umumkan. It is stored with the broadcast as JSON
(`broadcasts.audience`, {"kind": ..., ...}), the record of to whom it went; the recipients
themselves are selected by the storage layer from it when the broadcast is confirmed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from babel.dates import format_timedelta

from bot.core import regions
from bot.core.announcements import TOPICS
from bot.i18n import Gettext


class Kind(StrEnum):
    """The kinds of audience. The values are stored in broadcasts.audience: they stay."""

    ALL = "all"  # every subscriber who chose a topic
    TOPIC = "topic"  # subscribers to a topic (optionally in a region: announcing an event)
    REGION = "region"  # subscribers in a province or kabupaten/kota, whatever their topics
    EVENT = "event"  # confirmed registrants of an event
    SURVEY = "survey"  # people who completed a survey
    UNFINISHED = "unfinished"  # people who started a survey and did not finish it


@dataclass(frozen=True)
class Audience:
    kind: Kind
    topic: str | None = None
    region: str | None = None  # a Kemendagri code
    event_id: int | None = None
    survey_id: str | None = None

    def __post_init__(self) -> None:
        needs = {
            Kind.TOPIC: self.topic in TOPICS,
            Kind.REGION: self.region is not None,
            Kind.EVENT: self.event_id is not None,
            Kind.SURVEY: bool(self.survey_id),
            Kind.UNFINISHED: bool(self.survey_id),
        }
        if not needs.get(self.kind, True):
            raise ValueError(f"an audience of kind {self.kind} lacks what it needs: {self}")
        if self.region is not None and regions.by_code(self.region) is None:
            raise ValueError(f"unknown region {self.region!r}")

    def to_json(self) -> dict[str, Any]:
        """As stored in broadcasts.audience: the kind and only what it uses."""
        found: dict[str, Any] = {"kind": self.kind.value}
        for name in ("topic", "region", "event_id", "survey_id"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        return found

    @classmethod
    def from_json(cls, data: object) -> Audience | None:
        """The audience `data` describes, or None for anything `to_json` would not write (a
        stored draft from an older version)."""
        if not isinstance(data, dict):
            return None
        try:
            event_id = data.get("event_id")
            return cls(
                Kind(str(data.get("kind"))),
                topic=_text_or_none(data.get("topic")),
                region=_text_or_none(data.get("region")),
                event_id=event_id if isinstance(event_id, int) else None,
                survey_id=_text_or_none(data.get("survey_id")),
            )
        except ValueError:
            return None


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def place_name(code: str | None, _: Gettext) -> str:
    found = regions.by_code(code) if code else None
    return found.name if found else _("All of Indonesia")


def describe(
    audience: Audience, _: Gettext, *, event_title: str = "", survey_title: str = ""
) -> str:
    """The audience in words, for the summary staff confirm and the list of broadcasts (plain
    text: escape it for HTML). Titles are looked up by the caller (they live in the database
    and the survey files)."""
    if audience.kind is Kind.ALL:
        return _("All subscribers")
    if audience.kind is Kind.TOPIC:
        topic = _(TOPICS[audience.topic or ""])
        if audience.region is None:
            return _("Subscribers to “{topic}”").format(topic=topic)
        return _("Subscribers to “{topic}” in {place}").format(
            topic=topic, place=place_name(audience.region, _)
        )
    if audience.kind is Kind.REGION:
        return _("Subscribers in {place}").format(place=place_name(audience.region, _))
    if audience.kind is Kind.EVENT:
        return _("Confirmed registrants of “{title}”").format(title=event_title)
    if audience.kind is Kind.SURVEY:
        return _("People who completed the survey “{title}”").format(title=survey_title)
    return _("People who started the survey “{title}” and did not finish it").format(
        title=survey_title
    )


def eta(count: int, per_second: float) -> timedelta:
    """How long `count` messages take at `per_second`, quiet hours aside: the sender keeps
    that pace exactly (it never bursts), so this is the time, not a guess."""
    if count <= 0:
        return timedelta(0)
    return timedelta(seconds=math.ceil(count / per_second))


def duration(delta: timedelta, locale: str) -> str:
    """ "2 menit", "10 jam", "5 detik": the nearest whole unit, as people say it."""
    return format_timedelta(max(delta, timedelta(seconds=1)), threshold=1, locale=locale)
