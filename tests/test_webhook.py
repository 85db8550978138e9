"""Webhook mode, as a process: `python -m bot` with WEBHOOK_URL listens on loopback, tells the
(fake) Bot API where to post, answers what arrives with the right secret, refuses anything
else without storing it, and answers Telegram's POST only once the update is stored, so a
SIGKILL right after loses nothing."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import httpx

from bot.intake.webhook import SECRET_HEADER
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.loopback import LoopbackServer
from tests.test_backup_and_check import cli
from tests.test_process_faults import bot_process, closed_cleanly, people, replies, settings

SECRET = "s3cret-for-tests_0123456789"
URL = "https://bot.example.go.id/telegram/hook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_env(server: LoopbackServer, db: Path, port: int, **more: str) -> dict[str, str]:
    return settings(
        server,
        db,
        WEBHOOK_URL=URL,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        **more,
    )


def stored_updates(db: Path) -> set[int]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return {int(r[0]) for r in conn.execute("SELECT update_id FROM inbox")}
    finally:
        conn.close()


async def test_webhook_answers_with_the_secret_and_refuses_without_it(tmp_path: Path) -> None:
    db, port = tmp_path / "bot.sqlite3", free_port()
    telegram = FakeTelegram()
    crowd = people(telegram, 30)
    stranger = people(telegram, 1, first=50_000)[0]
    async with LoopbackServer(telegram) as server:
        async with bot_process(tmp_path, "bot", **webhook_env(server, db, port)) as bot:
            hook = await bot.until(lambda: telegram.webhook, "setWebhook")
            assert hook["url"] == URL and hook["secret_token"] == SECRET
            assert "message" in hook["allowed_updates"]
            endpoint = f"http://127.0.0.1:{port}/telegram/hook"
            async with httpx.AsyncClient(timeout=10) as client:
                ok = await asyncio.gather(
                    *(
                        client.post(
                            endpoint,
                            json=p.message_update("/bantuan"),
                            headers={SECRET_HEADER: SECRET},
                        )
                        for p in crowd
                    )
                )
                assert [r.status_code for r in ok] == [200] * len(crowd)
                await bot.until(lambda: len(replies(telegram)) >= len(crowd), "every reply")

                forged = stranger.message_update("/bantuan")
                for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
                    answer = await client.post(endpoint, json=forged, headers=headers)
                    assert answer.status_code == 403
                for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}'):
                    answer = await client.post(
                        endpoint, content=body, headers={SECRET_HEADER: SECRET}
                    )
                    assert answer.status_code == 400
                huge = await client.post(
                    endpoint, content=b"x" * 2_000_000, headers={SECRET_HEADER: SECRET}
                )
                assert huge.status_code == 413
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
                assert health.status_code == 200 and health.json()["status"] == "ok"
                assert health.json()["updates_waiting"] == 0
            assert forged["update_id"] not in stored_updates(db)
            assert not telegram.bot_messages(stranger.id)
            assert not telegram.calls_to("getUpdates")  # webhook mode never polls
            await bot.stop()
        assert telegram.webhook is not None  # kept: Telegram holds updates while we are down
        assert {c: n for c, n in replies(telegram).items()} == {p.id: 1 for p in crowd}
        assert len(telegram.refusals) == 0

        # Back to polling: the webhook is removed first (getUpdates is refused while it is set).
        later = people(telegram, 1, first=60_000)[0]
        telegram.queue_update(later.message_update("/bantuan"))
        async with bot_process(tmp_path, "polling", **settings(server, db)) as bot:
            await bot.until(lambda: telegram.bot_messages(later.id), "the polled reply")
            await bot.stop()
        assert telegram.webhook is None
    assert closed_cleanly(db)


async def test_an_update_answered_200_survives_a_kill(tmp_path: Path) -> None:
    """Telegram drops an update once we answered 200: by then it must be on disk."""
    db, port = tmp_path / "bot.sqlite3", free_port()
    telegram = FakeTelegram()
    crowd = people(telegram, 60)
    async with LoopbackServer(telegram) as server:
        env = webhook_env(server, db, port)
        updates = [p.message_update("/bantuan") for p in crowd]
        async with bot_process(tmp_path, "first", **env) as bot:
            await bot.until(lambda: telegram.webhook, "setWebhook")
            async with httpx.AsyncClient(timeout=10) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(
                            f"http://127.0.0.1:{port}/telegram/hook",
                            json=u,
                            headers={SECRET_HEADER: SECRET},
                        )
                        for u in updates
                    )
                )
            assert all(a.status_code == 200 for a in answers)
            await bot.kill()  # at once: most are stored and not yet handled
        assert stored_updates(db) == {u["update_id"] for u in updates}
        async with bot_process(tmp_path, "second", **env) as bot:
            await bot.until(lambda: len(replies(telegram)) >= len(crowd), "every reply")
            await bot.stop()
    assert set(replies(telegram)) == {p.id for p in crowd}


async def test_webhook_settings_and_a_taken_port_stop_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with LoopbackServer(FakeTelegram()) as server:
        base = settings(server, db)
        for wrong, named in (
            ({"WEBHOOK_URL": "http://bot.example.go.id/hook", "WEBHOOK_SECRET": SECRET}, "URL"),
            ({"WEBHOOK_URL": URL}, "WEBHOOK_SECRET"),
            ({"WEBHOOK_URL": URL, "WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET"),
            ({"WEBHOOK_URL": URL, "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": "99999"}, "PORT"),
        ):
            code, out = await cli(tmp_path, **{**base, **wrong})
            assert code == 2, out
            assert out.count("\n") == 1 and named in out and "Traceback" not in out
            assert SECRET not in out

        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            code, out = await cli(tmp_path, **webhook_env(server, db, port))
        assert code == 1, out
        assert "WEBHOOK_PORT" in out and "Traceback" not in out
