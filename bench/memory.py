"""Peak memory of the bot when a crowd writes at once, beside the same bot idle.

100,000 people each send /start at the same moment (a QR code on the big screen at an event).
Updates reach the bot a getUpdates page (100) at a time, as polling brings them; the backlog
waits in the inbox table, and memory should hold only a window of it. Each scenario runs in a
fresh process, so its peak resident memory (ru_maxrss) is its own.

    python -m bench.memory [--people N]      (or: make bench-memory)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import build
from bot.testing.fake_telegram import ApiError, FakeRequest, FakeTelegram, visible_text
from bot.testing.harness import FakeUser, test_settings

PAGE = 100
FIRST_USER = 2_000_000


class ForgetfulTelegram(FakeTelegram):
    """BENCH-ONLY: answers like FakeTelegram but keeps no history, so the bench measures the
    bot's memory, not the fake's record of 200,000 messages."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage":
            visible_text(str(params["text"]), params.get("parse_mode"))  # still refuse bad HTML
            self.sent += 1
            return {"message_id": self.sent, "date": 0, "chat": {"id": params["chat_id"]}}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


async def scenario(name: str, people: int) -> dict[str, Any]:
    logging.basicConfig(level=logging.WARNING)
    telegram = ForgetfulTelegram()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build(test_settings(Path(tmp)), request=FakeRequest(telegram), rate_limit=False)
        await runtime.start()
        started = peak_mb()
        elapsed = 0.0
        try:
            if name == "crowd":
                intake = runtime.services.intake
                user = FakeUser(runtime.app, telegram, 0)
                begin = time.perf_counter()
                for start in range(FIRST_USER, FIRST_USER + people, PAGE):
                    page = []
                    for person in range(start, min(start + PAGE, FIRST_USER + people)):
                        user.id = person
                        page.append(user.message_update("/start"))
                    await intake.accept(page)  # one page in memory at a time, as polling holds
                await intake.idle()
                elapsed = time.perf_counter() - begin
        finally:
            await runtime.stop()
    # /start from someone new: a greeting and the consent notice.
    if name == "crowd" and telegram.sent != 2 * people:
        raise SystemExit(f"bench: {telegram.sent} messages sent, expected {2 * people}")
    return {"peak_mb": peak_mb(), "after_start_mb": started, "seconds": elapsed}


def run_child(name: str, people: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--scenario", name, "--people", str(people)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench: scenario {name} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--scenario", choices=["idle", "crowd"])
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(asyncio.run(scenario(args.scenario, args.people))))
        return 0
    idle = run_child("idle", args.people)
    crowd = run_child("crowd", args.people)
    rate = args.people / crowd["seconds"]
    print(f"params:  {args.people:,} people send /start at once, in getUpdates pages of {PAGE}")
    print(f"idle bot (baseline):  peak {idle['peak_mb']:.0f} MB")
    print(
        f"crowd:                peak {crowd['peak_mb']:.0f} MB  ratio {crowd['peak_mb'] / idle['peak_mb']:.2f}"
        f"  ({crowd['peak_mb'] - idle['peak_mb']:.0f} MB above idle; all handled in "
        f"{crowd['seconds']:.0f} s, {rate:.0f} updates/s, {2 * args.people:,} replies)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
