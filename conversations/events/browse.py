"""/acara (/events): the upcoming events, nearest to the person first, and each one's details.

Read-only: nothing is stored, so it needs no consent and works for anyone in a private chat.
Taps edit the list message in place (list -> details -> back), so the chat does not fill up.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core import regions
from conversations.events import render
from handlers.buttons import ChooseRegion, EventList, EventsIn, OpenEvent, OpenEventIn
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import edit_or_send, send, toast


@personal
async def show_list(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    page = await services(context).events.page_for(w.user_id)
    text, markup = render.event_list(page, w._, w.locale)
    await send(context, w.chat_id, text, markup)


@personal
async def turn_page(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = EventList.tapped(update) or EventsIn.tapped(update)
    picked = regions.by_code(tap.region) if isinstance(tap, EventsIn) else None
    if tap is None or (isinstance(tap, EventsIn) and picked is None):
        await no_longer_active(update, w)
        return
    # The list is drawn afresh: events may have begun or been added since the button was.
    page = await services(context).events.page_for(w.user_id, tap.page, picked)
    text, markup = render.event_list(page, w._, w.locale)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


@personal
async def open_event(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = OpenEvent.tapped(update) or OpenEventIn.tapped(update)
    event = None if tap is None else await services(context).events.upcoming_event(tap.event_id)
    if tap is None or event is None:
        # Cancelled, begun, or never ours: the same answer as any other outdated button.
        await no_longer_active(update, w)
        return
    can_register = services(context).events.can_register(event)
    region = tap.region if isinstance(tap, OpenEventIn) else None
    text, markup = render.details(event, tap.page, w._, w.locale, can_register, region)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


@personal
async def choose_region(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """Provinces with upcoming events, then one's kabupaten/kota: nothing typed, nothing
    stored (the choice travels in the buttons)."""
    tap = ChooseRegion.tapped(update)
    province = regions.by_code(tap.province) if tap and tap.province else None
    if tap is None or (tap.province and (province is None or "." in tap.province)):
        await no_longer_active(update, w)
        return
    places = await services(context).events.areas(province.code if province else None)
    if province is not None and len(places) <= 1:
        # One place or none below the province: asking "where in it?" would be a wasted tap.
        page = await services(context).events.page_for(
            w.user_id, 0, places[0].region if places else province
        )
        text, markup = render.event_list(page, w._, w.locale)
    else:
        text, markup = render.region_picker(places, province, w._)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["acara", "events"], show_list))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=EventList.pattern))
    app.add_handler(CallbackQueryHandler(turn_page, pattern=EventsIn.pattern))
    app.add_handler(CallbackQueryHandler(open_event, pattern=OpenEvent.pattern))
    app.add_handler(CallbackQueryHandler(open_event, pattern=OpenEventIn.pattern))
    app.add_handler(CallbackQueryHandler(choose_region, pattern=ChooseRegion.pattern))
