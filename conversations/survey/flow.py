"""Answering: button taps, typed answers, wrong kinds of message, /batal."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.surveys import Kind, Outcome
from conversations.survey.present import present
from handlers.common import Who, services, who
from handlers.outbox import send, toast


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await who(update, context)
    query = update.callback_query
    if w is None or query is None or query.message is None:
        return
    parts = (query.data or "").split(":", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        await toast(update, w._("That button is no longer active."))
        return
    _q, rev, action, arg = parts
    outcome = await services(context).surveys.tap(
        w.user_id, int(rev), action, arg, update.update_id, query.message.message_id
    )
    await present(update, context, w, outcome)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await who(update, context)
    message = update.effective_message
    if w is None or message is None or message.text is None:
        return
    outcome = await services(context).surveys.typed(
        w.user_id, message.text, w.locale, update.update_id
    )
    await _reply(update, context, w, outcome)


async def on_other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, locations... where a typed or tapped answer was expected."""
    w = await who(update, context)
    if w is None:
        return
    await _reply(update, context, w, await services(context).surveys.not_text(w.user_id))


async def _reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, outcome: Outcome
) -> None:
    """Show the outcome of a message; with no survey in progress, say how to start one."""
    if outcome.kind is Kind.NO_SESSION and not outcome.expired:
        await _no_survey_hint(update, context)
        return
    await present(update, context, w, outcome)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await who(update, context)
    if w is None:
        return
    text = w._(
        "I can't read edited messages. To change an answer, use ◀️ Back or the check screen at the end."
    )
    await send(context, w.chat_id, escape(text))


async def _no_survey_hint(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await who(update, context)
    if w is None:
        return
    if await services(context).people.has_consented(w.user_id):
        text = w._(
            "There is no survey in progress. Type /survei to choose one, or /bantuan for help."
        )
    else:
        text = w._("Hello! Type /start to begin, or /bantuan for help.")
    await send(context, w.chat_id, escape(text))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await who(update, context)
    if w is None:
        return
    outcome = await services(context).surveys.ask_cancel(w.user_id, update.update_id)
    if outcome.kind is Kind.NO_SESSION:
        await send(
            context,
            w.chat_id,
            escape(w._("There is no survey in progress, so there is nothing to stop.")),
        )
        return
    await present(update, context, w, outcome)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["batal", "cancel"], cancel))
    app.add_handler(CallbackQueryHandler(on_tap, pattern=r"^q:"))
    # New messages only: an edited message is not a new answer. (Chats other than private
    # ones are turned away by `who`.)
    new = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, on_text))
    not_text = new & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(not_text, on_other_message))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
