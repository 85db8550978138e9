"""Flood control: someone sending dozens of messages a second is slowed, politely, before any of
it costs the bot work that everyone else waits for.

Each person's updates are already handled one at a time, so a flood cannot take more than one
of the intake's workers. What it can take is Telegram's sending rate, which all people share
(about 30 messages a second): every message answered is a reply. So past `LIMIT` updates in
`WINDOW` seconds, a person's further updates are stored as "flooded" markers instead of
themselves: nothing of their content is kept or handled, and the person gets one short notice
per window asking them to slow down. The window slides, so a person who pauses a few seconds is
served normally again. Twenty in ten seconds is far beyond anyone answering a survey (a fast
typist with typed-ahead answers sends a few), and nowhere near a paste of many messages.

The moment that counts is when the person sent the message (its `date`), not when the bot
fetched it: after downtime Telegram delivers a whole backlog at once, and a person who wrote
five times during the night is not flooding. Taps carry no date; their arrival is used.

Memory is bounded: the timestamps of at most `PEOPLE` recently active people (least recently
used first out).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Final

from cachetools import LRUCache

LIMIT: Final = 20  # updates a person may send in WINDOW seconds
WINDOW: Final = 10.0  # seconds
PEOPLE: Final = 100_000  # people whose recent pace is remembered
JOB: Final = "flood_notice"  # the job a flooded marker runs (handlers/flood.py)


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    notify: bool = False  # the first update refused in this window: tell the person once


class FloodGuard:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, people: int = PEOPLE) -> None:
        self.limit = limit
        self.window = window
        self._recent: LRUCache[int, deque[float]] = LRUCache(maxsize=people)
        self._told: LRUCache[int, float] = LRUCache(maxsize=people)  # last notice, per person

    def judge(self, person: int, moment: float) -> Verdict:
        """Admit or refuse one update of `person` sent at `moment` (seconds since the epoch).
        Refused updates are not counted: a flood that stops is served again after WINDOW."""
        if person == 0:  # no person (a rare update kind): nothing to pace
            return Verdict(True)
        recent = self._recent.get(person)
        if recent is None:
            recent = self._recent[person] = deque()
        while recent and recent[0] <= moment - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(moment)
            return Verdict(True)
        told = self._told.get(person)
        if told is not None and told > moment - self.window:
            return Verdict(False)
        self._told[person] = moment
        return Verdict(False, notify=True)


def sent_at(update: dict[str, Any], arrived: float) -> float:
    """When the person sent the update: a message's `date` (Telegram's clock, whole seconds),
    else when it arrived. A date later than the arrival (clock skew) counts as the arrival."""
    for key in ("message", "edited_message"):
        message = update.get(key)
        if isinstance(message, dict) and isinstance(message.get("date"), int):
            return min(float(message["date"]), arrived)
    return arrived


def language_code(update: dict[str, Any]) -> str | None:
    """The sender's Telegram language, for the notice to someone the bot does not know yet."""
    for value in update.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            code = value["from"].get("language_code")
            return code if isinstance(code, str) else None
    return None


def marker(update: dict[str, Any], person: int, notify: bool) -> dict[str, Any]:
    """What is stored for a refused update: no content, only whether to send the notice (and
    in which language)."""
    data = {"notify": notify, "language_code": language_code(update) if notify else None}
    return {"job": JOB, "job_id": f"flood-{update['update_id']}", "person": person, "data": data}
