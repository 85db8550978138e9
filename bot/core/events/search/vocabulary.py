"""The words the events search knows: kinds, "an event", online, stop words, synonyms, place
names that are everyday words, months and spans of time. Kept apart as plain tables so they can be
read and grown without reading the code that uses them."""

from __future__ import annotations

import re
from typing import Final


def _set(text: str) -> frozenset[str]:
    """A set of words written as a paragraph (long lists read better so)."""
    return frozenset(text.split())


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

# Names people use for places beside the official ones ("NTT", "Jogja", "Soe") are one table
# for the whole bot: bot.core.regions.aliases (the survey's region question reads it too).

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
