"""A command the bot does not know: a short word and where to find the ones it does, instead of
silence (a mistyped /batall looks to the person like a bot that stopped working).

It runs in a group after every other and answers only when no other handler took the command,
asking them rather than keeping a list that could fall behind. A staff command from someone
who is not staff is not taken by its handler (`handlers.staff`), so it gets this same reply.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from handlers.common import Who, personal
from handlers.send import send

# After every other group: PTB offers an update to one handler in each group, in group order.
GROUP = 100


@personal
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    taken = (
        handler.check_update(update)
        for group, handlers in context.application.handlers.items()
        if group != GROUP
        for handler in handlers
    )
    if any(taken):
        return
    text = w._("Sorry, I don't know that command. Type /bantuan to see what I can do.")
    await send(context, w.chat_id, escape(text))


def register(app: Application) -> None:
    new_command = filters.UpdateType.MESSAGE & filters.COMMAND
    app.add_handler(MessageHandler(new_command, unknown_command), group=GROUP)
