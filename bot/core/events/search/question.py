"""A question, read: `parse` turns free text into `Criteria` (kinds, places, online, a time
window, topic words), and `kept_criteria` reads back the criteria a wish stored. It never looks at
the events, so the same words always mean the same criteria."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.events.search.places import _LONGEST_PLACE, _fuzzy_place_names, _place_names
from bot.core.events.search.vocabulary import (
    _EVERYDAY_NAMES,
    _SPANS,
    _WHERE,
    MONTHS,
    STOP_WORDS,
    SYNONYMS,
)
from bot.core.events.search.when import Window, month_window, span
from bot.core.events.search.words import (
    _FUZZY_MONTHS,
    _FUZZY_VOCABULARY,
    _PLACE_FUZZY_MIN,
    MOST_WORDS,
    _typo_of,
    _vocabulary_word,
    topic_tokens,
    words_of,
)


@dataclass(frozen=True)
class Criteria:
    kinds: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()  # region codes
    online: bool = False
    window: Window | None = None
    topics: tuple[str, ...] = ()  # canonical, stemmed
    # "acara", "jadwal", a kind or "online": the text asks about events, whatever it finds.
    asks_for_events: bool = False
    # The words that carry the criteria (not time), as written: what a wish keeps and shows.
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.places or self.online or self.window or self.topics)

    def lasting(self) -> dict[str, object]:
        """The criteria a wish keeps (not the time: a wish is for events published later), in
        one spelling, so the same wish twice is recognised."""
        return {
            "kinds": sorted(self.kinds),
            "places": sorted(self.places),
            "online": self.online,
            "topics": sorted(set(self.topics)),
        }


def kept_criteria(lasting: dict[str, object]) -> Criteria:
    """Criteria as a wish stored them (`Criteria.lasting`); what is not understood is left out."""

    def strings(key: str) -> list[str]:
        value = lasting.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return Criteria(
        kinds=frozenset(strings("kinds")),
        places=frozenset(strings("places")),
        online=lasting.get("online") is True,
        topics=tuple(strings("topics")),
    )


def _year_after(tokens: Sequence[str], i: int) -> int | None:
    if i < len(tokens) and re.fullmatch(r"20\d\d", tokens[i]):
        return int(tokens[i])
    return None


def parse(text: str, now: datetime, zone: ZoneInfo) -> Criteria:
    """What a question asks for; see the package's docstring for the order words are tried in."""
    tokens = words_of(text)[:MOST_WORDS]
    kinds: set[str] = set()
    places: set[str] = set()
    topics: list[str] = []
    kept: list[str] = []
    online = asks = False
    window: Window | None = None
    names = _place_names()
    i = 0
    while i < len(tokens):
        word = tokens[i]
        # A span of time ("bulan depan") or a month ("Januari 2027").
        spanned = next(
            (n for n in (2, 1) if tuple(tokens[i : i + n]) in _SPANS),
            0,
        )
        if spanned:
            window = span(_SPANS[tuple(tokens[i : i + spanned])], now, zone).join(window)
            i += spanned
            continue
        month = MONTHS.get(word)
        if month is None and len(word) >= 6 and word not in STOP_WORDS:
            typo = _typo_of(word, _FUZZY_MONTHS)
            month = MONTHS[typo] if typo else None
        if month is not None:
            year = _year_after(tokens, i + 1)
            window = month_window(month, year, now, zone).join(window)
            i += 2 if year is not None else 1
            continue
        # A place, the longest name first ("kota kupang" before "kupang").
        for n in range(min(_LONGEST_PLACE, len(tokens) - i), 0, -1):
            name = tuple(tokens[i : i + n])
            codes = names.get(name)
            if codes is None:
                continue
            if n == 1 and word in _EVERYDAY_NAMES and (i == 0 or tokens[i - 1] not in _WHERE):
                continue
            places |= codes
            kept.extend(name)
            i += n
            break
        else:
            i += 1
            if word in STOP_WORDS or word.isdigit():
                continue
            # A word with a typo is kept as it is meant: a wish shows "workshop", not "worksop".
            meaning, meant = _vocabulary_word(word), word
            if meaning is None and word not in SYNONYMS:
                meant = _typo_of(word, _FUZZY_VOCABULARY) or word
                meaning = _vocabulary_word(meant) if meant != word else None
            if meaning is not None:
                asks = True
                if meaning == "online":
                    online = True
                elif meaning != "event":
                    kinds.add(meaning)
                if meaning != "event":
                    kept.append(meant)
                continue
            if word not in SYNONYMS and len(word) >= _PLACE_FUZZY_MIN:
                typo = _typo_of(word, _fuzzy_place_names())
                if typo is not None:
                    places |= names[(typo,)]
                    kept.append(typo)
                    continue
            found = [t for t in topic_tokens(word) if t not in STOP_WORDS]
            if found:
                topics.extend(found)
                kept.append(word)
    return Criteria(
        frozenset(kinds),
        frozenset(places),
        online,
        window,
        tuple(dict.fromkeys(topics)),
        asks,
        tuple(dict.fromkeys(kept)),
    )
