"""Which of Indonesia's three time zones a region keeps, from its province.

An event's local times ("09.00 in Kupang") only mean something in its own zone, so every event
stores the zone it was entered in. The zone follows the province (Kemendagri code, the part of a
region code before the dot), and this table is the one place that says which.

West and Central Kalimantan are `Asia/Pontianak` in the IANA database, with the same offset and
the same "WIB" as `Asia/Jakarta` since 1988. We use `Asia/Jakarta` for every WIB province, so a
stored zone is always one of the three the programme speaks of (WIB, WITA, WIT).
"""

from __future__ import annotations

from typing import Final

WIB: Final = "Asia/Jakarta"  # UTC+7
WITA: Final = "Asia/Makassar"  # UTC+8
WIT: Final = "Asia/Jayapura"  # UTC+9

ZONES: Final = (WIB, WITA, WIT)

PROVINCE_ZONES: Final[dict[str, str]] = {
    "11": WIB,  # Aceh
    "12": WIB,  # Sumatera Utara
    "13": WIB,  # Sumatera Barat
    "14": WIB,  # Riau
    "15": WIB,  # Jambi
    "16": WIB,  # Sumatera Selatan
    "17": WIB,  # Bengkulu
    "18": WIB,  # Lampung
    "19": WIB,  # Kepulauan Bangka Belitung
    "21": WIB,  # Kepulauan Riau
    "31": WIB,  # DKI Jakarta
    "32": WIB,  # Jawa Barat
    "33": WIB,  # Jawa Tengah
    "34": WIB,  # DI Yogyakarta
    "35": WIB,  # Jawa Timur
    "36": WIB,  # Banten
    "51": WITA,  # Bali
    "52": WITA,  # Nusa Tenggara Barat
    "53": WITA,  # Nusa Tenggara Timur (Kupang, Soe)
    "61": WIB,  # Kalimantan Barat
    "62": WIB,  # Kalimantan Tengah
    "63": WITA,  # Kalimantan Selatan
    "64": WITA,  # Kalimantan Timur
    "65": WITA,  # Kalimantan Utara
    "71": WITA,  # Sulawesi Utara
    "72": WITA,  # Sulawesi Tengah
    "73": WITA,  # Sulawesi Selatan
    "74": WITA,  # Sulawesi Tenggara
    "75": WITA,  # Gorontalo
    "76": WITA,  # Sulawesi Barat
    "81": WIT,  # Maluku
    "82": WIT,  # Maluku Utara
    "91": WIT,  # Papua
    "92": WIT,  # Papua Barat
    "93": WIT,  # Papua Selatan
    "94": WIT,  # Papua Tengah
    "95": WIT,  # Papua Pegunungan
    "96": WIT,  # Papua Barat Daya
}


def zone_of(region_code: str) -> str:
    """The IANA zone of a province ("53") or kabupaten/kota ("53.71"). KeyError if the province
    is not in the table."""
    return PROVINCE_ZONES[region_code.split(".")[0]]
