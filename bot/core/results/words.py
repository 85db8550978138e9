"""The most common words of free-text answers, Indonesian stop words removed.

A word counts once per answer, and only words that at least `MIN_PEOPLE` answers use are shown:
a name or a place written by one person alone is exactly what could single them out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

from Sastrawi.StopWordRemover.StopWordRemoverFactory import (
    StopWordRemoverFactory,
)

from bot.core.results.tally import Word

MIN_PEOPLE = 2
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Filler common in chat answers that Sastrawi's list (formal Indonesian) does not have, and the
# English ones for answers written in English.
_CHAT = {
    "aja", "saja", "udah", "sudah", "nggak", "gak", "ga", "tdk", "yg", "dgn", "utk", "dan",
    "the", "and", "for", "with", "that", "this", "are", "was", "not", "you", "but", "have",
    "more", "would", "should", "please", "there", "they", "them", "our", "from",
}  # fmt: skip


@cache
def stop_words() -> frozenset[str]:
    return frozenset(StopWordRemoverFactory().get_stop_words()) | _CHAT


def top_words(answers: Iterable[str], most: int = 10) -> tuple[Word, ...]:
    """The `most` words used by the most answers (ties: alphabetical), each in at least
    MIN_PEOPLE answers; words of fewer than 3 letters and stop words left out."""
    stop = stop_words()
    seen: Counter[str] = Counter()
    for answer in answers:
        found = {w for w in _WORD.findall(answer.lower()) if len(w) >= 3 and w not in stop}
        seen.update(found)
    ranked = sorted(
        ((word, n) for word, n in seen.items() if n >= MIN_PEOPLE), key=lambda p: (-p[1], p[0])
    )
    return tuple(Word(word, n) for word, n in ranked[:most])


def shortened(text: str, most: int = 160) -> str:
    """An answer on one line, cut with … (plain text)."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"
