"""Composing a broadcast (/umumkan): who an audience is, how many, how long, and confirming it.

Confirming writes the broadcast and one delivery per recipient (`Outbox.create`, one
transaction); the caller then wakes the sender (`Services.sender.wake`). A confirm is made once per draft: the draft's number rides
in the broadcast's audience JSON, so the same confirm handled again (a double tap, or an
update handled again after a crash) finds the broadcast it made instead of making another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.audience import Audience, Kind, eta
from bot.services.clock import Clock
from bot.services.people import EVENTS_PURPOSE, SURVEY_PURPOSE
from bot.services.subscriptions import SubscriptionService
from bot.storage import audiences
from bot.storage.audiences import AudienceRepository, Recipients
from bot.storage.outbox import Content, Outbox


class Confirming(StrEnum):
    CREATED = "created"
    ALREADY = "already"  # this draft was confirmed before: nothing new was written
    NOBODY = "nobody"  # the audience is empty: nothing was written
    PAST = "past"  # the scheduled time has passed since it was typed: nothing was written


@dataclass(frozen=True)
class Confirmed:
    outcome: Confirming
    broadcast_id: int = 0
    count: int = 0


class BroadcastService:
    def __init__(
        self,
        repo: AudienceRepository,
        outbox: Outbox,
        clock: Clock,
        per_second: float,
    ) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock
        self.per_second = per_second

    @staticmethod
    def recipients(audience: Audience) -> Recipients:
        """The query selecting the audience's person ids."""
        if audience.kind is Kind.EVENT:
            return audiences.registrants(audience.event_id or 0, EVENTS_PURPOSE)
        if audience.kind is Kind.SURVEY:
            return audiences.respondents(audience.survey_id or "", SURVEY_PURPOSE)
        if audience.kind is Kind.UNFINISHED:
            return audiences.unfinished(audience.survey_id or "", SURVEY_PURPOSE)
        topic = audience.topic if audience.kind is Kind.TOPIC else None
        region = audience.region if audience.kind in (Kind.TOPIC, Kind.REGION) else None
        found = SubscriptionService.audience(topic, region)
        return Recipients(found.sql, found.params)

    async def count(self, audience: Audience) -> int:
        found = self.recipients(audience)
        return await self.repo.count(found.sql, found.params)

    async def members(self, audience: Audience) -> list[int]:
        found = self.recipients(audience)
        return await self.repo.members(found.sql, found.params)

    def eta(self, count: int) -> timedelta:
        """At the configured pace (BROADCAST_PER_SECOND), quiet hours aside."""
        return eta(count, self.per_second)

    async def confirm(
        self,
        *,
        staff: int,
        draft: int,
        content: Content,
        audience: Audience,
        quiet_hours: bool,
        scheduled_at: datetime | None,
        locale: str,
    ) -> Confirmed:
        """Record the broadcast and its deliveries; see the module."""
        made = await self.repo.broadcast_of_draft(staff, draft)
        if made is not None:
            return Confirmed(Confirming.ALREADY, *made)
        now = self.clock.now()
        if scheduled_at is not None and scheduled_at <= now:
            return Confirmed(Confirming.PAST)
        found = self.recipients(audience)
        if await self.repo.count(found.sql, found.params) == 0:
            return Confirmed(Confirming.NOBODY)
        broadcast_id, count = await self.outbox.create(
            created_by=staff,
            content=content,
            recipients=found.sql,
            params=found.params,
            audience={**audience.to_json(), "draft": draft},
            quiet_hours=quiet_hours,
            scheduled_at=scheduled_at,
            locale=locale,
            now=now,
        )
        return Confirmed(Confirming.CREATED, broadcast_id, count)
