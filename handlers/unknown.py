"""A command the bot does not know: a short word and where to find the ones it does, instead of
silence (a mistyped /batall looks to the person like a bot that stopped working).

Registered after every other handler of its group, so it only sees what they all passed over.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from handlers.common import Who, personal
from handlers.send import send


@personal
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    text = w._("Sorry, I don't know that command. Type /bantuan to see what I can do.")
    await send(context, w.chat_id, escape(text))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, unknown_command))
