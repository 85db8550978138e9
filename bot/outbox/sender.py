"""The broadcast sender: takes pending deliveries from the outbox and copies the broadcast's
message to each recipient, within Telegram's limits by design.

- A global pace (BROADCAST_PER_SECOND, a leaky bucket of one message every 1/rate seconds from
  aiolimiter, so there is no burst at the start), at most one message a second to one chat and
  twenty a minute to one group (one every three seconds).
- Replies share that pace without waiting for it: every message the bot sends interactively
  (through PTB's rate limiter, `ReplyPressure`) takes a slot from the broadcast's bucket. So a
  reply never queues behind a broadcast, and replies plus broadcast stay under Telegram's global
  limit: while people are answered, the broadcast slows down by as many messages.
- A 429 closes a gate that every worker passes before sending: all sending waits its
  retry_after, then the refused message is tried again (a 429 is not the message's fault).
- 5xx and network errors are tried again with a growing pause, at most RETRIES times, then the
  delivery is recorded failed with the reason. 403 and "chat not found" record it skipped and
  the person unreachable: nothing more is sent to them, and it is not tried again.
- At most `concurrency` messages are in flight, each from before it is sent until its outcome is
  committed. A delivery is recorded only after Telegram answered, so a hard kill can send again
  at most the ones in flight at that moment. The number follows the rate (`concurrency_for`):
  the pace can only be kept if rate x round trip messages are out at once, so 8 at the default
  28 a second (enough up to a 285 ms round trip), 250 at paid broadcasts' 1,000 a second.
- Every copy carries one button, in the recipient's language: "🔕 Stop announcements", which
  opens the /berhenti question. Its two keyboards are encoded once, not per message.

Broadcast messages do not go through PTB's rate limiter (AIORateLimiter, which paces the
interactive replies): they are posted straight on the bot's request object. So a reply to a
person never queues behind a broadcast, which only ever has `concurrency` messages outstanding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.outbox.post import LeanRequest
from bot.services.clock import Clock
from bot.storage.outbox import Delivery, Outbox, Outcome

log = logging.getLogger(__name__)

CONCURRENCY = 8  # the fewest in flight, and the number at the default pace
ROUND_TRIP = 0.25  # seconds: a request to Telegram from Indonesia and its answer, generously
RETRIES = 3  # tries after the first, for 5xx and network errors
BACKOFF = 1.0  # seconds before the first retry; doubles each time
PER_CHAT = 1.0  # seconds between two messages to one chat
PER_GROUP = 3.0  # seconds between two messages to one group: Telegram allows 20 a minute
CLAIM = 200  # deliveries read per look at the outbox (at least twice the concurrency)
POLL = 1.0  # seconds between looks when nothing is pending (scheduled broadcasts fall due)

Sleep = Callable[[float], Awaitable[None]]


def concurrency_for(per_second: float) -> int:
    """How many copies must be in flight at once to keep `per_second` when each takes
    ROUND_TRIP to answer; never fewer than CONCURRENCY. It is also what a hard kill can repeat."""
    return max(CONCURRENCY, math.ceil(per_second * ROUND_TRIP))


@dataclass
class _Turn:
    """A chat's turn: its messages one at a time, and when the last was answered."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float | None = None
    users: int = 0  # deliveries holding or waiting for the lock


class Pace(AsyncLimiter):
    """aiolimiter's leaky bucket, and `spend`: a slot used elsewhere (a reply that went out),
    counted without waiting. The bucket may overflow; the broadcast then waits until it has
    leaked below one, so replies plus broadcast keep the broadcast's rate. aiolimiter has no
    public way to add without waiting, so this uses its bucket level (aiolimiter is pinned below
    2; tests/test_sender_limits.py's pace test fails if that ever stops working)."""

    def spend(self, amount: float = 1) -> None:
        self._leak()
        self._level += amount


