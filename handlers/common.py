"""Small helpers every handler uses: the services, the person's language, safe replies."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import Gettext
from bot.services.container import Services

log = logging.getLogger(__name__)
KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Who:
    user_id: int
    chat_id: int
    locale: str
    _: Gettext


async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Who | None:
    """The person behind an update, with their language; None for channel posts and the like."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    svc = services(context)
    locale = await svc.people.locale(user.id, svc.i18n.resolve(user.language_code))
    return Who(user.id, chat.id, locale, svc.i18n.gettext(locale))


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message:
    return await context.bot.send_message(
        chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        disable_web_page_preview=True,
    )


async def edit_or_send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message:
    """Edit the message whose button was tapped, so the chat does not fill up; else send."""
    query = update.callback_query
    message = query.message if query else None
    if isinstance(message, Message):
        try:
            edited = await message.edit_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                disable_web_page_preview=True,
            )
            return edited if isinstance(edited, Message) else message
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message
            # Too old to edit, deleted, or not text: fall through to a new message.
            log.info("Could not edit message %s: %s", message.message_id, exc)
    return await send(context, chat_id, text, keyboard)


async def toast(update: Update, text: str | None = None) -> None:
    """Answer a button tap (stops the spinner), with a short note if there is something to say."""
    if update.callback_query is not None:
        # A query too old to answer raises BadRequest; there is nothing the person could see.
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(text)
