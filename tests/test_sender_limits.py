"""The broadcast sender at Telegram's limits: the way-out button under every copy, twenty a
minute to a group, replies that never wait for a broadcast and take their slots from its pace,
in-flight copies that follow the rate, and a Telegram that enforces its limits with 429s.

Paces are measured on the calls' arrival times (the fake Telegram stamps each): only upper
bounds, which a slow machine makes easier, never a duration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from telegram import Bot as TelegramBot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.config import Settings
from bot.outbox.post import LeanRequest
from bot.outbox.sender import CONCURRENCY, PER_GROUP, Sender, _seconds, concurrency_for
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.outbox import Content, Outbox
from bot.testing import harness
from bot.testing.fake_telegram import (
    TEST_TOKEN,
    ApiError,
    Call,
    FakeTelegram,
    Limits,
    too_many,
)
from bot.testing.harness import Bot, running_bot
from bot.testing.loopback import LoopbackServer
from tests.conftest import TEST_SURVEYS
from tests.helpers import consent, no_refusals, rows
from tests.test_outbox import broadcast, people, statuses
from tests.test_subscriptions import subscribed, subscription


def settings_at(tmp_path: Path, per_second: float) -> Settings:
    return harness.test_settings(
        tmp_path, surveys_dir=TEST_SURVEYS, broadcast_per_second=per_second
    )


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(settings_at(tmp_path, 1000)) as running:
        yield running


def copy_markups(telegram: FakeTelegram, person: int) -> list[Any]:
    return [m.get("reply_markup") for m in telegram.bot_messages(person) if "copied_from" in m]


async def test_every_copy_carries_the_way_out_in_the_recipients_language(bot: Bot) -> None:
    indonesian, english = bot.user(9301), bot.user(9302, "en")
    await subscribed(indonesian)
    await subscribed(english)
    unknown = await people(bot, 1)  # someone whose language the bot never learnt: the default
    await broadcast(bot, [9301, 9302, *unknown])
    await bot.services.sender.idle()

    def way_out(label: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": label, "callback_data": "subq"}]]}

    assert copy_markups(bot.telegram, 9301) == [way_out("🔕 Berhenti terima pengumuman")]
    assert copy_markups(bot.telegram, 9302) == [way_out("🔕 Stop announcements")]
    assert copy_markups(bot.telegram, unknown[0]) == [way_out("🔕 Berhenti terima pengumuman")]

    # The button opens the /berhenti question; the announcement itself stays as it was.
    copy = next(m for m in bot.telegram.bot_messages(9302) if "copied_from" in m)
    await english.tap("🔕 Stop announcements", copy)
    assert english.text == "Stop all announcements? Your chosen topics and regions will be deleted."
    assert copy["text"] == "Workshop HAKI di Kupang" and "edit_date" not in copy
    await english.tap("Yes, stop them")
    assert subscription(bot.services.settings, 9302) is None
    assert subscription(bot.services.settings, 9301) is not None
    no_refusals(bot)


async def test_the_way_out_of_someone_no_longer_subscribed_says_so(bot: Bot) -> None:
    person = bot.user(9303)
    await subscribed(person)
    await broadcast(bot, [9303])
    await bot.services.sender.idle()
    copy = next(m for m in bot.telegram.bot_messages(9303) if "copied_from" in m)
    await person.send("/berhenti")
    await person.tap("Ya, hentikan")
    await person.tap("🔕 Berhenti terima pengumuman", copy)
    assert person.text == "Anda tidak berlangganan pengumuman."
    # A forged variant of the button is answered as no longer active, not a traceback.
    await person.deliver(person.callback_update("subq:x", copy))
    last = bot.telegram.calls_to("answerCallbackQuery")[-1]
    assert last.params.get("text") == "Tombol ini sudah tidak berlaku."
    no_refusals(bot)


class FrozenSleeps:
    """The sender's sleep and clock: time stands still, so each chat's turns are exact; the
    waits asked for are recorded, and last a moment."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        await asyncio.sleep(0.01)

    @staticmethod
    def monotonic() -> float:
        return 1000.0


