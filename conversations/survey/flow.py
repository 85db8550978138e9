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
from bot.storage.awaiting import Awaiting
from conversations.survey.present import present
from handlers import input_router
from handlers.buttons import SurveyTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import send

# The handler group of on_unclaimed_tap: PTB runs one handler per group, groups in order.
UNCLAIMED = 100


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    query = update.callback_query
    if query is None:
        return
    tap = SurveyTap.unpack(query.data)
    # Without its message (Telegram leaves it out when the message is very old) a tap cannot
    # be matched to what was on screen.
    if tap is None or query.message is None:
        await no_longer_active(update, w)
        return
    outcome = await services(context).surveys.tap(
        w.user_id, tap.rev, tap.action, tap.arg, update.update_id, query.message.message_id
    )
    await present(update, context, w, outcome)


@personal
async def on_unclaimed_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """A button no handler of the bot takes: from an older version of the bot, forged, or a
    staff button reaching someone who is not staff.

    It is answered all the same, or the person's button would spin until Telegram gives up.
    It runs in a group of its own, after every other, and asks the other button handlers
    whether one took the tap. Not `buttons.kind_of`: a staff button's handler declines it for
    everyone but staff (handlers/staff.py), which only the handler itself knows.
    """
    claimed = (
        h.check_update(update)
        for handlers in context.application.handlers.values()
        for h in handlers
        if isinstance(h, CallbackQueryHandler) and h.callback is not on_unclaimed_tap
    )
    if not any(claimed):
        await no_longer_active(update, w)


async def on_message(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, awaiting: Awaiting | None
) -> None:
    """What a person sends when no other feature awaits their input: an answer to the current
    question, a place shared for a location question, or a sticker, photo or voice note where
    an answer was expected."""
    message = update.effective_message
    if message is None:
        return
    surveys = services(context).surveys
    # A venue carries its point; a live location's first message is its point now (the
    # updates after it are edits, see on_edited).
    where = message.location or (message.venue.location if message.venue else None)
    if where is not None:
        outcome = await surveys.located(
            w.user_id,
            where.latitude,
            where.longitude,
            update.update_id,
            where.horizontal_accuracy or 0.0,
        )
    elif message.text is None:
        outcome = await surveys.not_text(w.user_id)
    else:
        outcome = await surveys.typed(
            w.user_id, message.text, w.locale, update.update_id, message.date
        )
    await _reply(update, context, w, outcome)


async def _reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, outcome: Outcome
) -> None:
    """Show the outcome of a message. With no survey in progress the message is no answer:
    a feature that reads free text may take it (a question about events); if none does, say
    how to start a survey."""
    if outcome.kind is Kind.NO_SESSION and not outcome.expired:
        if not await input_router.leftover(update, context, w):
            await _no_survey_hint(context, w)
        return
    await present(update, context, w, outcome)


@personal
async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    edited = update.edited_message
    if edited is not None and edited.location is not None:
        return  # a live location moving: its first point was the answer, the rest is no news
    text = w._(
        "I can't read edited messages. To change an answer, use ◀️ Back or the check screen at the end."
    )
    await send(context, w.chat_id, escape(text))


async def _no_survey_hint(context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    if await services(context).people.has_consented(w.user_id):
        text = w._(
            "There is no survey in progress. Type /survei to choose one, or /bantuan for help."
        )
    else:
        text = w._("Hello! Type /start to begin, or /bantuan for help.")
    await send(context, w.chat_id, escape(text))


@personal
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
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
    app.add_handler(CallbackQueryHandler(on_tap, pattern=SurveyTap.pattern))
    app.add_handler(CallbackQueryHandler(on_unclaimed_tap), group=UNCLAIMED)
    # What people type reaches the survey through the input router (handlers.input_router).
    input_router.claim(app, input_router.DEFAULT, on_message)
    # An edited message is not a new answer.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
