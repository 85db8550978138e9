"""Events under load, through the whole bot (intake, handlers, writer, fake Telegram):

- registrations per second when everyone taps Daftar on ONE event at once (every seat is
  decided on the writer, one transaction after another, and the waiting list grows long),
  beside the same number of taps spread over 100 events (the baseline);
- how long one person waits for the answer to `/acara`, and to a free-text question, with
  1,000 upcoming events stored, beside `/bantuan` (a fixed text: the bot's floor) in the same
  bot and the same run.

Both registration runs have the same mix of outcomes (a tenth get a seat, the rest a place on
the waiting list), so they send the same messages and differ only in contention.

    python -m bench.events            (or: make bench-events)
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.throughput import through_intake
from bot.core.events.model import Event, Kind
from bot.core.events.zones import zone_of
from bot.services.clock import Clock
from bot.services.people import EVENTS_PURPOSE
from bot.storage.events import EventRepository
from bot.testing.harness import Bot, FakeUser, running_bot, test_settings
from handlers.buttons import Register

PEOPLE = 2_000
SPREAD = 100  # events the baseline's taps are spread over
SEATS_SHARE = 10  # one in ten gets a seat, in both runs
STORED = 1_000  # upcoming events stored for the latency runs
SAMPLES = 200  # answers timed per kind, one at a time
REPS = 3
FIRST_USER = 700_000
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)

# What the programme runs, where: enough variety that search has to rank, not just filter.
TOPICS: list[tuple[str, str, Kind, str]] = [
    ("Lokakarya Pendaftaran Merek dan HAKI", "Trademark and IP workshop", "workshop", "haki;merek"),
    ("Pelatihan Pemasaran Digital", "Digital marketing training", "pelatihan", "pemasaran"),
    ("Dialog Perlindungan Sosial BPJS", "Social protection dialogue", "dialog", "bpjs"),
    ("Kelas Pembukuan UMKM", "Bookkeeping class for MSMEs", "workshop", "keuangan"),
    ("Kelas Foto Produk", "Product photography class", "pelatihan", "foto;produk"),
    ("Sosialisasi Sertifikasi Halal", "Halal certification briefing", "dialog", "halal"),
]
PLACES = ["53.71", "53.02", "34.71", "35.78", "31.71", "73.71", "91.71", "51.71", "52.71", "64.72"]
QUESTION = "kapan workshop HAKI di Kupang?"


def make_events(count: int, capacity: int | None, prefix: str) -> list[Event]:
    events = []
    for n in range(count):
        title_id, title_en, kind, topics = TOPICS[n % len(TOPICS)]
        region = PLACES[n % len(PLACES)]
        start = NOW + timedelta(days=1 + n % 90, hours=n % 8)
        events.append(
            Event(
                slug=f"{prefix}-{n:04d}",
                kind=kind,
                title={"id": f"{title_id} {n}", "en": f"{title_en} {n}"},
                description={"id": f"{title_id} untuk pelaku usaha.", "en": title_en},
                region=region,
                venue="Aula Serbaguna",
                zone=zone_of(region),
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=capacity,
                topics=tuple(topics.split(";")),
            )
        )
    return events


@asynccontextmanager
async def bot_with(events: list[Event]) -> AsyncIterator[Bot]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        clock.advance(NOW - clock.now())
        async with running_bot(test_settings(Path(tmp)), clock=clock) as bot:
            await EventRepository(bot.services.db).import_events(events, NOW)
            yield bot


async def agreed(bot: Bot, people: range) -> None:
    """Everyone has agreed to the events notice before the timed part (it asks once)."""
    await asyncio.gather(*(bot.services.people.consent(p, "id", EVENTS_PURPOSE) for p in people))


async def registrations(contended: bool) -> tuple[float, str]:
    """Registrations per second: PEOPLE taps on Daftar, all handed over at once."""
    if contended:
        events = make_events(1, PEOPLE // SEATS_SHARE, "one")
    else:
        events = make_events(SPREAD, PEOPLE // SEATS_SHARE // SPREAD, "spread")
    async with bot_with(events) as bot:
        people = range(FIRST_USER, FIRST_USER + PEOPLE)
        await agreed(bot, people)
        ids = [e.id for e in await bot.services.events.catalog.all()]
        updates = []
        for n, person in enumerate(people):
            user = bot.user(person)
            details = {"message_id": 1, "date": int(NOW.timestamp()), "text": "Acara"}
            details["chat"] = {"id": person, "type": "private", "first_name": "x"}
            updates.append(user.callback_update(Register(ids[n % len(ids)] or 0).pack(), details))
        elapsed = await through_intake(bot, updates)
        check = _check_seats(bot)
        return PEOPLE / elapsed, check


def _check_seats(bot: Bot) -> str:
    conn = sqlite3.connect(bot.services.settings.database_path)
    try:
        counts = dict(conn.execute("SELECT status, COUNT(*) FROM registrations GROUP BY status"))
    finally:
        conn.close()
    want = {"confirmed": PEOPLE // SEATS_SHARE, "waiting": PEOPLE - PEOPLE // SEATS_SHARE}
    if counts != want:
        raise SystemExit(f"registrations came out {counts}, not {want}")
    return f"{counts['confirmed']} confirmed, {counts['waiting']} waiting"


async def latencies(bot: Bot, user: FakeUser, text: str) -> list[float]:
    """Seconds from handing one update over to its answer being sent, SAMPLES times."""
    times = []
    for _ in range(SAMPLES):
        before = len(bot.telegram.calls)
        start = time.perf_counter()
        await user.send(text)
        times.append(time.perf_counter() - start)
        if len(bot.telegram.calls) == before:
            raise SystemExit(f"{text!r} got no answer")
    return times


async def answers() -> dict[str, float]:
    """Median time to answer each kind of message with STORED upcoming events."""
    async with bot_with(make_events(STORED, None, "stored")) as bot:
        user = bot.user(FIRST_USER)
        await user.send("/bantuan")  # warm: catalogs, caches, the stemmer's dictionary
        await user.send(QUESTION)
        found = {}
        for text in ("/bantuan", "/acara", QUESTION):
            found[text] = statistics.median(await latencies(bot, user, text))
        return found


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def main() -> int:
    logging.basicConfig(level=logging.WARNING, force=True)
    # The hourly housekeeping job notes, in a busy run, that it started a second late.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    runs: dict[str, list[float]] = {"one": [], "spread": []}
    timings: dict[str, list[float]] = {}
    checks = set()
    for _ in range(REPS):  # alternate, so drift in machine speed hits all alike
        for name in ("spread", "one"):
            rate, check = await registrations(contended=name == "one")
            runs[name].append(rate)
            checks.add(check)
        for text, seconds in (await answers()).items():
            timings.setdefault(text, []).append(seconds)
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"SQLite {sqlite3.sqlite_version}; median of {REPS} runs"
    )
    print(f"check:   each registration run ends {' / '.join(sorted(checks))}")
    spread, one = statistics.median(runs["spread"]), statistics.median(runs["one"])
    print(
        f"registrations, {PEOPLE} taps over {SPREAD} events (baseline): {spread:>6.0f}/s"
        f"   (runs {', '.join(f'{r:.0f}' for r in runs['spread'])})"
    )
    print(
        f"registrations, {PEOPLE} taps on one event:              {one:>6.0f}/s"
        f"   ratio {one / spread:.2f}   (runs {', '.join(f'{r:.0f}' for r in runs['one'])})"
    )
    floor = statistics.median(timings["/bantuan"])
    print(f"answer with {STORED} upcoming events stored, median of {SAMPLES} each:")
    for text, label in (
        ("/bantuan", "/bantuan (baseline)"),
        ("/acara", "/acara"),
        (QUESTION, f"free text {QUESTION!r}"),
    ):
        seconds = statistics.median(timings[text])
        ratio = "" if text == "/bantuan" else f"   ratio {seconds / floor:.2f}"
        print(f"  {label:<48}{_ms(seconds):>10}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
