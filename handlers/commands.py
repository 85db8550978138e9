"""The command menu Telegram shows, in Bahasa Indonesia (default) and English."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

from bot.i18n import LOCALES, N_, I18n

COMMANDS = [
    ("start", N_("start and see the data notice")),
    ("survei", N_("choose or continue a survey")),
    ("batal", N_("stop the current survey")),
    ("bahasa", N_("change the language")),
    ("bantuan", N_("help")),
    ("dataku", N_("see your data")),
    ("hapusdata", N_("delete your data")),
    ("privasi", N_("read the data notice")),
]


async def publish(app: Application, i18n: I18n) -> None:
    for locale in LOCALES:
        _ = i18n.gettext(locale)
        commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
        # The default list (no language code) is Indonesian, for everyone else.
        code = None if locale == i18n.default else locale
        await app.bot.set_my_commands(commands, language_code=code)
