"""Words as the search compares them: split and lower-cased, stemmed with Sastrawi, mapped to
their synonyms' canonical form, and read through small typos. One place for it, because the
question and the events must be read the same way to meet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Final

from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot.core.events.search.vocabulary import (
    EVENT_WORDS,
    KIND_WORDS,
    MONTHS,
    ONLINE_WORDS,
    SYNONYMS,
)

# Typos are forgiven on longer words only: among short words one letter makes another word.
_FUZZY_MIN = 5
_PLACE_FUZZY_MIN = 6


def _cutoff(word: str) -> float:
    """How alike (rapidfuzz ratio, 0-100) a word must be to count as a typo of another."""
    return 90 if len(word) < 7 else 85


_SPLIT = re.compile(r"[^\w]+|_")
_LONGEST_WORD = 40
# A question is a line or two; the rest of a long message (a pasted article) is not read.
MOST_WORDS = 40


def words_of(text: str) -> list[str]:
    """The words of a text, lower case, without punctuation or accents ("Soé?" -> "soe").
    A "word" longer than any real one (a pasted link, a keyboard mash) is left out."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [w for w in _SPLIT.split(plain.casefold()) if w and len(w) <= _LONGEST_WORD]


@cache
def _stemmer() -> object:
    # Building it reads Sastrawi's dictionary: once per process.
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_stemmer().stem(word))  # type: ignore[attr-defined]


@lru_cache(maxsize=50_000)
def topic_tokens(word: str) -> tuple[str, ...]:
    """A topic word as it is compared: its synonym's canonical form, or its stem."""
    found = SYNONYMS.get(word)
    if found is not None:
        return found
    stemmed = stem(word)
    return SYNONYMS.get(stemmed, (stemmed,))


def _vocabulary_word(word: str) -> str | None:
    """The kind ("workshop", ...) or "event" / "online" a word of the events vocabulary means."""
    for candidate in (word, stem(word)):
        if candidate in KIND_WORDS:
            return KIND_WORDS[candidate]
        if candidate in ONLINE_WORDS:
            return "online"
        if candidate in EVENT_WORDS:
            return "event"
    return None


_FUZZY_VOCABULARY: Final = tuple(
    w
    for w in (*KIND_WORDS, *ONLINE_WORDS, *EVENT_WORDS)
    if len(w) >= _FUZZY_MIN and w not in ("latih",)
)
# Full month names only: "maret" is one letter from "market".
_FUZZY_MONTHS: Final = tuple(m for m in MONTHS if len(m) >= 7)


def _typo_of(word: str, choices: Sequence[str]) -> str | None:
    if len(word) < _FUZZY_MIN:
        return None
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=_cutoff(word))
    return None if best is None else str(best[0])
