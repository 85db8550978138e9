"""Small helpers every handler uses: the services, the person's language, safe replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Gettext
from bot.services.container import Services

log = logging.getLogger(__name__)
KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]


@dataclass(frozen=True)
class Who:
    user_id: int
    chat_id: int
    locale: str
    _: Gettext


async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Who | None:
    """The person behind an update, with their language; None for channel posts and the like."""
    user, chat = update.effective_user, update.effective_chat
    # Surveys are personal: the bot talks to people one to one, never in groups or channels.
    if user is None or chat is None or chat.type != "private" or user.is_bot:
        return None
    svc = services(context)
    locale = await svc.people.locale(user.id, svc.i18n.resolve(user.language_code))
    return Who(user.id, chat.id, locale, svc.i18n.gettext(locale))
