"""/siaran (/broadcasts): past and running broadcasts, newest first, five a page. Each says when,
by whom, to whom, how far it got and where it stands; its button shows its progress message (or
summary) again, with the controls while it runs.

Who a broadcast went to is read from the audience /umumkan stored with it ({"kind": ...}),
tolerantly: a kind this version does not know is still listed, said generically.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core import regions
from bot.core.announcements import TOPICS
from bot.core.formatting import date_time, number
from bot.core.text import pick
from bot.i18n import N_, Gettext
from bot.services.broadcast_control import HistoryPage
from bot.storage.broadcasts import Broadcast
from conversations.events.render import title_of
from handlers.buttons import BroadcastAction, BroadcastPage, BroadcastTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler

EXCERPT = 40  # characters of a broadcast's text on its button
STATES = {
    "sending": N_("▶️ Sending"),
    "paused": N_("⏸ Paused"),
    "done": N_("✅ Finished"),
    "cancelled": N_("⛔ Cancelled"),
}


def excerpt(text: str, most: int = EXCERPT) -> str:
    """The start of a text on one line, cut with … (plain text: escape it for HTML)."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"


def _place(code: object, _: Gettext) -> str:
    found = regions.by_code(code) if isinstance(code, str) and code else None
    return found.name if found else _("All of Indonesia")


async def audience_words(
    context: ContextTypes.DEFAULT_TYPE, broadcast: Broadcast, _: Gettext, locale: str
) -> str:
    """Who the broadcast went to, in words (plain text)."""
    svc = services(context)
    audience = broadcast.audience
    kind = audience.get("kind")
    if kind == "all":
        return _("All subscribers")
    if kind == "topic" and audience.get("topic") in TOPICS:
        topic = _(TOPICS[audience["topic"]])
        if not audience.get("region"):
            return _("Subscribers to “{topic}”").format(topic=topic)
        return _("Subscribers to “{topic}” in {place}").format(
            topic=topic, place=_place(audience.get("region"), _)
        )
    if kind == "region":
        return _("Subscribers in {place}").format(place=_place(audience.get("region"), _))
    if kind == "event" and isinstance(audience.get("event_id"), int):
        event = await svc.events.event(audience["event_id"])
        title = title_of(event, locale) if event else f"#{audience['event_id']}"
        return _("Confirmed registrants of “{title}”").format(title=title)
    if kind in ("survey", "unfinished") and isinstance(audience.get("survey_id"), str):
        survey = svc.surveys.surveys.get(audience["survey_id"])
        title = pick(survey.title, locale) if survey else audience["survey_id"]
        if kind == "survey":
            return _("People who completed the survey “{title}”").format(title=title)
        return _("People who started the survey “{title}” and did not finish it").format(
            title=title
        )
    return _("An audience chosen by staff")


def status_words(broadcast: Broadcast, now: datetime, _: Gettext) -> str:
    if broadcast.status == "sending" and broadcast.scheduled_at and broadcast.scheduled_at > now:
        return _("🕘 Scheduled")
    return _(STATES.get(broadcast.status, STATES["cancelled"]))


async def history_screen(
    context: ContextTypes.DEFAULT_TYPE, found: HistoryPage, w: Who, zone: tzinfo
) -> tuple[str, Keyboard | None]:
    _ = w._
    now = services(context).clock.now()
    if not found.items:
        return escape(_("No broadcasts yet. Send one with /umumkan.")), None
    lines = ["<b>" + escape(_("Broadcasts")) + "</b>"]
    if found.pages > 1:
        lines.append(escape(_("Page {n} of {total}").format(n=found.page + 1, total=found.pages)))
    rows: list[list[Button]] = []
    for broadcast, counts in found.items:
        by = _("you") if broadcast.created_by == w.user_id else _("staff {id}")
        when = date_time(broadcast.scheduled_at or broadcast.created_at, zone, w.locale)
        tally = _("sent {sent} of {total}, failed {failed}, blocked {skipped}").format(
            sent=number(counts.sent, w.locale),
            total=number(counts.total, w.locale),
            failed=number(counts.failed, w.locale),
            skipped=number(counts.skipped, w.locale),
        )
        lines += [
            "",
            f"<b>#{broadcast.id}</b> · "
            + escape(when)
            + " · "
            + escape(by.format(id=broadcast.created_by)),
            "👥 " + escape(await audience_words(context, broadcast, _, w.locale)),
            escape(status_words(broadcast, now, _)) + " · " + escape(tally),
        ]
        label = f"#{broadcast.id} " + excerpt(broadcast.fallback_text or _("(no text)"))
        rows.append([button(label, BroadcastTap(BroadcastAction.OPEN, broadcast.id).pack())])
    paging: list[Button] = []
    if found.page > 0:
        paging.append(button(_("« Previous"), BroadcastPage(found.page - 1).pack()))
    if found.page + 1 < found.pages:
        paging.append(button(_("Next »"), BroadcastPage(found.page + 1).pack()))
    rows.append(paging)
    return "\n".join(lines), keyboard(rows)


async def _screen(
    context: ContextTypes.DEFAULT_TYPE, w: Who, page: int
) -> tuple[str, Keyboard | None]:
    svc = services(context)
    found = await svc.broadcast_control.history(page)
    zone = await svc.events.zone_for(w.user_id, svc.settings.zone)
    return await history_screen(context, found, w, zone)


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    await send(context, w.chat_id, *await _screen(context, w, 0))


@personal
async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = BroadcastPage.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    await edit_or_send(update, context, w.chat_id, *await _screen(context, w, tap.page))


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffCommandHandler(staff, ["siaran", "broadcasts"], start))
    app.add_handler(StaffButtonHandler(staff, on_page, pattern=BroadcastPage.pattern))
