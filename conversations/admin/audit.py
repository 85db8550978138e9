"""/audit, for admins: the audit log, newest first, a page at a time, and the whole log as a
CSV file (formula-safe: details hold text staff typed, such as an event's name in its slug).

Broadcasts' actions (created, paused, resumed, cancelled) come from their own record and are
shown among the rest. Taking the file is itself recorded.
"""

from __future__ import annotations

from html import escape
from typing import Final

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.formatting import date_time
from bot.i18n import N_, Gettext
from bot.services.audit import Action
from bot.storage.audit import Entry
from handlers.buttons import AuditAction, AuditTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, send_file, toast
from handlers.staff import AdminButtonHandler, AdminCommandHandler

# How each kind of entry reads; {actor}, {subject} and {detail} are filled in.
SAYS: Final = {
    Action.ROLE_GRANTED: N_("{actor} granted the staff role to {subject}"),
    Action.ROLE_REVOKED: N_("{actor} revoked the staff role of {subject}"),
    Action.EXPORT: N_("{actor} exported the survey “{subject}” ({detail})"),
    Action.EVENT_CREATED: N_("{actor} created the event “{subject}”"),
    Action.EVENT_CHANGED: N_("{actor} changed the event “{subject}” ({detail})"),
    Action.EVENT_CANCELLED: N_("{actor} cancelled the event “{subject}”"),
    Action.EVENTS_IMPORTED: N_("{actor} imported events from a file ({detail})"),
    Action.DATA_REQUEST: N_("{actor} asked for their data (/dataku)"),
    Action.DATA_WITHDRAWN: N_("{actor} withdrew a consent with its data ({detail})"),
    Action.DATA_ERASED: N_("Someone deleted all their data (/hapusdata)"),
    Action.AUDIT_EXPORTED: N_("{actor} downloaded the audit log"),
    Action.SURVEY_IMPORTED: N_("{actor} imported the survey “{subject}” ({detail})"),
    Action.SURVEY_PUBLISHED: N_("{actor} published the survey “{subject}” ({detail})"),
    Action.SURVEY_DISCARDED: N_("{actor} discarded a draft of the survey “{subject}” ({detail})"),
    "broadcast_created": N_("{actor} created broadcast #{subject}"),
    "broadcast_paused": N_("{actor} paused broadcast #{subject}"),
    "broadcast_resumed": N_("{actor} resumed broadcast #{subject}"),
    "broadcast_cancelled": N_("{actor} cancelled broadcast #{subject}"),
}


def describe(entry: Entry, _: Gettext) -> str:
    """One entry in words (plain text). An action this version does not know is still shown."""
    actor = str(entry.actor) if entry.actor is not None else _("the command line")
    says = SAYS.get(entry.action)
    if says is None:
        return f"{actor}: {entry.action} {entry.subject} {entry.detail}".strip()
    return _(says).format(actor=actor, subject=entry.subject, detail=entry.detail)


async def _page(context: ContextTypes.DEFAULT_TYPE, w: Who, number: int) -> tuple[str, Keyboard]:
    svc, _ = services(context), w._
    entries, pages = await svc.audit.page(number)
    number = min(max(number, 0), pages - 1)
    title = _("Audit log, page {page} of {pages} (newest first)").format(
        page=number + 1, pages=pages
    )
    lines = ["<b>" + escape(title) + "</b>", ""]
    if not entries:
        lines.append(escape(_("Nothing recorded yet.")))
    for entry in entries:
        when = date_time(entry.at, svc.settings.zone, w.locale)
        lines.append(f"• <i>{escape(when)}</i>\n  {escape(describe(entry, _))}")
    moves: list[Button] = []
    if number > 0:
        moves.append(button(_("◀️ Newer"), AuditTap(AuditAction.PAGE, number - 1).pack()))
    if number + 1 < pages:
        moves.append(button(_("Older ▶️"), AuditTap(AuditAction.PAGE, number + 1).pack()))
    file = [button(_("⬇️ The whole log as CSV"), AuditTap(AuditAction.FILE, 0).pack())]
    return "\n".join(lines), keyboard([moves, file])


@personal
async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    text, markup = await _page(context, w, 0)
    await send(context, w.chat_id, text, markup)


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = AuditTap.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    svc = services(context)
    if tap.action is AuditAction.PAGE:
        text, markup = await _page(context, w, tap.page)
        await edit_or_send(update, context, w.chat_id, text, markup)
        return
    await svc.audit.record(w.user_id, Action.AUDIT_EXPORTED)
    content = await svc.audit.csv()
    day = svc.clock.now().astimezone(svc.settings.zone).date().isoformat()
    caption = w._("The audit log, every entry, newest first (times in UTC).")
    await send_file(context, w.chat_id, f"audit-{day}.csv", content, escape(caption))


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(AdminCommandHandler(staff, "audit", on_command))
    app.add_handler(AdminButtonHandler(staff, on_tap, pattern=AuditTap.pattern))
