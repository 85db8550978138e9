"""Telling registrants that their event is off, or has a new time or place: one job per person
(scheduled with the change, in the same transaction), run in that person's own order and
language. Each checks first, so one run again after a kill, or for an event since changed
back, says nothing false."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.core.formatting import date_time
from bot.services.event_admin import CANCELLED_JOB, CHANGED_JOB
from conversations.events.render import title_of
from handlers.common import language_of, services
from handlers.jobs import on_job
from handlers.send import send


async def _registered(context: ContextTypes.DEFAULT_TYPE, person: int, event_id: Any) -> bool:
    if not isinstance(event_id, int):
        return False
    status = await services(context).events.registrations_status(person, event_id)
    return status is not None  # a seat or a waiting place, kept when the event is cancelled


async def tell_cancelled(
    context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]
) -> None:
    svc = services(context)
    event_id = data.get("event_id")
    if not await _registered(context, person, event_id):
        return  # gave up their place, or erased their data, meanwhile
    event = await svc.events.event(event_id)  # type: ignore[arg-type]
    if event is None or event.status != "cancelled":
        return
    locale, _ = await language_of(context, person)
    text = _(
        "Sorry, the event “{title}” ({time}) has been cancelled. See other events with /acara."
    ).format(title=title_of(event, locale), time=date_time(event.starts_at, event.zoneinfo, locale))
    await send(context, person, escape(text))


async def tell_changed(
    context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]
) -> None:
    svc = services(context)
    event_id = data.get("event_id")
    if not await _registered(context, person, event_id):
        return
    event = await svc.events.event(event_id)  # type: ignore[arg-type]
    if event is None or event.status != "published":
        return
    locale, _ = await language_of(context, person)
    text = _(
        "The event “{title}” has changed. It is now on {time}, at {place}. "
        "See your events with /acarasaya."
    ).format(
        title=title_of(event, locale),
        time=date_time(event.starts_at, event.zoneinfo, locale),
        place=f"{event.venue}, {event.region_name}",
    )
    await send(context, person, escape(text))


def register(app: Application) -> None:
    on_job(app, CANCELLED_JOB, tell_cancelled)
    on_job(app, CHANGED_JOB, tell_changed)
