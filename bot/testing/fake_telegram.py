"""A fake Bot API: enough of Telegram's behaviour to run the real bot against it.

`FakeTelegram` keeps chats, messages and every call the bot made. It answers like Telegram
does, including its refusals (text over 4096 characters, callback data over 64 bytes, HTML it
cannot parse, "message is not modified"), so the bot's handling of them is tested too. Two
doors lead in: `FakeRequest`, an in-process `BaseRequest` (tests, simulator, benchmark), and
`bot.testing.loopback`, a real HTTP server on 127.0.0.1 for running `python -m bot`.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 700000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Berdaya Bersama",
    "username": "berdaya_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TEST_TOKEN = f"{BOT_ID}:TEST-not-a-real-token-0123456789abcdefgh"
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "blockquote",
    "span",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after  # a 429's "parameters": {"retry_after": n}


def too_many(retry_after: int) -> ApiError:
    """Telegram's 429 (flood control), asking the bot to wait `retry_after` seconds."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived (sliding-window checks)


# Calls that put a message in a chat: what Telegram's flood limits count.
# Seconds of unevenness in arrivals the limits forgive: a busy machine's event loop (the
# loopback server's, here) takes in requests in bunches, and Telegram does not count finely.
JITTER = 0.025
_MESSAGES = frozenset(
    {"sendMessage", "copyMessage", "forwardMessage", "sendDocument", "sendPhoto", "editMessageText"}
)


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits, enforced with 429s as Telegram does (off unless given): at most
    `per_second` messages in any one second to all chats, one a second to one chat, `per_group`
    a minute to one group. `latency` seconds are added to every call, half before it arrives
    and half before its answer (Telegram's servers are far from Indonesia)."""

    per_second: float
    per_chat: float = 1.0
    per_group: int = 20
    latency: float = 0.0


@dataclass(frozen=True)
class Upload:
    """A file the bot sent (a document or photo), as Telegram would receive it."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


# Telegram's limits for files sent by a bot through the Bot API.
MAX_DOCUMENT = 50 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


@dataclass
class _Hold:
    """Answers to one method kept back: `let_through` more go out first, then each waits."""

    let_through: int
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Chat:
    id: int
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # The reply keyboard the person sees below the text field (a ReplyKeyboardMarkup a
    # message brought), until a message brings another or ReplyKeyboardRemove. Telegram
    # keeps it with the chat, not with the message: a Message's reply_markup is inline only.
    keyboard: dict[str, Any] | None = None


_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)(?:\s[^<>]*)?>")
_BARE_AMPERSAND = re.compile(r"&(?!#?\w+;)")


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the person sees it; raises ApiError where Telegram would refuse the HTML.

    Telegram wants every <, > and & that is not part of a tag or an entity escaped, and only
    knows a handful of tags, each closed in order.
    """
    if parse_mode != "HTML":
        return text
    stack: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        pieces.append(text[position : match.start()])
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in _ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unmatched end tag "{tag}"')
        position = match.end()
    pieces.append(text[position:])
    plain = "".join(pieces)
    if stack or "<" in plain or ">" in plain or _BARE_AMPERSAND.search(plain):
        raise ApiError(400, "Bad Request: can't parse entities: unexpected character")
    return html.unescape(plain)


def _markup(params: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
    """The reply_markup of a call, checked as Telegram checks it: exactly one kind of markup
    (an inline keyboard, a reply keyboard, ReplyKeyboardRemove or ForceReply); edits take
    inline keyboards only."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not markup:
        return None
    kinds = [k for k in _MARKUP_KINDS if k in markup]
    if len(kinds) != 1:
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if inline_only and kinds != ["inline_keyboard"]:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    if "remove_keyboard" in markup and markup["remove_keyboard"] is not True:
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    return markup


_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
# A reply keyboard's button asks the person's client for one thing at most.
_REQUESTS = ("request_location", "request_contact", "request_poll", "request_users", "web_app")


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ApiError(400, "Bad Request: keyboard button text must be non-empty")
            if isinstance(button, dict) and sum(bool(button.get(k)) for k in _REQUESTS) > 1:
                raise ApiError(400, "Bad Request: can't parse keyboard button")
            if isinstance(button, dict) and "callback_data" in button:
                raise ApiError(400, "Bad Request: can't parse keyboard button")


def _place_markup(chat: Chat, message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    """An inline keyboard goes with the message; a reply keyboard (or its removal) with the
    chat, as the person sees them."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        message["reply_markup"] = markup
    elif "keyboard" in markup:
        chat.keyboard = markup
    elif "remove_keyboard" in markup:
        chat.keyboard = None


class FakeTelegram:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits
        self.limited = 0  # 429s answered for going past `limits`
        self._window: deque[float] = deque()  # arrivals of accepted messages, the last second
        self._chat_last: dict[int, float] = {}
        self._group_window: dict[int, deque[float]] = {}
        self.calls: list[Call] = []
        self.chats: dict[int, Chat] = {}
        self.commands: dict[str | None, list[dict[str, str]]] = {}
        self.descriptions: dict[str | None, str] = {}
        self._update_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._new_updates = asyncio.Event()
        self.fail_next: dict[str, ApiError] = {}
        # Requests Telegram would have refused: a correct bot makes none (tests check this).
        self.refusals: list[tuple[Call, ApiError]] = []
        self._answered_queries: set[str] = set()
        self._holds: dict[str, _Hold] = {}
        # Files people sent, by file_id: what getFile finds and the file URL serves.
        self.files: dict[str, Upload] = {}
        # Failures injected for calls to one chat (`fail_chat`), and messages people sent that
        # copyMessage can copy (`original`).
        self._chat_failures: dict[int, list[Exception]] = {}
        self._chat_always: dict[int, Exception] = {}
        self.originals: dict[tuple[int, int], dict[str, Any]] = {}
        # The webhook the bot set (setWebhook), or None: while one is set, getUpdates is refused.
        self.webhook: dict[str, Any] | None = None

    # -- what the bot calls --------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        if self.limits is not None and self.limits.latency:
            await asyncio.sleep(self.limits.latency / 2)
        self.calls.append(Call(method, params))
        if self.limits is not None and method in _MESSAGES:
            try:
                self._within_limits(self.limits, params)
            except ApiError as error:
                self.limited += 1
                self.refusals.append((self.calls[-1], error))
                await asyncio.sleep(self.limits.latency / 2)
                raise
        if self.limits is not None and self.limits.latency:
            await asyncio.sleep(self.limits.latency / 2)
        if method in self.fail_next:
            raise self.fail_next.pop(method)
        self._chat_failure(params)
        handler = getattr(self, f"_m_{method}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            self.refusals.append((self.calls[-1], error))
            raise
        hold = self._holds.get(method)
        if hold is not None:
            if hold.let_through > 0:
                hold.let_through -= 1
            else:
                await hold.release.wait()
        return result

    def _within_limits(self, limits: Limits, params: dict[str, Any]) -> None:
        """Count a message against the limits, or refuse it with a 429 (not counted)."""
        now = time.monotonic()
        chat_id = int(params.get("chat_id") or 0)
        # Counted over the last second less JITTER: a sender paced exactly at the limit sees
        # its messages arrive a little unevenly, and Telegram does not count that finely.
        while self._window and self._window[0] <= now - 1.0 + JITTER:
            self._window.popleft()
        if len(self._window) + 1 > limits.per_second:
            raise too_many(1)
        if chat_id < 0:
            group = self._group_window.setdefault(chat_id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) + 1 > limits.per_group:
                raise too_many(max(1, round(group[0] + 60.0 - now)))
            group.append(now)
        else:
            last = self._chat_last.get(chat_id)
            if last is not None and now - last < limits.per_chat - JITTER:
                raise too_many(1)
            self._chat_last[chat_id] = now
        self._window.append(now)

    def fail_chat(self, chat_id: int, *errors: Exception, always: bool = False) -> None:
        """The next calls to `chat_id` fail with `errors`, one each, in order (or, with
        `always`, every call fails with the first): an ApiError is Telegram's answer (403
        blocked, 400 chat not found, 429 `too_many`, 5xx), telegram.error.TimedOut a request
        that got no answer. Injected failures are not refusals: the bot did nothing wrong."""
        if always:
            self._chat_always[chat_id] = errors[0]
        else:
            self._chat_failures.setdefault(chat_id, []).extend(errors)

    def _chat_failure(self, params: dict[str, Any]) -> None:
        try:
            chat_id = int(params.get("chat_id") or 0)
        except (TypeError, ValueError):
            return
        if chat_id in self._chat_always:
            raise self._chat_always[chat_id]
        queued = self._chat_failures.get(chat_id)
        if queued:
            error = queued.pop(0)
            if not queued:
                del self._chat_failures[chat_id]
            raise error

    def original(self, chat_id: int, **content: Any) -> int:
        """A message a person (staff) sent to the bot, kept so copyMessage can copy it; content
        is text=..., or caption=... with document=... / photo=.... Returns its message id."""
        chat = self.chat(chat_id)
        message_id = next(chat.ids)
        self.originals[(chat_id, message_id)] = {"message_id": message_id, **content}
        return message_id

    def hold_answers(self, method: str, *, after: int = 0) -> None:
        """Carry out every call to `method`, but once the next `after` have been answered, keep
        the answers back until `release`: a connection that stalls after Telegram has acted. A
        bot killed then dies not knowing its message went out, which is how a crash repeats one."""
        self._holds[method] = _Hold(after)

    def release(self, method: str) -> None:
        """Let the answers `hold_answers` kept back go, and keep no more back."""
        hold = self._holds.pop(method, None)
        if hold is not None:
            hold.release.set()

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:  # an empty URL removes the webhook, as deleteWebhook does
            self.webhook = None
            return True
        if not re.match(r"^https://[^/\s:]+(:(443|80|88|8443))?(/\S*)?$", url):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if isinstance(commands, str):
            commands = json.loads(commands)
        self.commands[params.get("language_code")] = commands
        return True

    def _m_setMyDescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("description") or "")) > 512:
            raise ApiError(400, "Bad Request: description is too long")
        self.descriptions[params.get("language_code")] = str(params.get("description") or "")
        return True

    def _m_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("short_description") or "")) > 120:
            raise ApiError(400, "Bad Request: short description is too long")
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id in self._answered_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._answered_queries.add(query_id)
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(int(params["chat_id"]))
        text = str(params["text"])
        shown = visible_text(text, params.get("parse_mode"))
        if not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message = {
            "message_id": next(chat.ids),
            "date": int(time.time()),
            "chat": {"id": chat.id, "type": "private", "first_name": "Tester"},
            "from": BOT_USER,
            "text": shown,
            "html": text,
        }
        _place_markup(chat, message, _markup(params))
        chat.messages[message["message_id"]] = message
        return _public(message)

    def _upload(self, params: dict[str, Any], name: str, limit: int) -> Upload:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, bytes):  # from the loopback server, which cannot tell the name
            value = Upload(name, value)
        if not isinstance(value, Upload):
            # A file_id or URL would be fetched by Telegram; the bot here only uploads.
            raise ApiError(400, f"Bad Request: wrong file identifier/HTTP URL specified ({name})")
        if not value.content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(value.content) > limit:
            raise ApiError(413, "Request Entity Too Large")
        return value

    def _file_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat = self.chat(int(params["chat_id"]))
        caption = str(params.get("caption") or "")
        shown = visible_text(caption, params.get("parse_mode"))
        if len(shown) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        message: dict[str, Any] = {
            "message_id": next(chat.ids),
            "date": int(time.time()),
            "chat": {"id": chat.id, "type": "private", "first_name": "Tester"},
            "from": BOT_USER,
            **content,
        }
        if shown:
            message.update(caption=shown, html=caption)
        _place_markup(chat, message, _markup(params))
        chat.messages[message["message_id"]] = message
        return _public(message)

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload(params, "document", MAX_DOCUMENT)
        document = {
            "file_id": f"doc-{len(self.calls)}",
            "file_unique_id": f"u-doc-{len(self.calls)}",
            "file_name": upload.filename,
            "mime_type": upload.mime_type,
            "file_size": len(upload.content),
        }
        return self._file_message(params, document=document, upload=upload)

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload(params, "photo", MAX_PHOTO)
        if not upload.content.startswith((_PNG, _JPEG)):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        photo = [
            {
                "file_id": f"photo-{len(self.calls)}",
                "file_unique_id": f"u-photo-{len(self.calls)}",
                "width": 512,
                "height": 512,
                "file_size": len(upload.content),
            }
        ]
        return self._file_message(params, photo=photo, upload=upload)

    def _m_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        origin = (int(params["from_chat_id"]), int(params["message_id"]))
        # A message a person sent (registered with `original`), or one the bot sent there.
        source = self.originals.get(origin)
        if source is None and origin[0] in self.chats:
            source = self.chats[origin[0]].messages.get(origin[1])
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        chat = self.chat(int(params["chat_id"]))
        message: dict[str, Any] = {
            "message_id": next(chat.ids),
            "date": int(time.time()),
            "chat": {"id": chat.id, "type": "private", "first_name": "Tester"},
            "from": BOT_USER,
            "copied_from": (int(params["from_chat_id"]), int(params["message_id"])),
        }
        for key in ("text", "caption", "document", "photo", "upload"):
            if key in source:
                message[key] = source[key]
        _place_markup(chat, message, _markup(params))
        chat.messages[message["message_id"]] = message
        return {"message_id": message["message_id"]}

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        upload = self.files.get(file_id)
        if upload is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        # Bots may download files of at most 20 MB; Telegram refuses to serve larger ones.
        if len(upload.content) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(upload.content),
            "file_path": f"documents/{file_id}",
        }

    def file_at(self, path: str) -> bytes | None:
        """What the file URL `.../file/bot<token>/<path>` serves (None: 404)."""
        upload = self.files.get(path.removeprefix("documents/"))
        return None if upload is None or len(upload.content) > MAX_DOWNLOAD else upload.content

    def document(self, filename: str, content: bytes, mime_type: str) -> dict[str, Any]:
        """A document as it arrives in a person's message: kept here so getFile can find it."""
        file_id = f"up-{len(self.files) + 1}"
        self.files[file_id] = Upload(filename, content, mime_type)
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }

    def _existing(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(int(params["chat_id"]))
        message = chat.messages.get(int(params["message_id"]))
        if message is None or message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        text = str(params["text"])
        shown = visible_text(text, params.get("parse_mode"))
        if len(shown) > 4096:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = _markup(params, inline_only=True)
        if shown == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same",
            )
        message.update(text=shown, html=text, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _public(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        markup = _markup(params, inline_only=True)
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _public(message)

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        # Like Telegram: at most `limit` (1-100, default 100) of the oldest unconfirmed updates;
        # a backlog arrives in pages, each confirmed by the offset of the next call.
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_updates.clear()
            timeout = float(params.get("timeout") or 0)
            try:
                await asyncio.wait_for(self._new_updates.wait(), timeout=timeout)
            except TimeoutError:
                return []
        return self._updates[:limit]

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by a getUpdates offset (the Bot API's getWebhookInfo field
        of that name): 0 once the bot has taken, and said so, everything queued."""
        return len(self._updates)

    # -- what people do ------------------------------------------------------------------

    def chat(self, chat_id: int) -> Chat:
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id)
        return self.chats[chat_id]

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def queue_update(self, update: dict[str, Any]) -> None:
        """Hand an update to a bot that polls (getUpdates)."""
        self._updates.append(update)
        self._new_updates.set()

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.chat(chat_id).messages.values() if m["from"]["id"] == BOT_ID]

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """The message as Telegram returns it: without what the fake keeps for tests (the HTML
    sent, a file's bytes)."""
    return {k: v for k, v in message.items() if k not in ("html", "upload")}


def envelope(result: Any) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


def error_envelope(error: ApiError) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return json.dumps(body).encode()


class FakeRequest(BaseRequest):
    """The bot's HTTP layer, short-circuited into a `FakeTelegram` in the same process."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download: the path after the token names the file
            served = self.telegram.file_at(url.split("/file/bot", 1)[1].split("/", 1)[1])
            return (404, b"Not Found") if served is None else (200, served)
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            # Files travel as multipart parts, named by the parameter or by an attach:// name.
            for part, (filename, sent, *mime) in request_data.multipart_data.items():
                data = sent if isinstance(sent, bytes) else sent.read()
                params[part] = Upload(filename or part, data, mime[0] if mime else "")
        try:
            return 200, envelope(await self.telegram.call(api_method, params))
        except ApiError as error:
            return error.code, error_envelope(error)
