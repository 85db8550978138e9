"""Broadcasts at Telegram's limits, the sender's ceiling, and the outbox for a million.

    python -m bench.broadcast            (or: make bench-broadcast; about eight minutes)
    python -m bench.broadcast --quick    (fewer recipients: a minute, for a first look)

1. Paced: the bot's Sender against a loopback Bot API (bot/testing/loopback.py, in a process of
   its own) that enforces Telegram's limits with 429s: the configured rate to all chats in any
   one second, one message a second to one chat. Over RECIPIENTS people, with no added latency
   and with 50 ms added to every request: delivered per second as a fraction of the configured
   rate, 429s received, messages lost (a recipient without exactly one copy). The baseline,
   measured in the same run: a plain paced loop (one copy at a time, a pause of 1/rate between).
2. Ceiling: limits lifted, the Sender as fast as this machine pushes copies over HTTP, beside
   PTB's own request path (`bot.copy_message`, the same number in flight) as the baseline.
3. The outbox for 1,000,000 subscribers: writing the broadcast (INSERT ... SELECT, one
   transaction), then the sender's peak memory (tracemalloc) while it streams copies from a
   million pending rows, beside the same from 10,000 rows: flat means it never loads them all.

Figures are printed, not asserted (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.outbox.sender import Sender, concurrency_for
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.outbox import Content, Outbox
from bot.testing.fake_telegram import TEST_TOKEN, FakeTelegram, Limits, envelope
from bot.testing.loopback import LoopbackServer

RATE = 28.0  # BROADCAST_PER_SECOND's default: the configured limit the loopback enforces
RECIPIENTS = 3000
CEILING = 20_000  # copies pushed with limits lifted
CEILING_IN_FLIGHT = 64
MILLION = 1_000_000
STREAMED = 20_000  # copies the sender streams while its memory is watched
STAFF = 42
FIRST = 10_000_000
TARGET_PACE = 0.97
TARGET_CEILING = 1000.0
TARGET_WRITE = 10.0


# -- the loopback Bot API, in a process of its own ------------------------------------------


class StatsServer(LoopbackServer):
    """The loopback server, answering GET /stats with what the fake Telegram saw: copies that
    reached each chat and the 429s it gave."""

    async def _answer(self, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if target == "/stats":
            delivered = Counter(
                chat_id
                for chat_id, chat in self.telegram.chats.items()
                for message in chat.messages.values()
                if "copied_from" in message
            )
            stats = {"limited": self.telegram.limited, "delivered": delivered}
            return 200, json.dumps(stats).encode()
        return await super()._answer(target, headers, body)


async def serve(rate: float, latency: float) -> None:
    """`python -m bench.broadcast serve RATE LATENCY`: prints the URL, serves until stdin closes."""
    limits = Limits(per_second=rate, latency=latency) if rate else None
    if latency and not rate:
        limits = Limits(per_second=float("inf"), per_chat=0.0, latency=latency)
    telegram = FakeTelegram(limits)
    telegram.calls = _NoList()  # a long run keeps no call log
    source = telegram.original(STAFF, text="Lokakarya HAKI di Kupang")
    assert source == 1
    async with StatsServer(telegram) as server:
        print(server.url, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


class _NoList(list[Any]):
    """A call log that keeps only the last call (what FakeTelegram reads back)."""

    def append(self, item: Any) -> None:
        if self:
            self[0] = item
        else:
            super().append(item)


@contextlib.asynccontextmanager
async def loopback(rate: float = 0, latency: float = 0) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.broadcast",
        "serve",
        str(rate),
        str(latency),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    url = (await process.stdout.readline()).decode().strip()
    try:
        yield url
    finally:
        process.stdin.close()
        await process.wait()


async def stats(url: str) -> dict[str, Any]:
    request = HTTPXRequest()
    await request.initialize()
    try:
        _, body = await request.do_request(f"{url}/stats", "GET")
    finally:
        await request.shutdown()
    found = json.loads(body)
    found["delivered"] = {int(k): v for k, v in found["delivered"].items()}
    return dict(found)


def http_bot(url: str, in_flight: int) -> Bot:
    request = HTTPXRequest(connection_pool_size=in_flight + 4, read_timeout=30, write_timeout=30)
    return Bot(TEST_TOKEN, base_url=f"{url}/bot", request=request)


# -- an outbox ------------------------------------------------------------------------------


async def outbox_of(folder: Path, people: int) -> tuple[Database, Outbox, int, float]:
    """A fresh database with `people` users and one broadcast to all; returns the write's time."""
    db = Database(folder / f"bench-{people}.sqlite3")
    await db.open()
    await db.write(
        (
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO users (id, locale, created_at, updated_at) "
            "SELECT i, 'id', 'x', 'x' FROM n",
            (FIRST, FIRST + people - 1),
        )
    )
    outbox = Outbox(db)
    start = time.perf_counter()
    broadcast, count = await outbox.create(
        created_by=STAFF,
        content=Content(STAFF, 1, "Lokakarya HAKI di Kupang"),
        recipients="SELECT id FROM users",
        audience={"kind": "all"},
        quiet_hours=False,
        now=datetime.now(UTC),
    )
    took = time.perf_counter() - start
    assert count == people, count
    return db, outbox, broadcast, took


