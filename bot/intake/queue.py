"""Durable intake: updates are stored, then handled concurrently across people but strictly in
order for each person, with bounded memory and concurrency.

Why stored first: python-telegram-bot's polling confirms a batch to Telegram as soon as it has
fetched it and keeps it in memory; a kill then loses every update not yet handled. Here a batch
is committed to the `inbox` table before Telegram is told it arrived (see `polling`), and a row
is marked handled only after its handler has finished (the handler's own writes are committed
first). After any kill the unhandled rows are handled at the next start; the few that were in
flight at the kill (at most `concurrency`) run again, which the survey's update-id guard makes
harmless.

Why per person: one person's double tap or two quick messages must be applied one after the
other, or both would answer the same question. Across people, everything runs at once.

Why bounded: 100,000 people writing at once must not become 100,000 tasks or rows in memory.
The backlog stays in the database; memory holds a window of rows (`window`) and at most
`concurrency` handlers. A person who floods the bot gets at most `per_person` rows loaded; their
next ones are fetched from the database only when those are done, so they never fill the window
and hold everyone else back.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.intake.flood import FloodGuard, marker, sent_at
from bot.services.clock import Clock
from bot.storage.inbox import Arrival, Inbox, Stored

log = logging.getLogger(__name__)

Handler = Callable[[str], Awaitable[None]]


class Unfinished(Exception):
    """Raised by a handler that could not finish for a reason outside the update (the bot is
    stopping because Telegram rejected its token, so the reply never went out): the update
    stays stored and is handled again at the next start."""


def person_of(update: dict[str, Any]) -> int:
    """Whose order an update keeps: the sender, else the chat; 0 for the rare update with
    neither (they are then handled one at a time, which is safe)."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or value.get("user") or {}
        chat = value.get("chat") or (value.get("message") or {}).get("chat") or {}
        for found in (sender.get("id"), chat.get("id")):
            if isinstance(found, int):
                return found
    return 0


def arrival(update: dict[str, Any]) -> Arrival:
    return Arrival(int(update["update_id"]), person_of(update), json.dumps(update))


