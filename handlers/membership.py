"""A person blocking or unblocking the bot, as Telegram tells it (my_chat_member updates in a
private chat). Blocked: they are recorded unreachable and their pending announcements skipped
at once, instead of each costing a 403 first. Unblocked: nothing to do here, since any update
from a person already clears them (`Runtime._handle` calls `Outbox.came_back`). Nothing is
sent either way: a blocked bot cannot write, and an unblocked one waits to be spoken to."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from handlers.common import services


async def on_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status == ChatMember.BANNED:  # "kicked": they blocked the bot
        svc = services(context)
        await svc.outbox.blocked(change.chat.id, svc.clock.now())


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(on_change, ChatMemberHandler.MY_CHAT_MEMBER))
