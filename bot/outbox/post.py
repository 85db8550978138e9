"""The broadcast's own way to Telegram: copyMessage in bulk over aiohttp's client.

PTB's HTTPXRequest spends over a millisecond of CPU on each request (httpx, httpcore's pool,
which looks through all its connections for every request, anyio), so one process tops out
near 400 copies a second; Telegram's paid broadcasts allow 1,000. aiohttp's client (already
here for the webhook) does the same work for a fraction of that. This is a `BaseRequest`: PTB's
own `post` still reads Telegram's answer and raises its exceptions (RetryAfter, Forbidden,
BadRequest, NetworkError), so the sender handles errors exactly as before; only the transport
is lean. Connections are kept alive and reused (never more than the sender's copies in flight),
and one idle for IDLE seconds is closed rather than reused: servers close idle ones (nginx after
75 s by default), and a request written to one closed meanwhile would cost the copy a retry.
Proxies come from the environment (HTTPS_PROXY), as for the bot's other requests.
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TIMEOUT = 10.0  # seconds for one request: connecting, sending and the whole answer
IDLE = 20.0  # seconds a kept-alive connection may wait unused before it is closed


class LeanRequest(BaseRequest):
    """copyMessage in bulk (see the module). Only POST of parameters, no files."""

    def __init__(self, timeout: float = TIMEOUT, idle: float = IDLE) -> None:
        self.timeout = timeout
        self.idle = idle
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.timeout

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._session is None:
            import certifi  # httpx's dependency: the same CAs as the bot's other requests

            tls = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=self.idle, ssl=tls),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                trust_env=True,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            raise NetworkError("LeanRequest sends no files")
        form = {
            k: str(v) for k, v in (request_data.json_parameters if request_data else {}).items()
        }
        try:
            async with self._client().request(method, url, data=form) as answer:
                return answer.status, await answer.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"Broadcast connection failed: {exc!r}") from exc
