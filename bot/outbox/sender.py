"""The broadcast sender: takes pending deliveries from the outbox and copies the broadcast's
message to each recipient, within Telegram's limits by design.

- A global pace (BROADCAST_PER_SECOND, a leaky bucket of one message every 1/rate seconds from
  aiolimiter, so there is no burst at the start) and at most one message a second to one chat.
- A 429 closes a gate that every worker passes before sending: all sending waits its
  retry_after, then the refused message is tried again (a 429 is not the message's fault).
- 5xx and network errors are tried again with a growing pause, at most RETRIES times, then the
  delivery is recorded failed with the reason. 403 and "chat not found" record it skipped and
  the person unreachable: nothing more is sent to them, and it is not tried again.
- At most CONCURRENCY messages are in flight, each from before it is sent until its outcome is
  committed. A delivery is recorded only after Telegram answered, so a hard kill can send again
  at most the ones in flight at that moment.

Broadcast messages do not go through PTB's rate limiter (AIORateLimiter, which paces the
interactive replies): they are posted straight on the bot's request object. So a reply to a
person never queues behind a broadcast; the broadcast only ever has CONCURRENCY messages
outstanding, and its pace is set below Telegram's global limit to leave room for replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.services.clock import Clock
from bot.storage.outbox import Delivery, Outbox, Outcome

log = logging.getLogger(__name__)

CONCURRENCY = 8
RETRIES = 3  # tries after the first, for 5xx and network errors
BACKOFF = 1.0  # seconds before the first retry; doubles each time
PER_CHAT = 1.0  # seconds between two messages to one chat
CLAIM = 200  # deliveries read per look at the outbox
POLL = 1.0  # seconds between looks when nothing is pending (scheduled broadcasts fall due)

Sleep = Callable[[float], Awaitable[None]]


def _seconds(error: RetryAfter) -> float:
    # PTB 22 warns that retry_after becomes a timedelta; either is read the same.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        retry_after: int | timedelta = error.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        *,
        per_second: float,
        paid: bool = False,
        concurrency: int = CONCURRENCY,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.per_second = per_second
        self.paid = paid  # Telegram's paid broadcasts: up to 1,000 a second, charged in Stars
        self.concurrency = concurrency
        self.sleep = sleep
        self.monotonic = monotonic
        self._pace = AsyncLimiter(1, 1 / per_second)
        self._slots = asyncio.Semaphore(concurrency)
        self._open = asyncio.Event()  # closed while a 429's retry_after runs
        self._open.set()
        self._last_sent: dict[int, float] = {}
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._asked = 0
        self._answered = 0
        self._answers = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._bot: Bot | None = None
        self._stopping = False

    # -- life --------------------------------------------------------------------------

    def start(self, bot: Bot) -> None:
        """Start working through the outbox. Unfinished broadcasts resume by construction:
        their pending rows are in the database."""
        self._bot = bot
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="broadcast-sender")

    async def stop(self, grace: float = 2.0) -> None:
        """Take no more deliveries, give those in flight `grace` seconds, record what came of
        them. Any still unanswered stay pending and go out after the next start."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        for task in list(self._in_flight.values()):
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._task = None

    def wake(self) -> None:
        """Look at the outbox now (a broadcast was created or resumed)."""
        self._wake.set()

    async def idle(self) -> None:
        """Wait until nothing due is pending or in flight, every outcome recorded (for tests
        and for a staff summary)."""
        if self._task is None:  # not running: nothing will go out
            return
        self._asked += 1
        target = self._asked
        self._wake.set()
        while self._answered < target:
            self._answers.clear()
            await self._answers.wait()

    # -- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        after = 0
        while not self._stopping:
            seen = self._asked if after == 0 else None
            claimed = await self.outbox.claim(self.clock.now(), after, CLAIM)
            claimed = [d for d in claimed if d.id not in self._in_flight]
            if not claimed:
                if after:  # the end of a pass: let it finish, then look again from the start
                    await self._drain()
                    await self.outbox.finish_done()
                    after = 0
                    continue
                if seen is not None:
                    self._answered = seen
                    self._answers.set()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL)
                continue
            after = claimed[-1].id
            for delivery in claimed:
                await self._slots.acquire()
                if self._stopping:
                    self._slots.release()
                    break
                task = asyncio.create_task(self._deliver(delivery))
                self._in_flight[delivery.id] = task
                task.add_done_callback(partial(self._landed, delivery.id))

    def _landed(self, delivery: int, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(delivery, None)

    async def _drain(self) -> None:
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    # -- one delivery ------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            outcome = await self._attempts(delivery)
            # Recorded before the slot is given back: a message Telegram accepted but not yet
            # recorded is always one of the CONCURRENCY in flight, which is the whole bound on
            # what a hard kill can repeat. The writes of the deliveries in flight are committed
            # together (the database's group commit), so this costs no fsync per message.
            await self.outbox.record([outcome], self.clock.now())
        except Exception as exc:  # a bug must not stop the sender; the row stays pending
            log.exception("Broadcast delivery %s failed unexpectedly: %s", delivery.id, exc)
        finally:
            self._slots.release()

    async def _attempts(self, delivery: Delivery) -> Outcome:
        attempts = delivery.attempts
        failures = 0
        while True:
            await self._open.wait()
            await self._per_chat(delivery.person)
            await self._pace.acquire()
            await self._open.wait()  # a 429 may have come while this one waited its turn
            attempts += 1
            try:
                await self._copy(delivery)
            except RetryAfter as exc:
                attempts -= 1  # Telegram's pacing, not this message's fault
                await self._pause(_seconds(exc))
                continue
            except Forbidden as exc:
                return Outcome(delivery.id, delivery.person, "skipped", attempts, str(exc))
            except BadRequest as exc:
                status = "skipped" if "chat not found" in str(exc).lower() else "failed"
                return Outcome(delivery.id, delivery.person, status, attempts, str(exc))
            except NetworkError as exc:  # 5xx, TimedOut, connection errors
                failures += 1
                if failures > RETRIES:
                    return Outcome(delivery.id, delivery.person, "failed", attempts, str(exc))
                log.info("Broadcast copy %s failed (%r); trying again", delivery.id, exc)
                await self.sleep(BACKOFF * 2 ** (failures - 1))
                continue
            return Outcome(delivery.id, delivery.person, "sent", attempts)

    async def _pause(self, seconds: float) -> None:
        """Stop every worker for `seconds` (one pause for many 429s at once)."""
        if not self._open.is_set():
            await self._open.wait()
            return
        self._open.clear()
        log.warning("Telegram asked to wait %.0f s: broadcast sending paused", seconds)
        try:
            await self.sleep(seconds)
        finally:
            self._open.set()

    async def _per_chat(self, chat: int) -> None:
        # The chat's next turn is taken before waiting for it: two deliveries to one chat in
        # flight together (two broadcasts) then go a second apart, not both at once.
        now = self.monotonic()
        turn = max(now, self._last_sent.get(chat, now - PER_CHAT) + PER_CHAT)
        self._last_sent[chat] = turn
        if turn > now:
            await self.sleep(turn - now)
        if len(self._last_sent) > 10_000:  # forget chats not sent to in the last second
            cutoff = self.monotonic() - PER_CHAT
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > cutoff}

    async def _copy(self, delivery: Delivery) -> Any:
        """copyMessage, posted straight on the bot's request object: PTB's rate limiter (which
        paces interactive replies) is not in the way, and Telegram's answer is not parsed into
        objects. Telegram's errors arrive as PTB's exceptions all the same."""
        assert self._bot is not None
        bot = self._bot
        parameters = [
            RequestParameter("chat_id", delivery.person, None),
            RequestParameter("from_chat_id", delivery.from_chat_id, None),
            RequestParameter("message_id", delivery.message_id, None),
        ]
        if self.paid:
            parameters.append(RequestParameter("allow_paid_broadcast", True, None))
        data = RequestData(parameters)
        return await bot.request.post(f"{bot.base_url}/copyMessage", data)
