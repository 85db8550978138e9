"""Errors: logged once with context (never the token), and the person gets an apology."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from handlers.common import services
from handlers.send import send, toast

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    # do_api_request (handlers/send.py) reports a 401 as EndPointNotFound once the bot is initialised;
    # the bot calls only endpoints that exist, so both mean the token was rejected.
    if isinstance(error, InvalidToken | EndPointNotFound):
        # Revoked while running: nothing can be sent any more. The process stops with one line.
        services(context).lifecycle.token_rejected()
        return
    where = ""
    if isinstance(update, Update):
        user = update.effective_user
        where = f" (update {update.update_id}, user {user.id if user else '-'})"
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Weak signal on Telegram's side or ours: PTB retries polling by itself.
        log.warning("Network problem%s: %s", where, error)
    else:
        log.error("Unhandled error%s", where, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    svc = services(context)
    locale = await _safe_locale(
        context, user.id if user else None, user.language_code if user else None
    )
    _ = svc.i18n.gettext(locale)
    text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        await toast(update)
        await send(context, update.effective_chat.id, escape(text))
    except TelegramError:
        log.warning("Could not send the apology%s", where)


async def _safe_locale(
    context: ContextTypes.DEFAULT_TYPE, user_id: int | None, code: str | None
) -> str:
    svc = services(context)
    fallback = svc.i18n.resolve(code)
    if user_id is None:
        return fallback
    try:
        return await svc.people.locale(user_id, fallback)
    except Exception:  # the database may be what failed; the apology must still go out
        return fallback


def register(app: Application) -> None:
    app.add_error_handler(on_error)
