"""The broadcast's own way to Telegram: a lean HTTP/1.1 client for copyMessage in bulk.

PTB's HTTPXRequest spends over a millisecond of CPU on each request (httpx, httpcore's pool,
which looks through all its connections for every request, anyio), so one process tops out
near 400 copies a second; Telegram's paid broadcasts allow 1,000. This is a `BaseRequest`:
PTB's own `post` still reads Telegram's answer and raises its exceptions (RetryAfter, Forbidden,
BadRequest, NetworkError), so the sender handles errors exactly as before; only the transport
is lean. One kept-alive connection per copy in flight (never more than the sender's slots),
taken from an idle list and given back: no pool to search, no lock.

Deliberately small: POST of form-encoded parameters (no files), responses with Content-Length
or chunked, http or https (certifi's CAs, as httpx uses). No proxies: a deployment behind one
runs the copies through the bot's own request object (`Sender(..., lean=False)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TIMEOUT = 10.0  # seconds for one request: connecting, sending and the whole answer
# A connection unused this long is not reused: servers close idle ones (nginx after 75 s by
# default), and a request written to one closed meanwhile fails and costs the copy a retry.
IDLE = 20.0


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reusable = True
        self.used = 0.0  # when its last answer came (LeanRequest.monotonic)

    def close(self) -> None:
        self.reusable = False
        with contextlib.suppress(Exception):
            self.writer.close()

    async def exchange(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        await self.writer.drain()
        status = await self.reader.readline()
        if not status:
            raise ConnectionError("the server closed the connection")
        version, code, *_ = status.split(b" ", 2)
        length: int | None = None
        chunked = False
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n"):
            if not line:
                raise ConnectionError("the server closed the connection mid-answer")
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection" and b"close" in value.lower():
                self.reusable = False
        if version != b"HTTP/1.1":
            self.reusable = False
        if chunked:
            payload = await self._chunks()
        elif length is not None:
            payload = await self.reader.readexactly(length)
        else:  # the end of the answer is the end of the connection
            self.reusable = False
            payload = await self.reader.read()
        return int(code), payload

    async def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)  # the chunk's CRLF


class LeanRequest(BaseRequest):
    """copyMessage in bulk (see the module). Only POST, no files."""

    def __init__(
        self,
        timeout: float = TIMEOUT,
        idle: float = IDLE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.idle = idle
        self.monotonic = monotonic
        self._idle: dict[str, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.timeout

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

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
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        body = urlencode(request_data.json_parameters if request_data else {}).encode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        idle = self._idle.setdefault(origin, [])
        connection = idle.pop() if idle else None
        if connection is not None and self.monotonic() - connection.used > self.idle:
            for stale in (connection, *idle):  # the rest waited longer still
                stale.close()
            idle.clear()
            connection = None
        try:
            async with asyncio.timeout(self.timeout):
                if connection is None:
                    connection = await self._connect(parts.scheme, parts.hostname, parts.port)
                answer = await connection.exchange(head, body)
        except TimeoutError as exc:
            if connection is not None:
                connection.close()
            raise TimedOut from exc
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            if connection is not None:
                connection.close()
            raise NetworkError(f"Broadcast connection failed: {exc!r}") from exc
        if connection.reusable:
            connection.used = self.monotonic()
            idle.append(connection)
        else:
            connection.close()
        return answer

    async def _connect(self, scheme: str, host: str | None, port: int | None) -> _Connection:
        if scheme == "https":
            if self._tls is None:
                import certifi  # httpx's dependency: the same CAs as the bot's other requests

                self._tls = ssl.create_default_context(cafile=certifi.where())
            reader, writer = await asyncio.open_connection(host, port or 443, ssl=self._tls)
        else:
            reader, writer = await asyncio.open_connection(host, port or 80)
        return _Connection(reader, writer)