class ReplyPressure(AIORateLimiter):
    """PTB's rate limiter for interactive messages, which also tells the broadcast pace about
    each one before it goes (`spend`), and about a 429 Telegram answered one with (`flooded`:
    its flood control covers the whole bot, so the broadcast waits too). The reply itself waits
    for nothing of the broadcast's."""

    def __init__(
        self,
        spend: Callable[[], None],
        flooded: Callable[[float], None] | None = None,
        **limits: Any,
    ) -> None:
        super().__init__(**limits)
        self._spend = spend
        self._flooded = flooded

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if data.get("chat_id") is not None:  # a message (or edit) in a chat: Telegram counts it
            self._spend()
        flooded = self._flooded
        if flooded is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def watched(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:
                flooded(_seconds(exc))
                raise

        return await super().process_request(watched, args, kwargs, endpoint, data, rate_limit_args)


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
        concurrency: int | None = None,
        way_out: Mapping[str, str] | None = None,
        default_locale: str = "id",
        lean: bool = True,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.per_second = per_second
        self.paid = paid  # Telegram's paid broadcasts: up to 1,000 a second, charged in Stars
        self.concurrency = concurrency or concurrency_for(per_second)
        self.lean = lean  # copies over bot/outbox/post.py, not the bot's HTTPXRequest
        self.sleep = sleep
        self.monotonic = monotonic
        # The "🔕 Stop announcements" keyboard by locale, as JSON (drawn by the conversation that
        # answers it, encoded once); None (benchmarks): copies without a button.
        self._way_out = {
            locale: RequestParameter("reply_markup", markup, None)
            for locale, markup in (way_out or {}).items()
        }
        self._default_locale = default_locale
        self._claim = max(CLAIM, 2 * self.concurrency)
        # Room for one: no burst, ever. A copy the event loop wakes late is not made up by the
        # next (that costs a little rate on a busy machine): making it up sends two closer than
        # 1/rate, and Telegram, counting arrivals, sees the jitter of the way there on top.
        self._pace = Pace(1, 1 / per_second)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._open = asyncio.Event()  # closed while a 429's retry_after runs
        self._open.set()
        self._chats: dict[int, _Turn] = {}
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Broadcasts paused or cancelled since their deliveries were claimed: those not yet
        # on their way stay pending (a claim is up to a few hundred copies, seconds of sending).
        # Each maps to the number of claims begun when it was halted: a claim begun after
        # that which still finds the broadcast 'sending' means it was resumed since.
        self._halted: dict[int, int] = {}
        self._claims = 0
        self._wake = asyncio.Event()
        self._asked = 0
        self._answered = 0
        self._answers = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._bot: Bot | None = None
        self._request: BaseRequest | None = None
        self._flood: asyncio.Task[None] | None = None  # a pause a reply's 429 began
        self._stopping = False

    # -- life --------------------------------------------------------------------------

    def start(self, bot: Bot) -> None:
        """Start working through the outbox. Unfinished broadcasts resume by construction:
        their pending rows are in the database."""
        self._bot = bot
        # Over HTTP, copies take the lean way of their own (bot/outbox/post.py): a fraction of
        # the CPU of PTB's request per copy, and replies keep the bot's connections to
        # themselves. Any other request object (the fake Telegram in tests) is used as it is.
        lean = self.lean and isinstance(bot.request, HTTPXRequest)
        self._request = LeanRequest() if lean else bot.request
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
        if self._flood is not None:
            self._flood.cancel()
        if isinstance(self._request, LeanRequest):
            await self._request.shutdown()
        self._request = None

    def flooded(self, seconds: float) -> None:
        """Telegram answered a reply with 429: no broadcast copy goes for `seconds` either."""
        if self._task is not None and self._open.is_set():
            self._flood = asyncio.create_task(self._pause(seconds))

    def spend(self) -> None:
        """A reply went out (or is about to): the broadcast leaves that slot to it."""
        self._pace.spend()

    def wake(self) -> None:
        """Look at the outbox now (a broadcast was created or resumed)."""
        self._wake.set()

    def halt(self, broadcast: int) -> None:
        """The broadcast was paused or cancelled: send none of its copies that are not already
        on their way to Telegram."""
        self._halted[broadcast] = self._claims

    def resume(self, broadcast: int) -> None:
        """The broadcast goes on: its pending rows are taken again at once."""
        self._halted.pop(broadcast, None)
        self.wake()

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
            self._claims += 1
            begun = self._claims
            claimed = await self.outbox.claim(self.clock.now(), after, self._claim)
            for broadcast in {d.broadcast_id for d in claimed} & set(self._halted):
                if self._halted[broadcast] < begun:  # found 'sending' after it was halted
                    del self._halted[broadcast]
            claimed = [
                d
                for d in claimed
                if d.id not in self._in_flight and d.broadcast_id not in self._halted
            ]
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
            if outcome is None:  # its broadcast was paused or cancelled: it stays pending
                return
            # Recorded before the slot is given back: a message Telegram accepted but not yet
            # recorded is always one of the CONCURRENCY in flight, which is the whole bound on
            # what a hard kill can repeat. The writes of the deliveries in flight are committed
            # together (the database's group commit), so this costs no fsync per message.
            await self.outbox.record([outcome], self.clock.now())
        except Exception as exc:  # a bug must not stop the sender; the row stays pending
            log.exception("Broadcast delivery %s failed unexpectedly: %s", delivery.id, exc)
        finally:
            self._slots.release()

    async def _attempts(self, delivery: Delivery) -> Outcome | None:
        attempts = delivery.attempts
        failures = 0
        while True:
            await self._open.wait()
            error: Exception | None = None
            async with self._chat_turn(delivery.person):
                await self._pace.acquire()
                while not self._open.is_set():
                    # A 429 came while this one waited for its turn: that turn is void. Taking
                    # a new one after the pause keeps the copies that waited from all going at
                    # once when it ends (a burst that drew the next 429, and the next).
                    await self._open.wait()
                    await self._pace.acquire()
                if delivery.broadcast_id in self._halted:
                    return None  # paused or cancelled while this one waited its turn
                attempts += 1
                try:
                    await self._copy(delivery)
                except (RetryAfter, Forbidden, BadRequest, NetworkError) as exc:
                    error = exc
            # The chat's turn is given back before any pause: others' messages go meanwhile.
            if isinstance(error, RetryAfter):
                attempts -= 1  # Telegram's pacing, not this message's fault
                await self._pause(_seconds(error))
                continue
            if isinstance(error, Forbidden):
                return Outcome(delivery.id, delivery.person, "skipped", attempts, str(error))
            if isinstance(error, BadRequest):
                status = "skipped" if "chat not found" in str(error).lower() else "failed"
                return Outcome(delivery.id, delivery.person, status, attempts, str(error))
            if isinstance(error, NetworkError):  # 5xx, TimedOut, connection errors
                failures += 1
                if failures > RETRIES:
                    return Outcome(delivery.id, delivery.person, "failed", attempts, str(error))
                log.info("Broadcast copy %s failed (%r); trying again", delivery.id, error)
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

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat: int) -> AsyncIterator[None]:
        """One message at a time to a chat, a second after the last one was answered (three
        seconds for a group, whose id is negative: twenty a minute). Counted from the answer,
        not from a turn booked ahead: a message that then waited for the global pace would
        otherwise arrive closer to the next one than Telegram allows."""
        turn = self._chats.get(chat)
        if turn is None:
            turn = self._chats[chat] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                gap = PER_GROUP if chat < 0 else PER_CHAT
                if turn.last is not None:
                    wait = turn.last + gap - self.monotonic()
                    if wait > 0:
                        await self.sleep(wait)
                try:
                    yield
                finally:
                    turn.last = self.monotonic()
        finally:
            turn.users -= 1
            if turn.users == 0 and len(self._chats) > 10_000:
                # Forget chats whose turn has passed (kept a while, not one per message).
                cutoff = self.monotonic() - PER_GROUP
                self._chats = {
                    c: t
                    for c, t in self._chats.items()
                    if t.users or (t.last is not None and t.last > cutoff)
                }

    async def _copy(self, delivery: Delivery) -> Any:
        """copyMessage, posted straight on a request object: PTB's rate limiter (which paces
        interactive replies) is not in the way, and Telegram's answer is not parsed into
        objects. Telegram's errors arrive as PTB's exceptions all the same."""
        assert self._bot is not None and self._request is not None
        bot = self._bot
        parameters = [
            RequestParameter("chat_id", delivery.person, None),
            RequestParameter("from_chat_id", delivery.from_chat_id, None),
            RequestParameter("message_id", delivery.message_id, None),
        ]
        markup = self._way_out.get(delivery.locale) or self._way_out.get(self._default_locale)
        if markup is not None:
            parameters.append(markup)
        if self.paid:
            parameters.append(RequestParameter("allow_paid_broadcast", True, None))
        data = RequestData(parameters)
        return await self._request.post(f"{bot.base_url}/copyMessage", data)
