"""Questions about events in people's own words: "kapan workshop HAKI di Kupang?", "ada pelatihan
pemasaran digital bulan ini?", "info acara di soe", "digital marketing training in Kupang".

Pure: no Telegram, no database. `parse` reads a question into `Criteria` (kinds, places, online,
a time window, topic words); `Matcher.search` scores a list of events against them. Place, time,
kind and online act as filters when given; topic words (stemmed with Sastrawi, compared fuzzily
with rapidfuzz so small typos still find their event) rank what passes.

People write Indonesian with English, slang and typos mixed in, so every word is tried in this
order: a time phrase, a place (names of all 38 provinces and 514 kabupaten/kota, and the names
people use: Jogja, NTT, Soe), a word that never carries meaning here (stop words), a word of the
events vocabulary (kinds, "acara", "daring"), the same vocabulary with a typo, a place with a
typo, and otherwise a topic. Parsing does not look at the events, so the same words always mean
the same criteria (a wish stored today is read the same way when events are published later).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot.core import regions
from bot.core.events.model import Event


def _set(text: str) -> frozenset[str]:
    """A set of words written as a paragraph (long lists read better so)."""
    return frozenset(text.split())


# -- the vocabulary -----------------------------------------------------------------------------

KIND_WORDS: Final[dict[str, str]] = {
    **dict.fromkeys(("workshop", "workshops", "lokakarya", "worksyop"), "workshop"),
    **dict.fromkeys(
        (
            "pelatihan",
            "latihan",
            "latih",
            "training",
            "trainings",
            "kursus",
            "kelas",
            "course",
            "courses",
            "class",
            "classes",
            "bimtek",
            "diklat",
        ),
        "pelatihan",
    ),
    **dict.fromkeys(
        (
            "dialog",
            "dialogue",
            "diskusi",
            "discussion",
            "sarasehan",
            "forum",
            "sosialisasi",
            "seminar",
            "talkshow",
        ),
        "dialog",
    ),
}
# Words that say "an event" without saying which kind.
EVENT_WORDS: Final = frozenset(
    ("acara", "event", "events", "kegiatan", "agenda", "jadwal", "schedule", "webinar")
)
ONLINE_WORDS: Final = frozenset(("daring", "online", "zoom", "virtual", "webinar"))
# How an event shows it is held online: its venue or title says so.
_ONLINE_VENUE = re.compile(r"daring|online|zoom|virtual|webinar|google meet", re.IGNORECASE)

STOP_WORDS: Final = _set(
    """
    ada adakah adain apa apakah apa2 aja aku akan anda atau bagaimana bagi bang bapak baru
    belum berapa bisa boleh bu buat cara dan dari dengan dgn di dimana dong gak ga gimana
    ibu info informasi ingin ini itu ikut ikutan jika juga kah kak kakak kalau kami kapan ke
    kita kok lagi mana mas mau mbak min minta mohon nanti nggak ngga nih oleh pak pada
    pengen pingin punya saja saya sih silakan soal sudah tanya tentang tolong tuh untuk utk
    yang ya yg dong deh kalo kpn dmn gan sis admin infonya ngak engga nya
    daftar mendaftar pendaftaran registrasi register registration
    halo hai hallo hello hi hey pagi siang sore malam selamat terima kasih makasih trims
    thanks thank ok oke okay baik siap sip mantap banyak sama sekali
    the a an in at on for of to and or is are be there any when what where which who how
    me my i we you please do does can could would will about near this that upcoming
    hari minggu pekan bulan tahun depan nanti sekarang
    tanggal jam waktu lokasi tempat dimana
    """
)

# Words written in several ways (English, short forms) that mean one topic; applied to the
# question and to the events alike, before stemming (so "haki" is not cut to "hak").
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    **dict.fromkeys(("haki", "hki", "ip", "ipr"), ("haki",)),
    **dict.fromkeys(("merk", "trademark", "trademarks", "brand", "merek"), ("merek",)),
    **dict.fromkeys(("marketing", "pemasaran", "memasarkan"), ("pasar",)),
    **dict.fromkeys(("medsos", "socmed"), ("media", "sosial")),
    **dict.fromkeys(("social",), ("sosial",)),
    **dict.fromkeys(("bookkeeping", "accounting", "akuntansi", "pembukuan"), ("buku",)),
    **dict.fromkeys(("finance", "financial", "finansial", "keuangan", "money"), ("uang",)),
    **dict.fromkeys(
        ("photo", "photos", "photography", "fotografi", "fotografer", "photographer"), ("foto",)
    ),
    **dict.fromkeys(("product", "products"), ("produk",)),
    **dict.fromkeys(
        ("certification", "certificate", "sertifikat", "bersertifikat"), ("sertifikasi",)
    ),
    **dict.fromkeys(
        ("entrepreneurship", "entrepreneur", "kewirausahaan", "wirausaha", "usahawan"),
        ("wirausaha",),
    ),
    **dict.fromkeys(("msme", "msmes", "sme", "smes", "ukm", "umkm"), ("umkm",)),
    **dict.fromkeys(("jamsostek", "bpjstk", "bpjamsostek", "bpjs"), ("bpjs",)),
    **dict.fromkeys(("employment", "ketenagakerjaan"), ("tenagakerja",)),
    **dict.fromkeys(("selling", "sell", "sales", "jualan", "penjualan", "berjualan"), ("jual",)),
    **dict.fromkeys(("tax", "taxes", "perpajakan"), ("pajak",)),
    **dict.fromkeys(("export", "exports", "ekspor", "eksport"), ("ekspor",)),
    **dict.fromkeys(("packaging", "kemasan"), ("kemas",)),
    **dict.fromkeys(("creative",), ("kreatif",)),
    **dict.fromkeys(("economy",), ("ekonomi",)),
    **dict.fromkeys(("design", "designer", "designers"), ("desain",)),
    **dict.fromkeys(("protection",), ("lindung",)),
    **dict.fromkeys(("insurance",), ("asuransi",)),
    **dict.fromkeys(("worker", "workers", "pekerja"), ("kerja",)),
}

# Names people use for places, beside the official ones (bot.core.regions).
PLACE_ALIASES: Final[dict[tuple[str, ...], frozenset[str]]] = {
    **dict.fromkeys(
        [("jogja",), ("yogya",), ("jogjakarta",), ("yogyakarta",), ("diy",), ("jogya",)],
        frozenset({"34", "34.71"}),
    ),
    ("ntt",): frozenset({"53"}),
    ("ntb",): frozenset({"52"}),
    ("soe",): frozenset({"53.02"}),  # the capital of Kabupaten Timor Tengah Selatan
    ("tts",): frozenset({"53.02"}),
    **dict.fromkeys([("jakarta",), ("jkt",), ("dki",)], frozenset({"31"})),
    ("jabar",): frozenset({"32"}),
    ("jateng",): frozenset({"33"}),
    ("jatim",): frozenset({"35"}),
    ("sulsel",): frozenset({"73"}),
    ("sumut",): frozenset({"12"}),
    ("sby",): frozenset({"35.78"}),
    ("mks",): frozenset({"73.71"}),
}
# Names of kabupaten/kota that are also everyday words ("batu" is a stone, "malang" unlucky):
# a place only after a word that says "where" ("di Malang", "kota Batu").
_EVERYDAY_NAMES: Final = _set(
    """batu malang buru bone pati metro puncak padang tegal serang landak lebak lahat batang
    banjar palu paser kaur agam belu ende muna sigi luwu mappi bima toba tual dairi bungo
    sarmi karo lingga poso siak tapin tebo nias bangli sabang"""
)
_WHERE: Final = frozenset(("di", "ke", "dari", "kota", "kab", "kabupaten", "in", "at", "near"))

MONTHS: Final[dict[str, int]] = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "pebruari", "feb", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "agst", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
# Phrases naming a span of time relative to now; the longest is tried first.
_SPANS: Final[dict[tuple[str, ...], str]] = {
    ("hari", "ini"): "today",
    ("today",): "today",
    ("besok",): "tomorrow",
    ("besuk",): "tomorrow",
    ("tomorrow",): "tomorrow",
    ("lusa",): "day_after",
    ("minggu", "ini"): "this_week",
    ("pekan", "ini"): "this_week",
    ("this", "week"): "this_week",
    ("minggu", "depan"): "next_week",
    ("pekan", "depan"): "next_week",
    ("next", "week"): "next_week",
    ("akhir", "pekan"): "weekend",
    ("akhir", "minggu"): "weekend",
    ("weekend",): "weekend",
    ("bulan", "ini"): "this_month",
    ("this", "month"): "this_month",
    ("bulan", "depan"): "next_month",
    ("next", "month"): "next_month",
    ("tahun", "ini"): "this_year",
    ("this", "year"): "this_year",
    ("tahun", "depan"): "next_year",
    ("next", "year"): "next_year",
}

# Typos are forgiven on longer words only: among short words one letter makes another word.
_FUZZY_MIN = 5
_PLACE_FUZZY_MIN = 6


def _cutoff(word: str) -> float:
    """How alike (rapidfuzz ratio, 0-100) a word must be to count as a typo of another."""
    return 90 if len(word) < 7 else 85


# -- words ----------------------------------------------------------------------------------------

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


# -- places ---------------------------------------------------------------------------------------

_LEVELS: Final = {
    "kabupaten": ("kabupaten", "kab"),
    "kota": ("kota",),
    "provinsi": ("provinsi", "prov"),
}


@cache
def _place_names() -> dict[tuple[str, ...], frozenset[str]]:
    """Every way of writing a region's name, as words: "kupang" (the kota and the kabupaten),
    "kota kupang", "kab kupang", "nusa tenggara timur", "timor tengah selatan", ..."""
    found: dict[tuple[str, ...], set[str]] = {}
    for province in regions.provinces():
        for region in (province, *regions.regencies(province.code)):
            name = region.name.casefold()
            level = "provinsi" if "." not in region.code else "kabupaten"
            for prefix in ("kabupaten administrasi ", "kota administrasi ", "kabupaten ", "kota "):
                if name.startswith(prefix):
                    level = prefix.split()[0]
                    name = name[len(prefix) :]
                    break
            bare = tuple(words_of(name))
            found.setdefault(bare, set()).add(region.code)
            for spelling in _LEVELS[level]:
                found.setdefault((spelling, *bare), set()).add(region.code)
    for alias, codes in PLACE_ALIASES.items():
        found.setdefault(alias, set()).update(codes)
    return {name: frozenset(codes) for name, codes in found.items()}


@cache
def _fuzzy_place_names() -> tuple[str, ...]:
    return tuple(
        name[0]
        for name in _place_names()
        if len(name) == 1 and len(name[0]) >= _PLACE_FUZZY_MIN and name[0] not in _EVERYDAY_NAMES
    )


_LONGEST_PLACE = 5


def place_name(codes: Iterable[str]) -> list[str]:
    """The official names of region codes, for showing criteria back to a person."""
    return [r.name for r in (regions.by_code(c) for c in sorted(codes)) if r is not None]


def admits_region(place: str, region: str) -> bool:
    """Whether an event held in `region` is in the place someone asked about: the place itself,
    anywhere in it (a province), or province-wide in its province (it may be held there)."""
    if region == place:
        return True
    if "." not in place:
        return region.split(".")[0] == place
    return "." not in region and place.split(".")[0] == region


# -- time -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Events starting from `start` (inclusive) to `end` (exclusive)."""

    start: datetime
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def join(self, other: Window | None) -> Window:
        if other is None:
            return self
        return Window(min(self.start, other.start), max(self.end, other.end))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return _midnight(date(year, month, 1), zone)


