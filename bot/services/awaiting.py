"""Which feature owns a person's next typed message.

A feature that asks a person to type something (a staff wizard: "type the venue") says so here,
with its progress; the input router then hands what they type to that feature, even after a
restart. When nothing is awaited, the survey owns typed input. Stored before the question is
shown, like every survey step; cached for the most recently active people (one process owns
the database, so the cache is never behind it).
"""

from __future__ import annotations

from typing import Any

from cachetools import LRUCache

from bot.services.clock import Clock
from bot.storage.awaiting import Awaiting, AwaitingRepository

CACHED_PEOPLE = 20_000


class AwaitingService:
    def __init__(self, repository: AwaitingRepository, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock
        self._cache: LRUCache[int, Awaiting | None] = LRUCache(CACHED_PEOPLE)

    async def current(self, user_id: int) -> Awaiting | None:
        if user_id not in self._cache:
            self._cache[user_id] = await self.repository.get(user_id)
        return self._cache[user_id]

    async def expect(self, user_id: int, feature: str, state: dict[str, Any] | None = None) -> None:
        """From now on, what the person types goes to `feature` (with its progress, `state`)."""
        awaiting = Awaiting(feature, self.clock.now(), dict(state or {}))
        await self.repository.put(user_id, awaiting)
        self._cache[user_id] = awaiting

    async def done(self, user_id: int, feature: str) -> None:
        """The feature has what it asked for; typed input goes back to the survey."""
        await self.repository.clear(user_id, feature)
        current = self._cache.get(user_id)
        if current is None or current.feature == feature:
            self._cache[user_id] = None

    def forget(self, user_id: int) -> None:
        """Drop the cached entry (after the person's data was erased)."""
        self._cache.pop(user_id, None)