async def test_a_group_gets_at_most_twenty_a_minute_a_private_chat_one_a_second(
    bot: Bot,
) -> None:
    sender: Sender = bot.services.sender
    sleeps = FrozenSleeps()
    sender.sleep, sender.monotonic = sleeps, sleeps.monotonic
    group = -1001234567  # a group's chat id is negative
    await bot.services.db.write(
        (
            "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', 'x', 'x')",
            (group,),
        )
    )
    private = await people(bot, 1)
    for text in ("Satu", "Dua", "Tiga"):
        await broadcast(bot, [group, *private], text)
    await sender.idle()
    assert PER_GROUP == 3.0  # 60 s / 20
    # Each second and third message waited its turn after the one before (time stands still
    # here): a second for the person, three for the group.
    assert sorted(sleeps.waits) == [1.0, 1.0, 3.0, 3.0]
    texts = [m["text"] for m in bot.telegram.bot_messages(group) if "copied_from" in m]
    assert texts == ["Satu", "Dua", "Tiga"]
    no_refusals(bot)


def test_in_flight_follows_the_rate_and_is_eight_at_the_default() -> None:
    assert concurrency_for(28) == CONCURRENCY == 8
    assert concurrency_for(100) == 25
    assert concurrency_for(1000) == 250  # paid broadcasts: also what a hard kill can repeat


async def test_default_settings_keep_the_documented_bound_of_eight(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS)
    async with running_bot(settings) as running:
        assert settings.broadcast_per_second == 28
        assert running.services.sender.concurrency == 8


async def test_a_429_to_a_reply_pauses_the_broadcast_too(bot: Bot) -> None:
    # Telegram's flood control covers the whole bot: when it answers a reply with "retry
    # after 5", no broadcast copy goes for those 5 seconds either.
    sender: Sender = bot.services.sender
    waits: list[float] = []
    over = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await over.wait()

    sender.sleep = sleep
    bot.telegram.fail_next["sendMessage"] = too_many(5)
    await bot.user(9500).send("/bantuan")
    recipients = await people(bot, 20)
    await broadcast(bot, recipients)
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert waits == [5.0]
    assert bot.telegram.calls_to("copyMessage") == []  # the broadcast waits out the 429
    over.set()
    await sender.idle()
    assert len(bot.telegram.calls_to("copyMessage")) == 20
    no_refusals(bot)


def interactive(call: Call) -> bool:
    return call.method != "copyMessage" and "chat_id" in call.params


async def test_replies_never_wait_for_a_broadcast_and_take_their_slots_from_its_pace(
    tmp_path: Path,
) -> None:
    rate = 40
    async with running_bot(settings_at(tmp_path, rate)) as bot:
        telegram = bot.telegram
        recipients = await people(bot, 160)
        askers = [bot.user(9400 + i) for i in range(30)]
        respondent = bot.user(9399)
        await consent(respondent, "uji")

        # Telegram holds every answer to the broadcast: its copies in flight are stuck, and
        # the rest are queued behind them. Thirty people write at once; all are answered.
        telegram.hold_answers("copyMessage")
        first = await broadcast(bot, recipients)
        for _ in range(300):
            if len(telegram.calls_to("copyMessage")) >= bot.services.sender.concurrency:
                break
            await asyncio.sleep(0.01)
        await bot.deliver(*(a.message_update("/bantuan") for a in askers))
        assert all("/langganan" in a.text for a in askers)
        # Someone in a survey gets each next question at once, ahead of the queued copies.
        await respondent.tap("Ojek online")
        assert "Platform apa yang Anda pakai?" in respondent.text
        await respondent.tap("Gojek")
        assert "✅ Gojek" in respondent.buttons()
        await respondent.tap("Selesai")
        assert "Apa merek motor Anda?" in respondent.text
        assert len(telegram.calls_to("copyMessage")) == bot.services.sender.concurrency
        assert list(statuses(bot.services.settings, first).values()).count("pending") == 160
        telegram.release("copyMessage")

        # Later, while it flows at its pace: thirty more replies at once. They go at once, and
        # the broadcast gives their slots back in the second after (its bucket took them): the
        # copies in that second are at most the rate less the thirty (two at each edge).
        for _ in range(300):
            if len(telegram.calls_to("copyMessage")) >= 60:
                break
            await asyncio.sleep(0.01)
        before = len(telegram.calls)
        await bot.deliver(*(a.message_update("/bantuan") for a in askers))
        burst = [c for c in telegram.calls[before:] if interactive(c)]
        assert len(burst) == 30
        await bot.services.sender.idle()
        start = burst[0].at
        after = [c for c in telegram.calls_to("copyMessage") if start <= c.at < start + 1.0]
        assert len(after) <= rate - 30 + 5
        assert set(statuses(bot.services.settings, first).values()) == {"sent"}
        no_refusals(bot)