def span(name: str, now: datetime, zone: ZoneInfo) -> Window:
    """A named span of time ("next_week") around `now`, in the person's zone. Weeks start on
    Monday, as Indonesian calendars have them."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    match name:
        case "today":
            return Window(_midnight(today, zone), _midnight(today + timedelta(1), zone))
        case "tomorrow":
            return Window(
                _midnight(today + timedelta(1), zone), _midnight(today + timedelta(2), zone)
            )
        case "day_after":
            return Window(
                _midnight(today + timedelta(2), zone), _midnight(today + timedelta(3), zone)
            )
        case "this_week":
            return Window(_midnight(today, zone), _midnight(monday + timedelta(7), zone))
        case "next_week":
            return Window(
                _midnight(monday + timedelta(7), zone), _midnight(monday + timedelta(14), zone)
            )
        case "weekend":
            return Window(
                _midnight(monday + timedelta(5), zone), _midnight(monday + timedelta(7), zone)
            )
        case "this_month":
            return Window(_midnight(today, zone), _month_start(today.year, today.month + 1, zone))
        case "next_month":
            start = _month_start(today.year, today.month + 1, zone)
            return Window(start, _month_start(today.year, today.month + 2, zone))
        case "this_year":
            return Window(_midnight(today, zone), _month_start(today.year + 1, 1, zone))
        case _:  # next_year
            return Window(
                _month_start(today.year + 1, 1, zone), _month_start(today.year + 2, 1, zone)
            )


def month_window(month: int, year: int | None, now: datetime, zone: ZoneInfo) -> Window:
    """A month by name: the coming one of that name (December in November is this year's,
    January in December is next year's), or the year written after it."""
    today = now.astimezone(zone).date()
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    return Window(_month_start(year, month, zone), _month_start(year, month + 1, zone))


# -- a question, read -----------------------------------------------------------------------------


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
    """What a question asks for; see the module's docstring for the order words are tried in."""
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


# -- events, read once ----------------------------------------------------------------------------


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
