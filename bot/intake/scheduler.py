"""Timed work for a person, run in that person's order.

A reminder or a waiting-list promotion must not race the person's own taps (a promotion and a
cancellation handled at once would both see the seat free). So a job does not run from a timer:
when it falls due it is moved into the inbox, in one transaction, and the intake runs it like
an update from that person, after what they sent before and before what they send next.

Jobs live in the database (`jobs`), so a restart neither drops nor repeats one: a job is either
still scheduled or in the inbox, where it is handled at least once (a job handler, like an
update handler, must be safe to run again after a kill).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.intake.queue import Intake
from bot.services.clock import Clock
from bot.storage.jobs import MOVE_AT_ONCE, JobRepository

log = logging.getLogger(__name__)

# How often to look for due work at most. Tests move time with the clock and call `run_due`.
TICK = timedelta(seconds=30)

# Work derived from the data rather than scheduled (event reminders): called with the time at
# every look, it adds the jobs that have fallen due and returns how many.
Source = Callable[[datetime], Awaitable[int]]


class Scheduler:
    def __init__(self, jobs: JobRepository, intake: Intake, clock: Clock) -> None:
        self.jobs = jobs
        self.intake = intake
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sources: list[Source] = []

    def add_source(self, source: Source) -> None:
        """Ask `source` for due work at every look, before due jobs are moved to the inbox."""
        self._sources.append(source)

    async def schedule(
        self, person: int, name: str, due_at: datetime, data: dict[str, Any] | None = None
    ) -> int:
        """Run job `name` for `person` at `due_at` (or at once, if that has passed)."""
        job_id = await self.jobs.add(person, name, dict(data or {}), due_at, self.clock.now())
        self._wake.set()  # it may be due sooner than the loop was going to look
        return job_id

    async def run_due(self) -> int:
        """Move every job due by now into the inbox; returns how many."""
        now = self.clock.now()
        for source in self._sources:
            try:
                await source(now)
            except Exception:  # one failing source must not hold up jobs already scheduled
                log.exception("Cannot look for due work in %r; trying again shortly", source)
        total = 0
        while True:
            moved = await self.jobs.move_due(self.clock.now())
            total += moved
            if moved:
                self.intake.notify()
            if moved < MOVE_AT_ONCE:
                return total

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_due()
                wait = await self._until_next()
            except Exception:
                log.exception("Cannot move due jobs; trying again shortly")
                wait = TICK.total_seconds()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _until_next(self) -> float:
        due = await self.jobs.next_due()
        if due is None:
            return TICK.total_seconds()
        return max(0.0, min((due - self.clock.now()).total_seconds(), TICK.total_seconds()))
