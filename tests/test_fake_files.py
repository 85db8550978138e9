"""The fake Telegram takes files as Telegram does (multipart uploads, its size and caption
limits, only real images as photos), so the bot's .ics, QR and CSV sends are tested against
the same refusals it would meet."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
import segno
from telegram.error import BadRequest
from telegram.ext import CallbackContext

from bot.testing import harness
from bot.testing.fake_telegram import MAX_CAPTION, TEST_TOKEN, FakeTelegram
from bot.testing.harness import running_bot
from bot.testing.loopback import LoopbackServer
from handlers.send import send_file


async def test_documents_and_photos_arrive_with_name_bytes_and_caption(tmp_path: Path) -> None:
    async with running_bot(harness.test_settings(tmp_path)) as bot:
        context = CallbackContext(bot.app)
        await send_file(context, 5, "acara.ics", b"BEGIN:VCALENDAR", "<b>Kalender</b> &amp; QR")
        png = io.BytesIO()
        segno.make("https://t.me/x?start=ci-1").save(png, kind="png", scale=6)
        markup = {"inline_keyboard": [[{"text": "Kembali", "callback_data": "evl:0"}]]}
        await send_file(context, 5, "qr.png", png.getvalue(), "QR", photo=True, markup=markup)
        user = bot.user(5)
        assert [(f.filename, f.content[:4]) for f in user.files()] == [
            ("acara.ics", b"BEGI"),
            ("qr.png", b"\x89PNG"),
        ]
        assert user.messages[0]["caption"] == "Kalender & QR"
        assert user.text == "QR" and user.buttons() == ["Kembali"]
        assert bot.telegram.refusals == []


async def test_refused_like_telegram_refuses(tmp_path: Path) -> None:
    async with running_bot(harness.test_settings(tmp_path)) as bot:
        context = CallbackContext(bot.app)
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await send_file(context, 5, "qr.png", b"not an image", photo=True)
        with pytest.raises(BadRequest, match="caption is too long"):
            await send_file(context, 5, "a.csv", b"x", "y" * (MAX_CAPTION + 1))
        with pytest.raises(BadRequest, match="non-empty"):
            await send_file(context, 5, "a.csv", b"")
        assert len(bot.telegram.refusals) == 3
        assert bot.user(5).messages == []


async def test_the_loopback_server_serves_files_people_sent() -> None:
    """`python -m bot` downloads a document through the file URL, as from Telegram."""
    telegram = FakeTelegram()
    sent = telegram.document("acara.csv", b"slug,title_id\n", "text/csv")
    async with LoopbackServer(telegram) as server, httpx.AsyncClient() as client:
        found = await telegram.call("getFile", {"file_id": sent["file_id"]})
        url = f"{server.url}/file/bot{TEST_TOKEN}/{found['file_path']}"
        assert (await client.get(url)).content == b"slug,title_id\n"
        wrong = url.replace(TEST_TOKEN, "1:nope")
        assert (await client.get(wrong)).status_code == 401
        assert (await client.get(f"{url}-gone")).status_code == 404
