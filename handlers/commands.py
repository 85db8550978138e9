"""What Telegram shows before and around a chat: the command menu and the bot's description,
in Bahasa Indonesia (the default) and English."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

from bot.i18n import LOCALES, N_, I18n

COMMANDS = [
    ("start", N_("start and see the data notice")),
    ("survei", N_("choose or continue a survey")),
    ("batal", N_("stop the current survey")),
    ("acara", N_("see upcoming events")),
    ("acarasaya", N_("see your events")),
    ("langganan", N_("choose the announcements you receive")),
    ("berhenti", N_("stop all announcements")),
    ("bahasa", N_("change the language")),
    ("bantuan", N_("help")),
    ("dataku", N_("see your data")),
    ("hapusdata", N_("delete your data")),
    ("privasi", N_("read the data notice")),
]

# Shown on the empty chat screen before someone presses Start (at most 512 characters).
DESCRIPTION = N_(
    "Berdaya Bersama: tell the government about your work as a gig worker, creative worker or "
    "small business. Short surveys, answered by tapping buttons. Your data is protected under "
    "Law No. 27 of 2022."
)
# Shown on the bot's profile and in shared links (at most 120 characters).
SHORT_DESCRIPTION = N_(
    "Surveys for gig workers and small businesses of the Berdaya Bersama programme."
)


async def publish(app: Application, i18n: I18n) -> None:
    for locale in LOCALES:
        _ = i18n.gettext(locale)
        commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
        # The default list (no language code) is Indonesian, for everyone else.
        code = None if locale == i18n.default else locale
        await app.bot.set_my_commands(commands, language_code=code)
        await app.bot.set_my_description(_(DESCRIPTION), language_code=code)
        await app.bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=code)
