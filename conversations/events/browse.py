"""/acara (/events): the upcoming events, nearest to the person first, and each one's details.

Read-only: nothing is stored, so it needs no consent and works for anyone in a private chat.
Taps edit the list message in place (list -> details -> back), so the chat does not fill up.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from conversations.events import render
from handlers.buttons import EventList, OpenEvent
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import edit_or_send, send, toast


@personal
async def show_list(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    page = await services(context).events.page_for(w.user_id)
    text, markup = render.event_list(page, w._, w.locale)
    await send(context, w.chat_id, text, markup)


@personal
async def turn_page(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = EventList.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    # The list is drawn afresh: events may have begun or been added since the button was.
    page = await services(context).events.page_for(w.user_id, tap.page)
    text, markup = render.event_list(page, w._, w.locale)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


@personal
async def open_event(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = OpenEvent.tapped(update)
    event = None if tap is None else await services(context).events.upcoming_event(tap.event_id)
    if tap is None or event is None:
        # Cancelled, begun, or never ours: the same answer as any other outdated button.
        await no_longer_active(update, w)
        return
    can_register = services(context).events.can_register(event)
    text, markup = render.details(event, tap.page, w._, w.locale, can_register)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["acara", "events"], show_list))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=EventList.pattern))
    app.add_handler(CallbackQueryHandler(open_event, pattern=OpenEvent.pattern))
