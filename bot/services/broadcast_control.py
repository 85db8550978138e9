"""Running broadcasts as staff see them: where one stands, pausing, resuming and cancelling it,
and the list of past and running ones.

Every count is read from the delivery rows when it is asked for, so what staff see is what the
database holds, whichever process sent the copies and however often it restarted. (Only who
waits for their quiet hours is kept between two looks while the same zones sleep: nobody in a
sleeping zone is sent anything meanwhile.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.events.zones import ZONES
from bot.services.clock import Clock
from bot.storage.broadcasts import Action, Broadcast, BroadcastRepository, Counts
from bot.storage.outbox import Outbox

HISTORY_PAGE = 5


@dataclass(frozen=True)
class Progress:
    """One broadcast as its progress message shows it."""

    broadcast: Broadcast
    counts: Counts
    scheduled: bool  # confirmed for later and not begun: only cancelling makes sense
    waiting: int  # pending deliveries whose recipients are in their quiet hours now
    eta: datetime | None  # when the last copy should go, while it is sending
    failures: tuple[tuple[str, int], ...]  # why deliveries failed, once it is finished

    @property
    def state(self) -> str:
        """'scheduled', 'sending', 'paused', 'done' or 'cancelled'."""
        return "scheduled" if self.scheduled else self.broadcast.status

    @property
    def finished(self) -> bool:
        return self.broadcast.finished


@dataclass(frozen=True)
class HistoryPage:
    items: tuple[tuple[Broadcast, Counts], ...]
    page: int
    pages: int


class BroadcastControl:
    def __init__(
        self,
        broadcasts: BroadcastRepository,
        outbox: Outbox,
        clock: Clock,
        *,
        per_second: float,
    ) -> None:
        self.broadcasts = broadcasts
        self.outbox = outbox
        self.clock = clock
        self.per_second = per_second
        # Who waits for their quiet hours changes only when a zone falls asleep or wakes up
        # (their deliveries are not sent meanwhile): counted once per broadcast and set of
        # sleeping zones, not at every look.
        self._waiting: dict[int, tuple[frozenset[str], int]] = {}

    async def close(self) -> None:
        await self.broadcasts.close()

    async def get(self, broadcast: int) -> Broadcast | None:
        return await self.broadcasts.get(broadcast)

    async def progress(self, broadcast_id: int) -> Progress | None:
        broadcast = await self.broadcasts.get(broadcast_id)
        if broadcast is None:
            return None
        now = self.clock.now()
        counts = await self.broadcasts.counts(broadcast_id)
        due = broadcast.scheduled_at or broadcast.created_at
        scheduled = broadcast.status == "sending" and due > now
        asleep = self._asleep(now) if broadcast.quiet_hours else frozenset()
        waiting = 0
        if asleep and counts.pending and not broadcast.finished:
            waiting = await self._waiting_for(broadcast_id, asleep, now)
        eta = None
        if broadcast.status == "sending" and counts.pending:
            start = max(due, now)
            eta = start + self._taking(counts.pending - waiting)
            if waiting and self.outbox.quiet is not None:
                # The last to wake (WIB, an hour after WITA) get theirs last.
                wake = max(self.outbox.quiet.ends(now, zone) for zone in asleep)
                eta = max(eta, wake + self._taking(waiting))
            # Whole seconds: the minute shown does not flicker between two looks.
            eta = eta.replace(microsecond=0)
        failures: tuple[tuple[str, int], ...] = ()
        if broadcast.finished:
            self._waiting.pop(broadcast_id, None)
        if broadcast.finished and counts.failed:
            failures = tuple(await self.broadcasts.failures(broadcast_id))
        return Progress(broadcast, counts, scheduled, waiting, eta, failures)

    def _taking(self, copies: int) -> timedelta:
        """How long `copies` take at the broadcast pace (the sender keeps it exactly)."""
        return timedelta(seconds=math.ceil(max(copies, 0) / self.per_second))

    def _asleep(self, now: datetime) -> frozenset[str]:
        quiet = self.outbox.quiet
        if quiet is None:
            return frozenset()
        return quiet.quiet_zones(now, {*ZONES, self.outbox.zone})

    async def _waiting_for(self, broadcast: int, asleep: frozenset[str], now: datetime) -> int:
        known = self._waiting.get(broadcast)
        if known is not None and known[0] == asleep:
            return known[1]
        count = await self.outbox.waiting_for_quiet(broadcast, now)
        self._waiting[broadcast] = (asleep, count)
        return count

    async def watched(self) -> list[int]:
        """The broadcasts whose progress message is still kept up to date."""
        found = await self.broadcasts.watched()
        if any(b.status == "done" and b.finished_at is None for b in found):
            await self.broadcasts.stamp_finished(self.clock.now())
        return [b.id for b in found]

    # -- what staff do ---------------------------------------------------------------------

    async def pause(self, broadcast: int, actor: int) -> bool:
        """Nothing more goes out until it is resumed (the sender takes only 'sending' ones)."""
        return await self.outbox.set_status(broadcast, "paused", actor, self.clock.now())

    async def resume(self, broadcast: int, actor: int) -> bool:
        """Goes on where it stopped: its pending rows are exactly who is left (wake the sender
        for it to look at once)."""
        return await self.outbox.set_status(broadcast, "sending", actor, self.clock.now())

    async def cancel(self, broadcast: int, actor: int) -> bool:
        """Nothing more goes out; the pending rows stay as the record of who was not told."""
        return await self.outbox.set_status(broadcast, "cancelled", actor, self.clock.now())

    async def actions(self, broadcast: int) -> list[Action]:
        return await self.broadcasts.actions(broadcast)

    # -- the progress message --------------------------------------------------------------

    async def attach(self, broadcast: int, chat_id: int, message_id: int, locale: str) -> None:
        await self.broadcasts.attach(broadcast, chat_id, message_id, locale)

    async def summarised(self, broadcast: int) -> None:
        await self.broadcasts.summarised(broadcast, self.clock.now())

    # -- /siaran -----------------------------------------------------------------------------

    async def history(self, page: int) -> HistoryPage:
        """A page of broadcasts, newest first; a page out of range (an old button) is clamped."""
        _, total = await self.broadcasts.page(0, 0)
        pages = max(1, -(-total // HISTORY_PAGE))
        page = min(max(page, 0), pages - 1)
        found, _ = await self.broadcasts.page(page * HISTORY_PAGE, HISTORY_PAGE)
        items = tuple([(b, await self.broadcasts.counts(b.id)) for b in found])
        return HistoryPage(items, page, pages)
