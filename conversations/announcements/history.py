"""/siaran (/broadcasts): past and running broadcasts, newest first, five a page. Each says when,
by whom, to whom, how far it got and where it stands; its button shows its progress message (or
summary) again, with the controls while it runs.

Who a broadcast went to is read from the audience /umumkan stored with it ({"kind": ...}) and
said in the words /umumkan used (bot/core/audience.py), tolerantly: a kind this version does
not know is still listed, said generically.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.audience import Audience, describe
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


async def audience_words(
    context: ContextTypes.DEFAULT_TYPE, broadcast: Broadcast, _: Gettext, locale: str
) -> str:
    """Who the broadcast went to, in words (plain text), as /umumkan said it when confirming."""
    audience = Audience.from_json(broadcast.audience)
    if audience is None:  # a kind this version does not know, or a hand-made row
        return _("An audience chosen by staff")
    svc = services(context)
    event_title = survey_title = ""
    if audience.event_id is not None:
        event = await svc.events.event(audience.event_id)
        event_title = title_of(event, locale) if event else f"#{audience.event_id}"
    if audience.survey_id is not None:
        survey = svc.surveys.surveys.get(audience.survey_id)
        survey_title = pick(survey.title, locale) if survey else audience.survey_id
    return describe(audience, _, event_title=event_title, survey_title=survey_title)


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
