"""A confirmed seat's ticket (the .ics and the check-in QR code) and check-in at the door:
staff opening a ticket's link record the attendance once; for anyone else the link is an
ordinary /start that reveals nothing."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import segno
from icalendar import Calendar

from bot.config import Settings
from bot.core.events import ticket
from bot.services.people import EVENTS_PURPOSE
from bot.storage.database import migrations
from bot.testing import harness
from bot.testing.fake_telegram import BOT_USER
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import ShowTicket
from tests.helpers import clock_at, no_refusals, rows
from tests.test_event_registration import daftar, event_id, fire_due, said, set_capacity
from tests.test_events_chat import NOW, store

STAFF = 901
TITLE = "Lokakarya Pendaftaran Merek dan HAKI untuk UMKM"
# 15 December 2026 09.12 WITA, twelve minutes after the HAKI workshop began.
DOOR = datetime(2026, 12, 15, 1, 12, tzinfo=UTC)


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        await store(running)
        yield running
        no_refusals(running)


def code_of(settings: Settings, user_id: int) -> str:
    (row,) = rows(
        settings,
        "SELECT checkin_code FROM registrations WHERE user_id = ? AND checkin_code IS NOT NULL",
        (user_id,),
    )
    return str(row["checkin_code"])


def link(code: str) -> str:
    return f"https://t.me/{BOT_USER['username']}?start=ci-{code}"


def png_modules(png: bytes) -> list[list[bool]]:
    """The dark modules of a QR code in a 1-bit greyscale PNG, read from its pixels: the
    quiet zone and the module size are found from the top-left finder pattern (7 modules)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, data = 8, b""
    while pos < len(png):
        (size,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            data += body
        pos += 12 + size
    assert (depth, colour) == (1, 0)
    raw, stride = zlib.decompress(data), (width + 7) // 8
    pixels, above = [], bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):  # PNG filters, one byte per "pixel" at this depth
            left, up = line[x - 1] if x else 0, above[x]
            corner = above[x - 1] if x else 0
            guess = {0: 0, 1: left, 2: up, 3: (left + up) // 2}.get(kind)
            if guess is None:  # Paeth
                p = left + up - corner
                guess = min(
                    (abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner)
                )[2]
            line[x] = (line[x] + guess) % 256
        above = line
        pixels.append([not (line[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    first = next(y for y, row in enumerate(pixels) if any(row))
    left = pixels[first].index(True)
    scale = pixels[first][left:].index(False) // 7
    last = max(y for y, row in enumerate(pixels) if any(row))
    count = (last - first + 1) // scale
    return [
        [
            pixels[first + r * scale + scale // 2][left + c * scale + scale // 2]
            for c in range(count)
        ]
        for r in range(count)
    ]


def encodes(png: bytes, text: str) -> bool:
    """Whether the picture is the QR code of exactly `text` (at any error-correction level)."""
    modules = png_modules(png)
    for error in "lmqh":
        for boost in (True, False):
            qr = segno.make(text, error=error, boost_error=boost, micro=False)
            if [[bool(m) for m in row] for row in qr.matrix] == modules:
                return True
    return False


def new_messages(user: FakeUser, before: int) -> list[tuple[str, list[str]]]:
    return [
        (str(m.get("text", m.get("caption", ""))), user.buttons(m)) for m in user.messages[before:]
    ]


async def test_a_confirmed_seat_comes_with_its_calendar_file_and_qr_code(
    bot: Bot, staff_settings: Settings
) -> None:
    user = bot.user(801)
    await daftar(user)
    confirmation = next(
        i for i, m in enumerate(user.messages) if m.get("text", "").startswith("✅ Anda terdaftar")
    )
    after = user.messages[confirmation:]
    assert len(after) == 3  # the confirmation, the calendar file, the QR code
    assert after[1]["caption"] == f"📅 Tambahkan “{TITLE}” ke kalender Anda: buka berkas ini."
    assert after[2]["caption"].split("\n") == [
        f"🎫 Tiket masuk: “{TITLE}”",
        "🗓 Selasa, 15 Desember 2026 pukul 09.00 WITA",
        "",
        "Tunjukkan kode QR ini kepada panitia di pintu masuk.",
    ]
    assert "photo" in after[2] and "document" in after[1]
    ics, qr = user.files()
    assert ics.filename == "haki-kupang-2026-12.ics"
    entry = Calendar.from_ical(ics.content).events[0]
    assert entry.decoded("DTSTART") == datetime(2026, 12, 15, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    assert str(entry["SUMMARY"]) == TITLE
    code = code_of(bot.services.settings, 801)
    assert len(code) == 16 and code.replace("-", "").replace("_", "").isalnum()
    assert encodes(qr.content, link(code))
    assert not encodes(qr.content, link(code[:-1] + ("A" if code[-1] != "A" else "B")))

    # A place on the waiting list has no ticket.
    await set_capacity(bot, 1)
    waiting = bot.user(802)
    await daftar(waiting)
    assert said(waiting).startswith("Acara ini sudah penuh.")
    assert waiting.files() == []
    assert (
        rows(staff_settings, "SELECT checkin_code FROM registrations WHERE user_id = 802")[0][0]
        is None
    )

    # Promoted into a freed seat: told, with the ticket.
    await bot.services.events.cancel(801, await event_id(bot))
    await fire_due(bot)
    assert said(waiting).startswith("Kabar baik")
    assert [f.filename for f in waiting.files()] == [
        "haki-kupang-2026-12.ics",
        "haki-kupang-2026-12-qr.png",
    ]
    assert encodes(waiting.files()[1].content, link(code_of(staff_settings, 802)))


async def test_the_ticket_again_from_acarasaya(bot: Bot, staff_settings: Settings) -> None:
    user = bot.user(811, "en")
    await daftar(user)
    await user.send("/myevents")
    assert "🎫 sends your QR code for entry and the calendar file again." in user.text
    listing = user.last
    await user.tap("🎫 15 Dec")
    assert [f.filename for f in user.files()] == [
        "haki-kupang-2026-12.ics",
        "haki-kupang-2026-12-qr.png",
    ] * 2
    assert user.text.startswith("🎫 Entry ticket: “Trademark and IP registration workshop")
    # Cancelled: the old 🎫 no longer works, and forged data neither.
    await bot.services.events.cancel(811, await event_id(bot))
    for data in (ShowTicket(await event_id(bot)).pack(), ShowTicket(999).pack(), "ci:x"):
        await user.deliver(user.callback_update(data, listing))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == "That button is no longer active.", data
    assert len(user.files()) == 4


async def test_staff_check_someone_in_once(bot: Bot, staff_settings: Settings) -> None:
    guest, staff = bot.user(821), bot.user(STAFF)
    await daftar(guest)
    code = code_of(staff_settings, 821)
    (registration,) = rows(staff_settings, "SELECT id FROM registrations WHERE user_id = 821")
    number = registration["id"]
    bot.clock.advance(DOOR - bot.clock.now())
    await staff.send(f"/start ci-{code}")
    assert staff.text.split("\n") == [
        "✅ Kehadiran tercatat pukul 09.12 WITA.",
        "",
        TITLE,
        "🗓 Selasa, 15 Desember 2026 pukul 09.00 WITA",
        f"No. pendaftaran {number}",
    ]
    (row,) = rows(
        staff_settings,
        "SELECT attended_at, checked_in_by FROM registrations WHERE id = ?",
        (number,),
    )
    attended = datetime.fromisoformat(row["attended_at"])
    assert DOOR <= attended < DOOR + timedelta(minutes=1)
    assert row["checked_in_by"] == STAFF
    await fire_due(bot)
    assert guest.text == f"✅ Kehadiran Anda di “{TITLE}” sudah tercatat. Selamat datang!"

    # A second scan, by the same or another staff member, records nothing new.
    bot.clock.advance(timedelta(minutes=5))
    await staff.send(f"/start ci-{code}")
    assert staff.text.split("\n")[0] == (
        "⚠️ Sudah tercatat hadir pukul 09.12 WITA. Tidak ada yang dicatat ulang."
    )
    again = rows(staff_settings, "SELECT attended_at FROM registrations WHERE id = ?", (number,))
    assert datetime.fromisoformat(again[0]["attended_at"]) == attended
    await fire_due(bot)
    assert len([m for m in guest.messages if "Kehadiran Anda" in m.get("text", "")]) == 1

    # The attendance shows in /dataku.
    await guest.send("/dataku")
    assert f"• {TITLE} (Selasa, 15 Desember 2026 pukul 09.00 WITA): ✅ Terdaftar, hadir" in (
        guest.text
    )


async def test_someone_else_opening_a_ticket_gets_the_plain_start_and_nothing_is_stored(
    bot: Bot, staff_settings: Settings
) -> None:
    await daftar(bot.user(831))
    code = code_of(staff_settings, 831)
    bot.clock.advance(DOOR - bot.clock.now())
    # A stranger (no data at all) and the registrant themself, each beside someone in the
    # same position opening a link that is no ticket.
    for finder, control in ((bot.user(832), bot.user(833)), (bot.user(831), bot.user(834))):
        if finder.id == 831:
            await bot.services.people.consent(834, "id", EVENTS_PURPOSE)
        before, control_before = len(finder.messages), len(control.messages)
        await finder.send(f"/start ci-{code}")
        await control.send("/start zz-unknown")
        assert new_messages(finder, before) == new_messages(control, control_before)
        assert new_messages(finder, before)  # answered: the greeting and the data notice
    assert rows(staff_settings, "SELECT * FROM users WHERE id = 832") == []
    assert rows(staff_settings, "SELECT attended_at FROM registrations")[0][0] is None
    assert rows(staff_settings, "SELECT * FROM jobs") == []

    # Staff still get the ordinary /start without a ticket's payload.
    staff = bot.user(STAFF)
    await staff.send("/start")
    assert staff.messages[0]["text"].startswith("Halo!")


async def test_what_staff_are_told_for_a_ticket_that_does_not_admit(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF, "en")
    await set_capacity(bot, 1)
    first, second = bot.user(841), bot.user(842)
    await daftar(first)
    await daftar(second)  # waiting
    first_code = code_of(staff_settings, 841)

    async def scan(payload: str) -> str:
        await staff.send(f"/start {payload}")
        return staff.text.split("\n")[0]

    # The ticket of another day.
    assert await scan(f"ci-{first_code}") == (
        "⚠️ This ticket is for another day (Tuesday, 15 December 2026). Nothing was recorded."
    )
    # A cancelled place (its seat went to the one waiting, who now has a ticket).
    await bot.services.events.cancel(841, await event_id(bot))
    bot.clock.advance(DOOR - bot.clock.now())
    # Forged or mistyped codes.
    for payload in ("ci-AAAAAAAAAAAAAAAA", "ci-short", f"ci-{first_code}x", "ci-"):
        assert await scan(payload) == "⛔ No registration has this code. Nothing was recorded."
    assert await scan(f"ci-{first_code}") == "⛔ Not admitted: this registration was cancelled."
    second_code = code_of(staff_settings, 842)
    # A place moved back to the waiting list (staff lowering the seats, say).
    await bot.services.db.write(
        ("UPDATE registrations SET status = 'waiting' WHERE user_id = 842", ())
    )
    assert await scan(f"ci-{second_code}") == (
        "⛔ Not admitted: this person is on the waiting list and has no seat."
    )
    await bot.services.db.write(
        ("UPDATE registrations SET status = 'confirmed' WHERE user_id = 842", ())
    )
    await bot.services.db.write(
        ("UPDATE events SET status = 'cancelled' WHERE slug = 'haki-kupang-2026-12'", ())
    )
    assert (
        await scan(f"ci-{second_code}") == "⛔ This event has been cancelled. Nothing was recorded."
    )
    assert rows(staff_settings, "SELECT * FROM registrations WHERE attended_at IS NOT NULL") == []
    assert "Registration no." in staff.text


def test_seats_confirmed_before_the_migration_get_a_ticket_that_scans() -> None:
    conn = sqlite3.connect(":memory:")
    stamp = "2026-12-01T08:00:00.000000+00:00"
    for number, _name, sql in migrations():
        if number == 8:  # data as an older version of the bot left it
            conn.execute("INSERT INTO users VALUES (1, 'id', ?, ?)", (stamp, stamp))
            conn.execute(
                "INSERT INTO events (slug, kind, title_id, title_en, description_id, "
                "description_en, region, venue, zone, starts_at, ends_at, created_at, updated_at) "
                "VALUES ('a', 'dialog', 't', 't', 'd', 'd', '53.71', 'v', 'Asia/Makassar', "
                "'2026-12-15T01:00:00.000000+00:00', '2026-12-15T04:00:00.000000+00:00', ?, ?)",
                (stamp, stamp),
            )
            conn.execute(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at) "
                "VALUES (1, 1, 'confirmed', ?, ?), (1, 1, 'cancelled', ?, ?)",
                (stamp, stamp, stamp, stamp),
            )
        conn.executescript(sql)
    (seat, gone) = conn.execute(
        "SELECT checkin_code, confirmed_at FROM registrations ORDER BY id"
    ).fetchall()
    assert ticket.code_of(ticket.payload(seat[0])) == seat[0]
    assert seat[1] == stamp
    assert gone == (None, None)