async def sent_count(db: Database, broadcast: int) -> Counter[str]:
    found = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast,),
    )
    return Counter({r["status"]: int(r["n"]) for r in found})


# -- 1. paced -------------------------------------------------------------------------------


@dataclass
class Paced:
    per_second: float
    limited: int
    lost: int

    def line(self, label: str, rate: float) -> str:
        return (
            f"{label:<34}{self.per_second:>7.1f}/s  {self.per_second / rate:>5.2f} of the limit"
            f"   429s {self.limited:>4}   lost {self.lost:>4}"
        )


async def paced_sender(folder: Path, people: int, rate: float, latency: float) -> Paced:
    db, outbox, broadcast, _ = await outbox_of(folder, people)
    try:
        async with loopback(rate, latency) as url:
            bot = http_bot(url, concurrency_for(rate))
            await bot.initialize()
            sender = Sender(outbox, Clock(), per_second=rate)
            start = time.perf_counter()
            sender.start(bot)
            await sender.idle()
            took = time.perf_counter() - start
            await sender.stop()
            await bot.shutdown()
            seen = await stats(url)
        counts = await sent_count(db, broadcast)
        lost = people - sum(1 for n in seen["delivered"].values() if n == 1)
        lost = max(lost, people - counts["sent"])
        return Paced(counts["sent"] / took, seen["limited"], lost)
    finally:
        await db.close()


async def paced_loop(people: int, rate: float, latency: float) -> Paced:
    """The baseline: one copy at a time, a pause of 1/rate after each; a 429 is waited out
    and the copy tried again."""
    async with loopback(rate, latency) as url:
        bot = http_bot(url, 1)
        await bot.initialize()
        start = time.perf_counter()
        limited = 0
        for person in range(FIRST, FIRST + people):
            while True:
                try:
                    await bot.copy_message(person, STAFF, 1)
                    break
                except Exception:  # a 429: wait it out
                    limited += 1
                    await asyncio.sleep(1)
            await asyncio.sleep(1 / rate)
        took = time.perf_counter() - start
        await bot.shutdown()
        seen = await stats(url)
    lost = people - sum(1 for n in seen["delivered"].values() if n == 1)
    return Paced(people / took, max(limited, seen["limited"]), lost)


# -- 2. ceiling -----------------------------------------------------------------------------


@dataclass
class Ceiling:
    per_second: float  # copies a second, on the clock
    per_cpu_second: float  # copies per second of this process's CPU: the ceiling on a free core

    def line(self, label: str) -> str:
        return (
            f"{label:<34}{self.per_second:>7.0f} copies/s   "
            f"{self.per_cpu_second:>7.0f} per CPU-second"
        )


async def ceiling_sender(folder: Path, copies: int) -> Ceiling:
    db, outbox, broadcast, _ = await outbox_of(folder, copies)
    try:
        async with loopback() as url:
            bot = http_bot(url, CEILING_IN_FLIGHT)
            await bot.initialize()
            sender = Sender(outbox, Clock(), per_second=1e9, concurrency=CEILING_IN_FLIGHT)
            start, cpu = time.perf_counter(), time.process_time()
            sender.start(bot)
            await sender.idle()
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            await sender.stop()
            await bot.shutdown()
        counts = await sent_count(db, broadcast)
        assert counts["sent"] == copies, counts
        return Ceiling(copies / took, copies / cpu)
    finally:
        await db.close()


async def ceiling_ptb(copies: int) -> Ceiling:
    """The baseline: PTB's own request path, bot.copy_message, the same number in flight."""
    async with loopback() as url:
        bot = http_bot(url, CEILING_IN_FLIGHT)
        await bot.initialize()
        people = iter(range(FIRST, FIRST + copies))

        async def worker() -> None:
            for person in people:
                await bot.copy_message(person, STAFF, 1)

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(CEILING_IN_FLIGHT)))
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        await bot.shutdown()
    return Ceiling(copies / took, copies / cpu)


