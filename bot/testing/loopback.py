"""A real HTTP Bot API on 127.0.0.1 in front of `FakeTelegram`, for running `python -m bot`.

Point TELEGRAM_API_URL at `await LoopbackServer(telegram).start()` and the unmodified bot (PTB's
HTTPXRequest, long-polling getUpdates, its own event loop) talks to the fake over TCP. It is a
deliberately small HTTP/1.1 server on stdlib asyncio: keep-alive, Content-Length bodies only,
and the three body encodings a Bot API client uses. Not for production, not for the internet.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import re
from http.client import responses as REASONS
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.testing.fake_telegram import (
    TEST_TOKEN,
    ApiError,
    FakeTelegram,
    Upload,
    envelope,
    error_envelope,
)

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")
_FILE = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode a request body. Nested values (reply_markup, commands) stay JSON strings, as
    PTB sends them in forms; FakeTelegram accepts both strings and decoded objects."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        return dict(json.loads(body))
    if kind == "multipart/form-data":
        # The email parser understands MIME multipart; it only needs the boundary header.
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            params[name] = (
                Upload(filename, bytes(data), part.get_content_type())
                if filename
                else bytes(data).decode()
            )
        return params
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


class LoopbackServer:
    def __init__(self, telegram: FakeTelegram, token: str = TEST_TOKEN) -> None:
        self.telegram = telegram
        self.token = token
        self.url = ""
        # Exceptions FakeTelegram raised that were not ApiErrors: bugs the test should see.
        self.errors: list[BaseException] = []
        self._server: asyncio.Server | None = None
        # Open connections; a long-polling getUpdates would otherwise outlive stop().
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(self) -> str:
        # Port 0: the OS picks a free port, so parallel test runs never collide.
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while request_line := await reader.readline():  # b"" when the client hangs up
                # GET and POST alike: the Bot API accepts both; the method name is in the path.
                _method, target, _version = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    # We could not find where the body ends: refuse and drop the connection.
                    await self._reply(writer, 411, b"", close=True)
                    return
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, payload = await self._answer(target, headers, body)
                close = headers.get("connection", "").lower() == "close"
                await self._reply(writer, status, payload, close=close)
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away mid-request (or spoke no HTTP): nothing to answer
        except asyncio.CancelledError:
            # stop() ends waiting long polls. Ending quietly: Python 3.11's stream callback
            # calls task.exception() and would log a cancelled connection task as an error.
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(self, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        url = urlsplit(target)
        download = _FILE.match(url.path)
        if download is not None:  # a file a person sent, fetched after getFile
            if download["token"] != self.token:
                return 401, error_envelope(ApiError(401, "Unauthorized"))
            content = self.telegram.file_at(download["path"])
            return (404, b"Not Found") if content is None else (200, content)
        match = _PATH.match(url.path)
        if match is None:
            return 404, error_envelope(ApiError(404, "Not Found"))
        if match["token"] != self.token:
            return 401, error_envelope(ApiError(401, "Unauthorized"))
        params = dict(parse_qsl(url.query))
        params.update(_params(headers.get("content-type", ""), body))
        try:
            return 200, envelope(await self.telegram.call(match["method"], params))
        except ApiError as error:
            return error.code, error_envelope(error)
        except Exception as exc:  # a FakeTelegram bug: answer like a failing server, keep it
            self.errors.append(exc)
            return 500, error_envelope(ApiError(500, f"Internal Server Error: {exc!r}"))

    @staticmethod
    async def _reply(
        writer: asyncio.StreamWriter, status: int, payload: bytes, *, close: bool = False
    ) -> None:
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        await writer.drain()
