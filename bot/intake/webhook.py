"""Webhook mode: Telegram POSTs each update to us; it is stored before Telegram hears "200".

Telegram counts a webhook update as delivered when we answer 2xx, and sends it again (for up to a
day) when we do not. So the answer waits for `Intake.accept` to commit the update: a kill
before the commit means no 200, and Telegram redelivers (the inbox ignores ids it already has).
python-telegram-bot's own webhook answers as soon as the update is in an in-memory queue, which
a kill loses; hence this small receiver on aiohttp instead.

Every request must carry Telegram's `X-Telegram-Bot-Api-Secret-Token` header with WEBHOOK_SECRET
(compared in constant time). A request without it, or with a wrong one, is refused with 403 before
its body is even read: nobody who finds the URL can feed the bot updates.

`GET /healthz` answers 200 with a small JSON (updates waiting, broadcasts running) while the bot
runs, and 503 once it is stopping, for a load balancer or a monitor.

TLS is not done here: run it behind a reverse proxy (nginx, Caddy) that terminates HTTPS on a port
Telegram allows (443, 80, 88, 8443) and forwards to WEBHOOK_LISTEN:WEBHOOK_PORT.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.intake.queue import Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_048_576  # an update is a few KB; Telegram's own limit on text is 4,096 characters
HEALTH_PATH = "/healthz"

Health = Callable[[], Awaitable[dict[str, Any]]]


class WebhookServer:
    def __init__(
        self,
        intake: Intake,
        *,
        path: str,
        secret: str,
        host: str,
        port: int,
        health: Health,
        stopping: Callable[[], bool],
    ) -> None:
        self.intake = intake
        self.path = path or "/"
        self._secret = secret.encode()
        self.host, self.port = host, port
        self._health = health
        self._stopping = stopping
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._update)
        app.router.add_get(HEALTH_PATH, self._healthz)
        return app

    async def start(self) -> None:
        """Listen. Raises OSError when the address is taken or cannot be bound."""
        # access_log off: a line per update would log who wrote, every few milliseconds.
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("Webhook listening on %s:%d%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop listening. A request still being stored gets its answer first (aiohttp waits
        for handlers); Telegram resends whatever got no 200."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("Webhook request without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        if self._stopping():
            # Not stored: Telegram tries again, and the next start takes it.
            return web.Response(status=503, text="stopping")
        try:
            update = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            await self.intake.accept([update])
        except Exception:  # the disk is full, the database is gone: Telegram will resend
            log.exception("Could not store update %s; Telegram will resend it", update["update_id"])
            return web.Response(status=500, text="not stored")
        return web.Response(text="ok")

    async def _healthz(self, request: web.Request) -> web.Response:
        if self._stopping():
            return web.json_response({"status": "stopping"}, status=503)
        try:
            found = await self._health()
        except Exception as exc:
            log.warning("Health check failed: %s", exc)
            return web.json_response({"status": "failing"}, status=503)
        return web.json_response({"status": "ok", **found})