async def test_the_sender_at_telegrams_limits_gets_no_429_and_loses_nothing(
    tmp_path: Path,
) -> None:
    # Telegram enforcing exactly the configured rate, one a second per chat; two broadcasts to
    # the same people, so every chat's second message waits its turn.
    rate = 50
    telegram = FakeTelegram(Limits(per_second=rate, latency=0.01))
    async with running_bot(settings_at(tmp_path, rate), telegram) as bot:
        recipients = await people(bot, 40)
        first = await broadcast(bot, recipients, "Pertama")
        second = await broadcast(bot, recipients, "Kedua")
        await bot.services.sender.idle()
        assert telegram.limited == 0
        settings = bot.services.settings
        assert set(statuses(settings, first).values()) == {"sent"}
        assert set(statuses(settings, second).values()) == {"sent"}
        assert rows(settings, "SELECT COUNT(*) FROM deliveries WHERE attempts != 1")[0][0] == 0
        no_refusals(bot)


async def test_after_a_429_the_copies_that_waited_do_not_all_go_at_once(tmp_path: Path) -> None:
    # Telegram enforcing the rate; one copy is answered "retry after 1" (as a busy Telegram
    # might). The copies that had their turn meanwhile take a new one after the pause: no burst,
    # so no further 429 (before, they all went at once and drew 429 after 429).
    rate = 20
    telegram = FakeTelegram(Limits(per_second=rate))
    async with running_bot(settings_at(tmp_path, rate), telegram) as bot:
        recipients = await people(bot, 50)
        telegram.fail_chat(recipients[10], too_many(1))
        first = await broadcast(bot, recipients)
        await bot.services.sender.idle()
        assert telegram.limited == 0
        assert set(statuses(bot.services.settings, first).values()) == {"sent"}
        no_refusals(bot)


async def test_the_fake_telegram_refuses_what_telegram_would() -> None:
    telegram = FakeTelegram(Limits(per_second=3))
    for chat in (1, 2, 3):
        await telegram.call("sendMessage", {"chat_id": chat, "text": "x"})
    with pytest.raises(Exception, match="Too Many Requests"):  # a fourth in the same second
        await telegram.call("sendMessage", {"chat_id": 4, "text": "x"})
    other = FakeTelegram(Limits(per_second=100))
    await other.call("sendMessage", {"chat_id": 1, "text": "x"})
    with pytest.raises(Exception, match="Too Many Requests"):  # one chat, twice in a second
        await other.call("sendMessage", {"chat_id": 1, "text": "y"})
    for n in range(20):
        await other.call("sendMessage", {"chat_id": -5, "text": f"{n}"})
    with pytest.raises(Exception, match="Too Many Requests"):  # a group's 21st in a minute
        await other.call("sendMessage", {"chat_id": -5, "text": "z"})
    assert telegram.limited == 1 and other.limited == 2
    assert len(FakeTelegram().refusals) == 0  # and without limits, nothing of the kind


class Scripted:
    """An HTTP server on 127.0.0.1 answering each request with the next scripted reply (raw
    bytes; None: hang up without answering), counting connections and requests."""

    def __init__(self, *replies: bytes | None) -> None:
        self.replies = list(replies)
        self.connections = 0
        self.bodies: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while request := await reader.readline():
                length = 0
                while (line := await reader.readline()) != b"\r\n":
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                self.bodies.append(await reader.readexactly(length))
                reply = self.replies.pop(0) if self.replies else None
                if reply is None or not request:
                    return
                writer.write(reply)
                await writer.drain()
                if b"Connection: close" in reply:
                    return
        finally:
            writer.close()


