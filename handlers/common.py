"""Small helpers every handler uses: the services, the person's language, safe replies."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Gettext
from bot.services.container import Services
from handlers.send import toast

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


async def language_of(context: ContextTypes.DEFAULT_TYPE, person: int) -> tuple[str, Gettext]:
    """The language to write to `person` in when no update of theirs says it (a job: a
    reminder, a notice): the one they chose, else the bot's default."""
    svc = services(context)
    locale = await svc.people.locale(person, svc.settings.default_locale)
    return locale, svc.i18n.gettext(locale)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
PersonalHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Who], Awaitable[None]]


def personal(handler: PersonalHandler) -> Handler:
    """For every handler that talks with one person: who they are and their language, resolved
    once, here. Updates with no such person (groups, channels, other bots) never reach it."""

    @functools.wraps(handler)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        w = await who(update, context)
        if w is not None:
            await handler(update, context, w)

    return run


async def no_longer_active(update: Update, w: Who) -> None:
    """Answer a tap whose data is malformed, forged, or of a kind the bot no longer has."""
    await toast(update, w._("That button is no longer active."))