class Intake:
    def __init__(
        self,
        inbox: Inbox,
        clock: Clock,
        *,
        concurrency: int = 256,
        window: int = 2048,
        per_person: int = 8,
        flood: FloodGuard | None = None,
    ) -> None:
        self.inbox = inbox
        self.flood = flood
        self.clock = clock
        self.concurrency = concurrency
        self.window = window
        self.per_person = per_person
        self._handle: Handler | None = None
        self._queues: dict[int, deque[Stored]] = {}  # loaded, not started, per person
        self._ready: deque[int] = deque()  # people with a loaded row and none in flight
        self._flying: dict[int, asyncio.Task[None]] = {}  # person -> their running handler
        self._beyond: dict[int, int] = {}  # person -> seq of their last loaded row; more wait
        self._refills: deque[int] = deque()  # people in _beyond whose loaded rows are done
        self._handled: list[int] = []  # seqs finished since the last bookkeeping write
        self._loaded = 0
        self._cursor = 0  # every pending row up to this seq has been seen by the scan
        self._more = True  # the last scan may not have reached the end of the backlog
        self._stored = 0  # batches stored so far: a scan racing a store must look again
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None

    # -- in ----------------------------------------------------------------------------------

    async def accept(self, updates: Sequence[dict[str, Any]]) -> None:
        """Store updates durably; when this returns, they survive any kill."""
        if not updates:
            return
        now = self.clock.now()
        await self.inbox.store([self._admit(u, now.timestamp()) for u in updates], now)
        self.notify()

    def _admit(self, update: dict[str, Any], arrived: float) -> Arrival:
        """The update as stored: itself, or, from someone flooding the bot, a marker without
        its content that at most tells them to slow down (see `bot.intake.flood`)."""
        found = arrival(update)
        if self.flood is None:
            return found
        verdict = self.flood.judge(found.person, sent_at(update, arrived))
        if verdict.admitted:
            return found
        stand_in = marker(update, found.person, verdict.notify)
        return Arrival(found.update_id, found.person, json.dumps(stand_in))

    def notify(self) -> None:
        """Rows were added to the inbox (updates, or scheduled work that fell due): look."""
        self._stored += 1
        self._more = True
        self._idle.clear()
        self._wake.set()

    # -- running -----------------------------------------------------------------------------

    def start(self, handle: Handler) -> None:
        self._handle = handle
        self._stopping = False
        self._loop_task = asyncio.create_task(self._run(), name="intake")

    async def stop(self, grace: float) -> None:
        """Start nothing new; give running handlers `grace` seconds, then cancel them. What is
        not finished stays in the inbox for the next start."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
            self._loop_task = None
        running = list(self._flying.values())
        if running:
            _done, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning(
                    "Stopped %d updates mid-way; they run again at the next start", len(late)
                )
        self._mark_handled()

    def _mark_handled(self) -> None:
        """One bookkeeping write for every update finished since the last: queued behind the
        handlers' own writes, so it never commits before them."""
        if self._handled:
            self.inbox.handled(self._handled, self.clock.now())
            self._handled = []

    async def idle(self) -> None:
        """Wait until everything stored so far has been handled and marked so (tests,
        benchmarks)."""
        await self._idle.wait()
        await self.inbox.settled()

    @property
    def in_flight(self) -> int:
        return len(self._flying)

    async def _run(self) -> None:
        """The one task that reads the inbox and starts handlers (so reads never race)."""
        while not self._stopping:
            self._wake.clear()
            self._mark_handled()
            try:
                while self._refills and not self._stopping:
                    await self._refill(self._refills[0])
                    self._refills.popleft()
                # Scan on while rows are skipped (a flood from one person) and the window is low.
                while self._more and self._loaded < self.window // 2 and not self._stopping:
                    await self._scan()
            except Exception:
                # The database could not be read (disk trouble): nothing is lost, it is all
                # still stored. Try again shortly rather than stop handling for good.
                log.exception("Cannot read the inbox; trying again in a second")
                await asyncio.sleep(1)
                continue
            self._launch()
            if not (self._flying or self._loaded or self._beyond or self._more or self._refills):
                self._mark_handled()
                self._idle.set()
            if not self._wake.is_set() and not self._stopping:
                await self._wake.wait()

    async def _scan(self) -> None:
        """Load the next rows of the backlog, skipping people who already have enough loaded."""
        stored, limit = self._stored, self.window - self._loaded
        rows = await self.inbox.pending(self._cursor, limit)
        self._more = len(rows) == limit or stored != self._stored
        for row in rows:
            self._cursor = row.seq
            queue = self._queues.get(row.person)
            if row.person in self._beyond:
                continue  # fetched in order from the database once their loaded rows are done
            if queue is not None and len(queue) >= self.per_person:
                self._beyond[row.person] = queue[-1].seq
                continue
            self._enqueue(row)

    def _enqueue(self, row: Stored) -> None:
        queue = self._queues.setdefault(row.person, deque())
        if not queue and row.person not in self._flying:
            self._ready.append(row.person)
        queue.append(row)
        self._loaded += 1

    def _launch(self) -> None:
        while self._ready and len(self._flying) < self.concurrency and not self._stopping:
            person = self._ready.popleft()
            row = self._queues[person].popleft()
            self._loaded -= 1
            task = asyncio.create_task(self._one(row), name=f"update-{row.seq}")
            self._flying[person] = task

    async def _one(self, row: Stored) -> None:
        assert self._handle is not None
        finished = False
        try:
            await self._handle(row.body)
            finished = True
        except Unfinished:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            # The handler's own errors are reported by the application; this is a bug in the
            # intake's path (say, an update that cannot be parsed). Marked handled all the same:
            # retrying it at every start would never succeed.
            log.exception("Could not handle stored update %d", row.seq)
            finished = True
        finally:
            if finished:
                self._handled.append(row.seq)
            self._flying.pop(row.person, None)
            if not self._stopping:
                self._next_for(row.person)
            self._wake.set()

    def _next_for(self, person: int) -> None:
        if self._queues.get(person):
            self._ready.append(person)
            return
        self._queues.pop(person, None)
        if person in self._beyond:
            self._refills.append(person)  # read by the loop, the only reader

    async def _refill(self, person: int) -> None:
        """Load a flooding person's next rows, in order, up to where the scan has reached (the
        scan skips their rows while they are in `_beyond`, and loads the rest once not)."""
        rows = await self.inbox.pending_of(
            person, self._beyond[person], self._cursor, self.per_person
        )
        for row in rows:
            self._enqueue(row)
        if len(rows) < self.per_person:
            del self._beyond[person]
        else:
            self._beyond[person] = rows[-1].seq
