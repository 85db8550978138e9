"""Process updates concurrently across people but strictly in order for each person.

Hundreds of respondents answer at once at an event, so updates run concurrently. One person's
double tap or quick two messages must still be handled one after the other, or both would be
applied to the same question.

PTB takes a concurrency slot *before* calling us, so a person who sends hundreds of messages
would fill every slot with updates queued behind their own lock and stall everyone else. PTB's
limit is therefore set very high, and the real limit is a semaphore taken only once an update
holds its person's lock: waiting in line for yourself costs nobody else a slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

_UNLIMITED = 1 << 20


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(_UNLIMITED)
        self.limit = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:  # asyncio.Lock is FIFO: updates keep their order
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
