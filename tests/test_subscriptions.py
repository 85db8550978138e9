"""Announcements people chose (/langganan, /berhenti): an opt-in of its own (UU PDP), topics and
regions as toggles, stopping everything at once, /dataku and /hapusdata, and who a broadcast
of a topic in a region reaches."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.core.announcements import toggle_region, way_out
from bot.i18n import I18n
from bot.services.people import ANNOUNCEMENTS_CONSENT_VERSION, ANNOUNCEMENTS_PURPOSE
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import SubPlaces, SubRegion, SubShow, SubStop, SubTopic
from tests.helpers import consent, no_refusals, rows, to_review
from tests.test_consent_adult import ADULT, UNDER_18, traces_of

NO_LONGER_ACTIVE = "Tombol ini sudah tidak berlaku."


def subscription(settings: Settings, person: int) -> tuple[str, str] | None:
    found = rows(settings, "SELECT topics, regions FROM subscriptions WHERE user_id = ?", (person,))
    return (found[0]["topics"], found[0]["regions"]) if found else None


def consents(settings: Settings, person: int) -> list[tuple[str, str, bool]]:
    """(purpose, version, withdrawn) of every consent row of the person."""
    found = rows(
        settings,
        "SELECT purpose, version, withdrawn_at FROM consents WHERE user_id = ? ORDER BY id",
        (person,),
    )
    return [(r["purpose"], r["version"], r["withdrawn_at"] is not None) for r in found]


def toast_of(bot: Bot) -> str | None:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


async def subscribed(user: FakeUser) -> None:
    await user.send("/langganan")
    await user.tap(ADULT if user.language_code == "id" else "I agree, I am 18 or over")


async def test_subscribing_asks_its_own_consent_and_stores_nothing_before(bot: Bot) -> None:
    settings = bot.services.settings
    user = bot.user(9101)
    await user.send("/langganan")
    assert user.text.startswith("Pengumuman: tentang data Anda\n\n")
    assert "ID Telegram Anda serta topik dan wilayah" in user.text
    assert "/berhenti atau /hapusdata" in user.text
    assert user.buttons() == [ADULT, UNDER_18, "Tidak setuju"]
    assert traces_of(settings, 9101) == []
    await user.tap(ADULT)
    # Its own purpose, not the survey's.
    assert consents(settings, 9101) == [
        (ANNOUNCEMENTS_PURPOSE, ANNOUNCEMENTS_CONSENT_VERSION, False)
    ]
    assert subscription(settings, 9101) == ("[]", "[]")
    assert user.buttons() == [
        "⬜ Lokakarya dan acara",
        "⬜ Survei",
        "⬜ Informasi BPJS",
        "📍 Pilih wilayah",
        "✔️ Selesai",
    ]
    assert "Anda tidak akan menerima pengumuman sampai Anda memilih topik." in user.text
    assert "Wilayah: Seluruh Indonesia" in user.text
    no_refusals(bot)


async def test_under_18_or_no_stores_nothing(bot: Bot) -> None:
    settings = bot.services.settings
    child = bot.user(9102)
    await child.send("/langganan")
    await child.tap(UNDER_18)
    assert "orang tua atau wali" in child.text
    no = bot.user(9103)
    await no.send("/langganan")
    await no.tap("Tidak setuju")
    assert (
        no.text == "Tidak ada data yang disimpan. Anda dapat berlangganan nanti dengan /langganan."
    )
    await bot.services.intake.idle()
    assert traces_of(settings, 9102) == []
    assert subscription(settings, 9103) is None and consents(settings, 9103) == []
    no_refusals(bot)


async def test_topics_and_regions_toggle_and_survive_a_restart(settings: Settings) -> None:
    telegram = FakeTelegram()  # the same Telegram on both sides of the restart
    async with running_bot(settings, telegram) as bot:
        user = bot.user(9104)
        await subscribed(user)
        await user.tap("Lokakarya dan acara")
        await user.tap("Informasi BPJS")
        assert subscription(settings, 9104) == ('["events", "bpjs"]', "[]")
        await user.tap("Lokakarya dan acara")
        assert subscription(settings, 9104) == ('["bpjs"]', "[]")
        await user.tap("Lokakarya dan acara")
        assert user.buttons()[:3] == ["✅ Lokakarya dan acara", "⬜ Survei", "✅ Informasi BPJS"]
        # Regions: a province, then its kabupaten/kota, as in /acara.
        await user.tap("📍 Pilih wilayah")
        assert user.buttons()[0] == "✅ Seluruh Indonesia"
        assert "Nusa Tenggara Timur" in user.buttons()
        await user.tap("Nusa Tenggara Timur")
        assert user.buttons()[0] == "⬜ Seluruh Nusa Tenggara Timur"
        await user.tap("⬜ Kota Kupang")
        assert subscription(settings, 9104) == ('["events", "bpjs"]', '["53.71"]')
        assert "✅ Kota Kupang" in user.buttons()
        # The whole province takes the place of the city in it; the city again narrows it.
        await user.tap("Seluruh Nusa Tenggara Timur")
        assert subscription(settings, 9104) == ('["events", "bpjs"]', '["53"]')
        await user.tap("Kota Kupang")
        await user.tap("Kabupaten Kupang")
        assert subscription(settings, 9104) == ('["events", "bpjs"]', '["53.01", "53.71"]')
        await user.tap("Kabupaten Kupang")  # off again
        await user.tap("◀️ Kembali")
        assert "✅ Nusa Tenggara Timur" in user.buttons()
        assert user.buttons()[0] == "⬜ Seluruh Indonesia"
        await user.tap("◀️ Kembali")
        await user.tap("✔️ Selesai")
        assert user.text == (
            "Tersimpan. Anda akan menerima pengumuman tentang: Lokakarya dan acara, "
            "Informasi BPJS. Wilayah: Kota Kupang. Ubah dengan /langganan; hentikan dengan "
            "/berhenti."
        )
        no_refusals(bot)
    async with running_bot(settings, telegram) as bot:
        user = bot.user(9104)
        await user.send("/langganan")
        assert "Wilayah: Kota Kupang" in user.text
        assert user.buttons()[:3] == ["✅ Lokakarya dan acara", "⬜ Survei", "✅ Informasi BPJS"]
        await user.tap("📍 Pilih wilayah")
        await user.tap("Seluruh Indonesia")
        assert subscription(settings, 9104) == ('["events", "bpjs"]', "[]")
        assert "Wilayah: Seluruh Indonesia" in user.text
        no_refusals(bot)


async def test_berhenti_confirms_then_removes_everything(bot: Bot) -> None:
    settings = bot.services.settings
    only = bot.user(9105)  # agreed to announcements only
    await subscribed(only)
    await only.tap("Survei")
    screen = only.last
    await only.send("/berhenti")
    assert only.buttons() == ["Ya, hentikan", "Tidak, tetap terima"]
    await only.tap("Tidak, tetap terima")
    assert only.text == "Langganan pengumuman Anda tetap berlaku."
    assert subscription(settings, 9105) == ('["surveys"]', "[]")
    await only.send("/berhenti")
    await only.tap("Ya, hentikan")
    assert "Anda tidak akan menerima pengumuman lagi" in only.text
    # Nothing else was agreed to, so nothing at all is kept about them.
    assert subscription(settings, 9105) is None
    assert rows(settings, "SELECT * FROM users WHERE id = 9105") == []
    # The old screen's toggles are no longer active, and store nothing.
    await only.deliver(only.callback_update(SubTopic("events").pack(), screen))
    assert toast_of(bot) == NO_LONGER_ACTIVE
    assert subscription(settings, 9105) is None
    await only.send("/berhenti")
    assert only.text == "Anda tidak berlangganan pengumuman."

    both = bot.user(9106)  # a survey respondent as well: that consent stays
    await consent(both)
    await subscribed(both)
    await both.tap("Survei")
    await both.send("/berhenti")
    await both.tap("Ya, hentikan")
    assert subscription(settings, 9106) is None
    assert [(p, w) for p, _v, w in consents(settings, 9106)] == [
        ("survey", False),
        (ANNOUNCEMENTS_PURPOSE, True),  # the record that they said no stays
    ]
    # Subscribing again asks again.
    await both.send("/langganan")
    assert both.buttons() == [ADULT, UNDER_18, "Tidak setuju"]
    no_refusals(bot)


async def test_dataku_lists_and_hapusdata_withdraws_only_the_subscription(bot: Bot) -> None:
    settings = bot.services.settings
    user = bot.user(9107)
    await consent(user)
    await subscribed(user)
    await user.tap("Informasi BPJS")
    await user.send("/dataku")
    assert "\nLangganan pengumuman\n• Topik: Informasi BPJS\n" in user.text
    assert "• Topik: Informasi BPJS" in user.text
    assert "• Wilayah: Seluruh Indonesia" in user.text
    await user.send("/hapusdata")
    assert "Hanya langganan pengumuman saya" in user.buttons()
    await user.tap("Hanya langganan pengumuman saya")
    assert "“Hanya langganan pengumuman saya” sudah dihapus" in user.text
    assert subscription(settings, 9107) is None
    assert [(p, w) for p, _v, w in consents(settings, 9107)] == [
        ("survey", False),
        (ANNOUNCEMENTS_PURPOSE, True),
    ]
    await user.send("/dataku")
    assert "Langganan pengumuman" not in user.text
    # Everything: the subscription cascades with the person.
    other = bot.user(9108)
    await consent(other)
    await subscribed(other)
    await other.send("/hapusdata")
    await other.tap("Ya, hapus semua")
    assert subscription(settings, 9108) is None
    assert traces_of(settings, 9108) == []
    no_refusals(bot)


async def test_english(bot: Bot) -> None:
    user = bot.user(9109, "en")
    await user.send("/subscribe")
    assert "Announcements: about your data" in user.text
    await subscribed(user)
    await user.tap("Surveys")
    await user.tap("✔️ Done")
    assert user.text == (
        "Saved. You will receive announcements on: Surveys. Regions: All of Indonesia. "
        "Change them with /langganan; stop them with /berhenti."
    )
    await user.send("/unsubscribe")
    await user.tap("Yes, stop them")
    assert user.text.startswith("Done: you will receive no more announcements")
    no_refusals(bot)


@pytest.mark.parametrize(
    "data",
    [
        SubTopic("nope").pack(),
        SubRegion("99.99").pack(),
        SubRegion("").pack(),
        SubPlaces("53.71").pack(),
        SubPlaces("99").pack(),
        "subt",
        "subx:maybe",
        "subr",
    ],
)
async def test_forged_buttons_change_nothing(bot: Bot, data: str) -> None:
    settings = bot.services.settings
    user = bot.user(9110)
    await subscribed(user)
    await user.deliver(user.callback_update(data, user.last))
    assert toast_of(bot) == NO_LONGER_ACTIVE
    assert subscription(settings, 9110) == ("[]", "[]")
    no_refusals(bot)


@pytest.mark.parametrize(
    "data", [SubTopic("events").pack(), SubShow(True).pack(), SubStop(True).pack()]
)
async def test_buttons_before_agreeing_store_nothing(bot: Bot, data: str) -> None:
    user = bot.user(9111)
    await user.send("/langganan")
    await user.deliver(user.callback_update(data, user.last))
    assert toast_of(bot) == NO_LONGER_ACTIVE
    assert traces_of(bot.services.settings, 9111) == []
    no_refusals(bot)


# -- who an announcement reaches ----------------------------------------------------------------

# person: (topics, regions)
SUBSCRIBERS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    1: (("events",), ()),
    2: (("surveys",), ()),
    3: (("events",), ("53",)),  # all of NTT
    4: (("events",), ("53.71",)),  # Kota Kupang
    5: (("events", "bpjs"), ("53.01",)),  # Kabupaten Kupang
    6: (("events",), ("31",)),  # DKI Jakarta
    7: ((), ()),  # agreed, chose no topic
    8: (("events", "surveys", "bpjs"), ()),  # stopped since
    9: (("events", "surveys", "bpjs"), ()),  # blocked the bot since
}

AUDIENCES = [
    # (topic, region): who it reaches
    ((None, None), [1, 2, 3, 4, 5, 6]),
    (("events", None), [1, 3, 4, 5, 6]),
    (("surveys", None), [2]),
    (("bpjs", None), [5]),
    # A province reaches those who chose it, or a place in it.
    (("events", "53"), [1, 3, 4, 5]),
    ((None, "53"), [1, 2, 3, 4, 5]),
    (("bpjs", "53"), [5]),
    # A city reaches those who chose it or its whole province, not its neighbours.
    (("events", "53.71"), [1, 3, 4]),
    (("bpjs", "53.71"), []),
    (("events", "53.01"), [1, 3, 5]),
    (("events", "31.71"), [1, 6]),
    (("surveys", "31"), [2]),
    (("events", "11"), [1]),
]


async def test_audience_by_topic_and_region(bot: Bot) -> None:
    subs = bot.services.subscriptions
    for person, (topics, places) in SUBSCRIBERS.items():
        await subs.start(person, "id")
        for topic in topics:
            await subs.toggle_topic(person, topic)
        for place in places:
            await subs.toggle_region(person, place)
    await bot.services.rights.withdraw(8, ANNOUNCEMENTS_PURPOSE)
    await bot.services.db.write(
        ("INSERT INTO unreachable (person, since, reason) VALUES (9, '2026', 'blocked')", ())
    )
    found = {key: await subs.members(*key) for key, _who in AUDIENCES}
    assert found == dict(AUDIENCES)
    # The query stands as a subquery too (the sender's outbox fills from one).
    audience = subs.audience("events", "53")
    counted = rows(
        bot.services.settings,
        f"SELECT COUNT(*) AS n FROM users WHERE id IN ({audience.sql})",
        audience.params,
    )
    assert counted[0]["n"] == 4


async def test_at_most_ten_regions(bot: Bot) -> None:
    user = bot.user(9113)
    await subscribed(user)
    await user.tap("📍 Pilih wilayah")
    await user.tap("Nusa Tenggara Timur")
    places = [b.removeprefix("⬜ ") for b in user.buttons()[1:12]]
    for place in places[:10]:
        await user.tap(place)
    chosen = subscription(bot.services.settings, 9113)
    assert chosen is not None and len(json.loads(chosen[1])) == 10
    await user.tap(places[10])
    assert toast_of(bot) == "Anda dapat memilih paling banyak 10 wilayah. Hapus salah satu dulu."
    assert subscription(bot.services.settings, 9113) == chosen
    no_refusals(bot)


def test_overlapping_regions_are_kept_once() -> None:
    assert toggle_region((), "53.71") == ("53.71",)
    assert toggle_region(("53.71", "53.01", "31"), "53") == ("31", "53")
    assert toggle_region(("53", "31"), "53.71") == ("31", "53.71")
    assert toggle_region(("53.71",), "53.71") == ()
    full = tuple(f"53.{n:02d}" for n in range(1, 11))
    assert toggle_region(full, "31") == full  # MOST_REGIONS: no more


def test_the_way_out_line_in_both_languages() -> None:
    i18n = I18n("id")
    assert way_out(i18n.gettext("id")) == "Tidak ingin menerima pengumuman lagi? Ketik /berhenti."
    assert way_out(i18n.gettext("en")) == "Don't want announcements any more? Type /berhenti."


async def test_after_a_survey_announcements_are_offered_until_subscribed(mini: Bot) -> None:
    user = mini.user(9112)
    await consent(user, "uji")
    await to_review(user)
    await user.tap("Kirim")
    assert user.buttons() == ["📅 Acara mendatang", "🔔 Terima pengumuman"]
    offer = user.last
    await user.tap("Terima pengumuman")
    assert user.last["message_id"] == offer["message_id"]  # the offer became the notice
    assert user.text.startswith("Pengumuman: tentang data Anda")
    assert subscription(mini.services.settings, 9112) is None
    await user.tap(ADULT)
    await user.tap("Survei")
    assert subscription(mini.services.settings, 9112) == ('["surveys"]', "[]")
    assert "✅ Survei" in user.buttons()
    no_refusals(mini)
