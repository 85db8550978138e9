"""Events against criteria: each event read once into a `Profile`, the `Matcher` that filters
and ranks a list of events for a question, and `admits` for one event against a wish. Apart from
reading the question because it is where the cost lies (profiles and fuzzy matches are cached)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.core.events.model import Event
from bot.core.events.search.places import admits_region
from bot.core.events.search.question import Criteria
from bot.core.events.search.vocabulary import _ONLINE_VENUE, STOP_WORDS
from bot.core.events.search.words import (
    _FUZZY_MIN,
    _cutoff,
    _vocabulary_word,
    topic_tokens,
    words_of,
)


@dataclass(frozen=True)
class Profile:
    """What an event offers a question: the kinds it counts as (its own, and the kind words of
    its title: "Kelas Kewirausahaan" is a class whatever its kind), online or not, and the
    topic tokens of its titles and topics."""

    kinds: frozenset[str]
    online: bool
    tokens: frozenset[str]


def profile(event: Event) -> Profile:
    kinds: set[str] = {event.kind}
    tokens: set[str] = set()
    texts = [*event.title.values(), *event.topics]
    for word in (w for text in texts for w in words_of(text)):
        if word in STOP_WORDS or word.isdigit():
            continue
        meaning = _vocabulary_word(word)
        if meaning is not None:
            if meaning not in ("online", "event"):
                kinds.add(meaning)
            continue
        tokens.update(t for t in topic_tokens(word) if t not in STOP_WORDS)
    online = bool(_ONLINE_VENUE.search(event.venue) or _ONLINE_VENUE.search(event.title["id"]))
    return Profile(frozenset(kinds), online, frozenset(tokens))


def _content_key(event: Event) -> tuple[object, ...]:
    # An event's id with what its profile is made of: an edited event is read again.
    return (
        event.id,
        event.slug,
        event.kind,
        event.venue,
        tuple(sorted(event.title.items())),
        event.topics,
    )


@dataclass(frozen=True)
class Hit:
    event: Event
    matched: int  # how many of the question's topic words it has
    score: float  # their closeness summed (1 for each exact one)


@dataclass
class Matcher:
    """Scores events against criteria. Keeps what is slow to make: each event's profile
    (stemming its words), by its content, and by identity for the very same Event object
    (EventService keeps the parsed events while the table is unchanged); and the tokens each
    topic word fuzzily stands for. A question against a thousand events costs about a
    millisecond."""

    limit: int = 10_000
    _profiles: dict[tuple[object, ...], Profile] = field(default_factory=dict)
    # id -> the event itself (held, so its id cannot be reused meanwhile) and its profile.
    _seen: dict[int, tuple[Event, Profile]] = field(default_factory=dict)
    # Every token of the profiles kept: what a topic word is fuzzily compared with.
    _tokens: set[str] = field(default_factory=set)
    _vocabulary: tuple[str, ...] = ()
    _alike: dict[str, dict[str, float]] = field(default_factory=dict)

    def profile(self, event: Event) -> Profile:
        seen = self._seen.get(id(event))
        if seen is not None and seen[0] is event:
            return seen[1]
        key = _content_key(event)
        found = self._profiles.get(key)
        if found is None:
            if len(self._profiles) >= self.limit:  # edited events leave old keys behind
                self._profiles.clear()
                self._tokens.clear()
            found = self._profiles[key] = profile(event)
            if not found.tokens <= self._tokens:
                self._tokens |= found.tokens
                self._vocabulary = ()
                self._alike.clear()
        if len(self._seen) >= self.limit:
            self._seen.clear()
        self._seen[id(event)] = (event, found)
        return found

    def alike(self, word: str) -> dict[str, float]:
        """The tokens of the events seen that `word` stands for, with how close each is (1 =
        the same word)."""
        found = self._alike.get(word)
        if found is None:
            if not self._vocabulary:
                self._vocabulary = tuple(sorted(self._tokens))
            if len(self._alike) >= self.limit:
                self._alike.clear()
            found = self._alike[word] = _alike(word, self._vocabulary, self._tokens)
        return found

    def search(self, criteria: Criteria, events: Sequence[Event]) -> list[Hit]:
        """The events that pass the criteria's filters and have enough of its topic words, the
        closest match first (events of equal match keep the order given)."""
        if criteria.empty:
            return []
        profiles = [self.profile(e) for e in events]
        passing = [
            (event, p)
            for event, p in zip(events, profiles, strict=True)
            if _passes(criteria, event, p)
        ]
        if not criteria.topics:
            return [Hit(event, 0, 0.0) for event, _ in passing]
        alike = {word: self.alike(word) for word in criteria.topics}
        # Words no event has at all ("tolong", a misspelt name) would make every event miss;
        # they are left out, unless they are all there is: then nothing is what was asked for.
        known = [
            word
            for word in criteria.topics
            if any(not p.tokens.isdisjoint(alike[word]) for p in profiles)
        ]
        if not known:
            return []
        needed = max(1, len(known) - len(known) // 3)
        wanted = [(alike[w], frozenset(alike[w])) for w in known]
        hits = []
        for event, p in passing:
            scores = [
                max(map(closeness.__getitem__, p.tokens & tokens), default=0)
                for closeness, tokens in wanted
            ]
            matched = sum(1 for s in scores if s > 0)
            if matched >= needed:
                hits.append(Hit(event, matched, sum(scores)))
        hits.sort(key=lambda h: (-h.matched, -round(h.score, 2)))
        return hits


def _alike(word: str, vocabulary: Sequence[str], tokens: set[str]) -> dict[str, float]:
    """The tokens `word` stands for, with how close each is (1 = the same)."""
    found = {word: 1.0} if word in tokens else {}
    if len(word) >= _FUZZY_MIN:
        for token, score, _ in process.extract(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=_cutoff(word), limit=None
        ):
            if len(token) >= _FUZZY_MIN:
                found.setdefault(token, score / 100)
    return found


def _passes(criteria: Criteria, event: Event, p: Profile) -> bool:
    if criteria.kinds and not criteria.kinds & p.kinds:
        return False
    if criteria.places and not any(admits_region(c, event.region) for c in criteria.places):
        return False
    if criteria.online and not p.online:
        return False
    return criteria.window is None or event.starts_at in criteria.window


def admits(criteria: Criteria, event: Event, matcher: Matcher | None = None) -> bool:
    """Whether one event is what criteria ask for, every topic word counted: for wishes, when an
    event is published (there is no catalog to tell a stray word from a wanted one)."""
    p = (matcher or Matcher()).profile(event)
    if criteria.empty or not _passes(criteria, event, p):
        return False
    vocabulary = sorted(p.tokens)
    matched = sum(1 for word in criteria.topics if _alike(word, vocabulary, set(p.tokens)))
    return (
        matched >= max(1, len(criteria.topics) - len(criteria.topics) // 3) or not criteria.topics
    )


def is_event_question(criteria: Criteria, hits: Sequence[Hit]) -> bool:
    """Whether a message asks about events: it says so ("acara", a kind, "online"), or what it
    names (a place, a topic, a time) finds events. "halo", "terima kasih", "ok" or a number
    does neither, and keeps the usual reply."""
    return criteria.asks_for_events or bool(hits)


def clip_words(words: Sequence[str], room: int) -> str:
    """As many whole words as fit in `room` bytes of UTF-8, space-separated."""
    kept = ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate.encode("utf-8")) > room:
            break
        kept = candidate
    return kept
