"""/bantuan: what the bot does and which commands there are."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.core.formatting import period
from handlers.common import Who, personal, services
from handlers.send import send


@personal
async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    _ = w._
    settings = services(context).settings
    # Not "at any time": an open survey's answers go after RESPONSE_EXPIRY_HOURS of silence,
    # or at once with /batal, and a promise the bot does not keep is worse than none.
    idle = period(max(1, settings.response_expiry_hours // 24), w.locale)
    lines = [
        "<b>" + escape(_("How this bot works")) + "</b>",
        escape(_("Answer short surveys by tapping the buttons.")),
        escape(
            _(
                "You can stop and come back later: your answers wait while the survey is open, "
                "up to {idle} without activity. /batal deletes them."
            ).format(idle=idle)
        ),
        "",
        "/survei " + escape(_("choose or continue a survey")),
        "/batal " + escape(_("stop the current survey")),
        "/acara " + escape(_("see upcoming events")),
        "/acarasaya " + escape(_("see your events")),
        "/langganan " + escape(_("choose the announcements you receive")),
        "/berhenti " + escape(_("stop all announcements")),
        "/bahasa " + escape(_("change the language")),
        "/dataku " + escape(_("see the data we keep about you")),
        "/hapusdata " + escape(_("delete your data")),
        "/privasi " + escape(_("read the data notice again")),
        "",
        escape(
            _("You can also ask about events in your own words, for example: “{example}”")
        ).format(example=escape(_("any digital marketing training in Kupang this month?"))),
        "",
        escape(
            _("Questions about your data, or need a person? Contact {contact}.").format(
                contact=settings.controller_contact
            )
        ),
    ]
    if services(context).staff.is_staff(w.user_id):  # nobody else learns these exist
        lines += [
            "",
            "<b>" + escape(_("For staff")) + "</b>",
            "/buatacara " + escape(_("create an event, step by step")),
            "/kelolaacara " + escape(_("manage events: registrants, changes, cancelling")),
            "/hasil " + escape(_("survey results: progress, charts by place and period")),
            "/ekspor " + escape(_("survey responses as Excel and CSV files")),
            "/siaran " + escape(_("past and running broadcasts: progress, pause, cancel")),
            "/umumkan " + escape(_("send an announcement to subscribers")),
            "📄 " + escape(_("send an XLSForm (.xlsx, .xls) as a file to import a survey")),
        ]
    if services(context).staff.is_admin(w.user_id):
        lines += [
            "/staf " + escape(_("admins: who is staff, grant and revoke the role")),
            "/audit " + escape(_("admins: the audit log, and the whole log as a file")),
        ]
    await send(context, w.chat_id, "\n".join(lines))


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["bantuan", "help"], show))