def answer(
    status: str, body: dict[str, Any], *, chunked: bool = False, close: bool = False
) -> bytes:
    payload = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
    head += "Connection: close\r\n" if close else ""
    if chunked:
        middle = len(payload) // 2
        parts = (payload[:middle], payload[middle:])
        chunks = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts)
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunks + b"0\r\n\r\n"
    return (head + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


OK = {"ok": True, "result": {"message_id": 7}}


async def test_the_lean_request_reads_telegrams_answers_and_errors_as_ptb_does() -> None:
    script = Scripted(
        answer("200 OK", OK),
        answer("200 OK", OK, chunked=True),
        answer(
            "429 Too Many Requests",
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        ),
        answer(
            "403 Forbidden",
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        ),
        answer(
            "400 Bad Request",
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            close=True,
        ),
        answer("502 Bad Gateway", {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
        None,  # hangs up without an answer
    )
    server = await asyncio.start_server(script.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/copyMessage"
    request = LeanRequest(timeout=5)
    data = RequestData(
        [
            RequestParameter("chat_id", 10_000, None),
            RequestParameter("reply_markup", '{"inline_keyboard": []}', None),
        ]
    )
    try:
        assert await request.post(url, data) == {"message_id": 7}
        assert await request.post(url, data) == {"message_id": 7}  # chunked
        with pytest.raises(RetryAfter) as waited:
            await request.post(url, data)
        assert _seconds(waited.value) == 3
        with pytest.raises(Forbidden, match="blocked"):
            await request.post(url, data)
        assert script.connections == 1  # one kept-alive connection so far
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await request.post(url, data)  # and the server closes it after this one
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await request.post(url, data)
        assert script.connections == 2
        with pytest.raises(NetworkError) as hung_up:
            await request.post(url, data)
        assert not isinstance(hung_up.value, TimedOut)
        assert parse_qs(script.bodies[0].decode()) == {
            "chat_id": ["10000"],
            "reply_markup": ['{"inline_keyboard": []}'],
        }
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()


async def test_the_lean_request_does_not_reuse_a_connection_idle_too_long() -> None:
    script = Scripted(answer("200 OK", OK), answer("200 OK", OK), answer("200 OK", OK))
    server = await asyncio.start_server(script.serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/bot{TEST_TOKEN}/copyMessage"
    request = LeanRequest(idle=0.2)
    try:
        await request.post(url, None)
        await request.post(url, None)
        assert script.connections == 1
        await asyncio.sleep(0.6)  # longer than `idle`: a server may have closed it meanwhile
        await request.post(url, None)
        assert script.connections == 2
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()


async def test_the_lean_request_gives_up_after_its_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = LeanRequest(timeout=0.1)
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/copyMessage", None)
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()


async def test_over_http_the_sender_copies_on_its_own_lean_connections(tmp_path: Path) -> None:
    # The real bot's request (HTTPXRequest) against the loopback Bot API: copies go the lean
    # way, replies the bot's own; blocked people are skipped and the rest reached once.
    telegram = FakeTelegram()
    async with LoopbackServer(telegram) as server:
        db = Database(tmp_path / "lean.sqlite3")
        await db.open()
        try:
            await db.write(
                (
                    "WITH RECURSIVE n(i) AS (SELECT 10000 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 10199) INSERT INTO users (id, locale, created_at, updated_at) "
                    "SELECT i, 'en', 'x', 'x' FROM n",
                    (),
                )
            )
            telegram.fail_chat(10_005, ApiError(403, "Forbidden: bot was blocked by the user"))
            outbox = Outbox(db)
            source = telegram.original(42, text="Lokakarya")
            await outbox.create(
                created_by=42,
                content=Content(42, source, "Lokakarya"),
                recipients="SELECT id FROM users",
                quiet_hours=False,
                now=datetime.now(UTC),
            )
            bot = TelegramBot(TEST_TOKEN, base_url=f"{server.url}/bot")
            await bot.initialize()
            sender = Sender(
                outbox,
                Clock(),
                per_second=1000,
                way_out={
                    "en": '{"inline_keyboard"'
                    ': [[{"text": "🔕 Stop announcements", "callback_data": "subq"}]]}'
                },
            )
            sender.start(bot)
            assert isinstance(sender._request, LeanRequest)
            await sender.idle()
            await sender.stop()
            await bot.shutdown()
            found = await db.fetchall(
                "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status"
            )
            assert {r["status"]: r["n"] for r in found} == {"sent": 199, "skipped": 1}
            copied = [c for c in telegram.calls if c.method == "copyMessage"]
            assert len(copied) == 200
            markup = json.loads(copied[0].params["reply_markup"])
            assert markup["inline_keyboard"][0][0]["text"] == "🔕 Stop announcements"
            assert server.errors == [] and telegram.refusals == []
        finally:
            await db.close()
