"""Announcements people can subscribe to: the topics, how chosen regions combine, and the line
every announcement ends with. Pure: no Telegram, no database.

Regions are Kemendagri codes: a province ("53") or a kabupaten/kota ("53.71"). None chosen
means all of Indonesia. Choosing a whole province drops its kabupaten/kota already chosen (the
province covers them), and choosing a kabupaten/kota drops its whole province (the person
narrowed it), so a list never says the same place twice.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import N_, Gettext

# The order they are shown in; the codes are stored, so they stay as they are.
TOPICS: Final = {
    "events": N_("Workshops and events"),
    "surveys": N_("Surveys"),
    "bpjs": N_("BPJS information"),
}
# Enough for someone who works in a few places; a keyboard of more would not read.
MOST_REGIONS: Final = 10


def toggle_topic(topics: tuple[str, ...], topic: str) -> tuple[str, ...]:
    """`topics` with `topic` turned on or off, in the order of TOPICS."""
    chosen = set(topics) ^ {topic}
    return tuple(t for t in TOPICS if t in chosen)


def toggle_region(regions: tuple[str, ...], code: str) -> tuple[str, ...]:
    """`regions` with `code` turned on or off. Turning one on drops what it overlaps (its
    kabupaten/kota for a province, its province for a kabupaten/kota); past MOST_REGIONS the
    list stays as it was."""
    if code in regions:
        return tuple(r for r in regions if r != code)
    province = code.split(".")[0]
    kept = tuple(
        r for r in regions if not (r.startswith(f"{code}.") if "." not in code else r == province)
    )
    if len(kept) >= MOST_REGIONS:
        return regions
    return tuple(sorted((*kept, code)))


def way_out(_: Gettext) -> str:
    """The one line every announcement ends with (plain text: escape it for HTML)."""
    return _("Don't want announcements any more? Type /berhenti.")
