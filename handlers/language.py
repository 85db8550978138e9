"""/bahasa: choose Bahasa Indonesia or English."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n import LANGUAGE_NAMES, LOCALES
from handlers.buttons import Language
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import button, edit_or_send, keyboard, send, toast

FLAGS = {"id": "🇮🇩", "en": "🇬🇧"}


@personal
async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    markup = keyboard(
        [[button(f"{FLAGS[loc]} {LANGUAGE_NAMES[loc]}", Language(loc).pack()) for loc in LOCALES]]
    )
    await send(context, w.chat_id, escape(w._("Choose your language:")), markup)


@personal
async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    choice = Language.tapped(update)
    # A language the bot no longer offers is an old button too.
    if choice is None or choice.locale not in LOCALES:
        await no_longer_active(update, w)
        return
    locale = choice.locale
    svc = services(context)
    await svc.people.set_locale(w.user_id, locale)
    _ = svc.i18n.gettext(locale)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, escape(_("Language set to English.")))


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["bahasa", "language"], ask))
    app.add_handler(CallbackQueryHandler(chosen, pattern=Language.pattern))
