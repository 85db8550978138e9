"""Places in a question: every way of writing the name of a province or kabupaten/kota (and the
names people use), and whether an event's region is in the place asked about. Apart because it is
the one part that reads bot.core.regions."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Final

from bot.core import regions
from bot.core.events.search.vocabulary import _EVERYDAY_NAMES
from bot.core.events.search.words import _PLACE_FUZZY_MIN, words_of

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
    for alias, codes in regions.aliases().items():  # the names people use, one table
        found.setdefault(tuple(words_of(alias)), set()).update(codes)
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
