"""BENCH-ONLY: the inbox kept in memory, to measure what storing updates durably costs.

Same interface as `bot.storage.inbox.Inbox`; nothing survives a kill, which is exactly what
python-telegram-bot's own polling amounts to (updates confirmed to Telegram, then held in
memory until handled).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.storage.inbox import Arrival, Stored


class MemoryInbox:
    def __init__(self) -> None:
        self._rows: dict[int, Stored] = {}
        self._order: list[int] = []  # seqs of pending rows, ascending
        self._by_person: defaultdict[int, list[int]] = defaultdict(list)  # the same, per person
        self._ids: set[int] = set()
        self._next = 1

    async def store(self, arrivals: Sequence[Arrival], now: datetime) -> None:
        for a in arrivals:
            if a.update_id in self._ids:
                continue
            self._ids.add(a.update_id)
            self._rows[self._next] = Stored(self._next, a.person, a.body)
            self._order.append(self._next)
            self._by_person[a.person].append(self._next)
            self._next += 1

    async def pending(self, after: int, limit: int) -> list[Stored]:
        start = bisect.bisect_right(self._order, after)
        return [self._rows[seq] for seq in self._order[start : start + limit]]

    async def pending_of(self, person: int, after: int, upto: int, limit: int) -> list[Stored]:
        seqs = self._by_person.get(person, [])
        start = bisect.bisect_right(seqs, after)
        return [self._rows[seq] for seq in seqs[start : start + limit] if seq <= upto]

    def handled(self, seqs: Sequence[int], now: datetime) -> None:
        for seq in seqs:
            person = self._rows.pop(seq).person
            self._order.pop(bisect.bisect_left(self._order, seq))
            mine = self._by_person[person]
            mine.pop(bisect.bisect_left(mine, seq))
            if not mine:
                del self._by_person[person]

    async def settled(self) -> None:
        pass

    async def purge_handled(self, before: datetime) -> int:
        return 0
