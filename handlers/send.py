"""Sending to Telegram: messages, in-place edits, button answers, keyboards as plain JSON.

The hot path calls the Bot API through `Bot.do_api_request` with plain-dict keyboards and does
not parse Telegram's reply into a `Message`: the bot only ever needs the new message id. In
`make bench` this cuts a question's send from about 125 µs to about 30 µs, more than the rest
of an answer's handling costs, while keeping PTB's request layer, rate limiter and errors.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from html import escape
from typing import Any

from telegram import Document, InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

log = logging.getLogger(__name__)

# PTB suggests its typed methods when do_api_request names a known endpoint; see above for why.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

Button = dict[str, str]
Keyboard = dict[str, list[list[Button]]]


def button(text: str, data: str) -> Button:
    return {"text": text, "callback_data": data}


def keyboard(rows: list[list[Button]]) -> Keyboard:
    return {"inline_keyboard": [row for row in rows if row]}


def _message_params(text: str, markup: Keyboard | None) -> dict[str, Any]:
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if markup:
        params["reply_markup"] = markup
    return params


async def send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup: Keyboard | None = None
) -> int:
    """Send an HTML message; returns its message id."""
    result = await context.bot.do_api_request(
        "sendMessage", api_kwargs={"chat_id": chat_id, **_message_params(text, markup)}
    )
    return int(result["message_id"])


async def send_file(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    filename: str,
    content: bytes,
    caption: str = "",
    *,
    photo: bool = False,
    markup: Keyboard | None = None,
) -> int:
    """Send `content` as a document (a .ics, a CSV) or, with `photo`, as a picture (a QR
    code); `caption` is HTML, at most 1,024 characters as shown. Returns the message id."""
    field, method = ("photo", "sendPhoto") if photo else ("document", "sendDocument")
    params: dict[str, Any] = {"chat_id": chat_id, field: InputFile(content, filename=filename)}
    if caption:
        params.update(caption=caption, parse_mode="HTML")
    if markup:
        params["reply_markup"] = markup
    result = await context.bot.do_api_request(method, api_kwargs=params)
    return int(result["message_id"])


async def edit_or_send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    markup: Keyboard | None = None,
) -> int:
    """Edit the message whose button was tapped, so the chat does not fill up; else send."""
    query = update.callback_query
    message = query.message if query else None
    if isinstance(message, Message):
        try:
            await context.bot.do_api_request(
                "editMessageText",
                api_kwargs={
                    "chat_id": chat_id,
                    "message_id": message.message_id,
                    **_message_params(text, markup),
                },
            )
            return message.message_id
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message.message_id
            # Too old to edit, deleted, or not text: fall through to a new message.
            log.info("Could not edit message %s: %s", message.message_id, exc)
    return await send(context, chat_id, text, markup)


async def drop_buttons(context: ContextTypes.DEFAULT_TYPE, message: object) -> None:
    """Take the buttons off an old message so it cannot be tapped again."""
    if isinstance(message, Message) and message.reply_markup is not None:
        with contextlib.suppress(BadRequest):
            await context.bot.do_api_request(
                "editMessageReplyMarkup",
                api_kwargs={"chat_id": message.chat_id, "message_id": message.message_id},
            )


async def toast(update: Update, text: str | None = None) -> None:
    """Answer a button tap (stops the spinner), with a short note if there is something to say."""
    if update.callback_query is not None:
        # A query too old to answer raises BadRequest; there is nothing the person could see.
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(text)


async def fetch_document(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    document: Document,
    max_bytes: int,
    too_big: str,
    unreachable: str,
) -> bytes | None:
    """A file staff sent, downloaded; None (and the person told why, in one line) when it is
    larger than `max_bytes` (never downloaded then: `too_big`, already translated) or Telegram
    cannot hand it over (`unreachable`)."""
    if (document.file_size or 0) > max_bytes:
        await send(context, chat_id, escape(too_big))
        return None
    try:
        file = await context.bot.get_file(document.file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError:
        await send(context, chat_id, escape(unreachable))
        return None