# -- 3. a million ---------------------------------------------------------------------------


class NullRequest(BaseRequest):
    """Telegram that says yes to everything and keeps nothing: what the sender holds is all
    that tracemalloc sees."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **_: Any
    ) -> tuple[int, bytes]:
        return 200, envelope({"message_id": 1})


async def streaming_peak(folder: Path, people: int) -> tuple[int, float]:
    """The sender's peak memory while it sends STREAMED copies out of `people` pending."""
    db, outbox, broadcast, took = await outbox_of(folder, people)
    try:
        bot = Bot(TEST_TOKEN, request=NullRequest())
        sender = Sender(outbox, Clock(), per_second=1e9, concurrency=CEILING_IN_FLIGHT)
        tracemalloc.start()
        sender.start(bot)
        while True:  # watched from outside, as staff would: a look at the counts now and then
            await asyncio.sleep(0.2)
            if (await sent_count(db, broadcast))["sent"] >= STREAMED:
                break
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await sender.stop()
        return peak, took
    finally:
        await db.close()


# -- the run --------------------------------------------------------------------------------


async def main(quick: bool, rate: float, parts: str = "123") -> None:
    people = 600 if quick else RECIPIENTS
    baseline_people = 200 if quick else 600
    copies = 4000 if quick else CEILING
    print(
        f"bench.broadcast: configured limit {rate:g}/s (one a second per chat), "
        f"{people} recipients, in flight {concurrency_for(rate)}; Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("\n1. paced, against a loopback that answers 429 past the limits")
        for latency in (0.0, 0.05) if "1" in parts else ():
            ours = await paced_sender(folder / f"p{latency}", people, rate, latency)
            base = await paced_loop(baseline_people, rate, latency)
            added = f"{latency * 1000:.0f} ms added"
            print(ours.line(f"  sender, {added}:", rate))
            print(base.line(f"  baseline paced loop, {added}:", rate))
            verdict = (
                "meets"
                if ours.per_second / rate >= TARGET_PACE and not ours.limited and not ours.lost
                else "is BELOW"
            )
            print(
                f"  result: {ours.per_second / rate:.2f} of the limit, {ours.limited} 429s, "
                f"{ours.lost} lost: {verdict} the target ({TARGET_PACE}, none, none); "
                f"ratio to the baseline {ours.per_second / base.per_second:.2f}"
            )

        if "2" not in parts:
            return
        print("\n2. ceiling, limits lifted (over HTTP to a loopback in another process)")
        (folder / "c").mkdir()
        ours_top = await ceiling_sender(folder / "c", copies)
        ptb_top = await ceiling_ptb(copies)
        print(ours_top.line(f"  sender, {CEILING_IN_FLIGHT} in flight:"))
        print(ptb_top.line("  baseline PTB bot.copy_message:"))
        top = max(ours_top.per_second, ours_top.per_cpu_second)
        verdict = "meets" if top >= TARGET_CEILING else "is BELOW"
        print(
            f"  result: {top:.0f}/s {verdict} the target {TARGET_CEILING:.0f}/s "
            f"(per CPU-second: a busy machine's clock says less); ratio to PTB's path "
            f"{ours_top.per_cpu_second / ptb_top.per_cpu_second:.2f} per CPU-second"
        )

        if "3" not in parts:
            return
        print("\n3. the outbox for a million subscribers")
        (folder / "m").mkdir()
        small_peak, _ = await streaming_peak(folder / "m", STREAMED + 10_000)
        big_peak, took = await streaming_peak(folder / "m", MILLION)
        verdict = "meets" if took < TARGET_WRITE else "is BELOW"
        print(
            f"  writing 1,000,000 deliveries: {took:.1f} s ({verdict} the target "
            f"{TARGET_WRITE:.0f} s)"
        )
        print(
            f"  sender's peak memory streaming {STREAMED:,} copies: "
            f"{small_peak / 1e6:.1f} MB from {STREAMED + 10_000:,} pending, "
            f"{big_peak / 1e6:.1f} MB from 1,000,000 (ratio {big_peak / small_peak:.2f})"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        asyncio.run(serve(float(sys.argv[2]), float(sys.argv[3])))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--parts", default="123", help="which parts to run, e.g. 1 or 23")
    arguments = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    asyncio.run(main(arguments.quick, arguments.rate, arguments.parts))
