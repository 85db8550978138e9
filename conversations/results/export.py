"""/ekspor (/export): staff choose a survey and which responses, and get them as an Excel
workbook and a CSV file.

The files are written by `ExportService` in a worker thread, into a temporary folder that is
gone once they are sent: an export holds answers, so no copy stays on the server. Respondents
appear as pseudonymous codes, never by Telegram id. A file over Telegram's 50 MB upload limit
comes zipped, or as a zip in numbered parts, and the message says which and how to open it.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from html import escape
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.formatting import number
from bot.core.survey.model import Survey
from bot.core.text import pick
from bot.services.audit import Action
from bot.services.exports import Format, Package
from handlers.buttons import ExportPeriod, ExportTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, send_file, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler

DAYS = {ExportPeriod.WEEK: 7, ExportPeriod.MONTH: 30}
MAX_MB = 50


async def _surveys_screen(context: ContextTypes.DEFAULT_TYPE, w: Who) -> tuple[str, Keyboard]:
    svc = services(context)
    _ = w._
    rows: list[list[Button]] = []
    for survey in svc.surveys.surveys.values():
        count = await svc.exports.count(survey.id)
        label = f"{pick(survey.title, w.locale)} ({number(count, w.locale)})"
        rows.append([button(label, ExportTap(ExportPeriod.ASK, survey.id).pack())])
    text = "\n".join(
        [
            "<b>" + escape(_("Export responses")) + "</b>",
            escape(_("Choose a survey. The number is its submitted responses.")),
            "",
            escape(
                _(
                    "Respondents appear as codes that stay the same from one export to the next, "
                    "never by their Telegram id."
                )
            ),
        ]
    )
    return text, keyboard(rows)


async def _period_screen(
    context: ContextTypes.DEFAULT_TYPE, w: Who, survey: Survey
) -> tuple[str, Keyboard]:
    svc = services(context)
    _ = w._
    now = svc.clock.now()
    total = await svc.exports.count(survey.id)
    week = await svc.exports.count(survey.id, now - timedelta(days=7))
    month = await svc.exports.count(survey.id, now - timedelta(days=30))
    text = "\n".join(
        [
            "<b>" + escape(pick(survey.title, w.locale)) + "</b>",
            escape(_("Which responses? You get an Excel file and a CSV file.")),
        ]
    )

    def option(label: str, period: ExportPeriod, count: int) -> list[Button]:
        shown = f"{label} ({number(count, w.locale)})"
        return [button(shown, ExportTap(period, survey.id).pack())]

    return text, keyboard(
        [
            option(_("All"), ExportPeriod.ALL, total),
            option(_("Last 7 days"), ExportPeriod.WEEK, week),
            option(_("Last 30 days"), ExportPeriod.MONTH, month),
            [button(_("« Surveys"), ExportTap(ExportPeriod.BACK).pack())],
        ]
    )


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    await send(context, w.chat_id, *await _surveys_screen(context, w))


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ExportTap.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    if tap.period is ExportPeriod.BACK:
        await toast(update)
        await edit_or_send(update, context, w.chat_id, *await _surveys_screen(context, w))
        return
    survey = services(context).surveys.surveys.get(tap.survey_id)
    if survey is None:  # a survey file taken away since the button was drawn
        await no_longer_active(update, w)
        return
    await toast(update)
    if tap.period is ExportPeriod.ASK:
        await edit_or_send(update, context, w.chat_id, *await _period_screen(context, w, survey))
        return
    await _send_export(update, context, w, survey, tap.period)


async def _send_export(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    survey: Survey,
    period: ExportPeriod,
) -> None:
    svc = services(context)
    _ = w._
    title = pick(survey.title, w.locale)
    now = svc.clock.now()
    days = DAYS.get(period)
    since = now - timedelta(days=days) if days else None
    if await svc.exports.count(survey.id, since, now) == 0:
        await edit_or_send(
            update,
            context,
            w.chat_id,
            escape(
                _("No submitted responses to export for “{title}” in this period.").format(
                    title=title
                )
            ),
        )
        return
    await edit_or_send(
        update,
        context,
        w.chat_id,
        escape(_("⏳ Preparing the files for “{title}”…").format(title=title)),
    )
    stamp = now.astimezone(svc.settings.zone).strftime("%Y%m%d-%H%M")
    with tempfile.TemporaryDirectory(prefix="berdaya-export-") as folder:
        made = {
            # Both up to `now`: a response submitted meanwhile is in neither file, not one.
            fmt: await svc.exports.export(survey, fmt, Path(folder), stamp, since, now)
            for fmt in (Format.XLSX, Format.CSV)
        }
        sent = made[Format.CSV].rows
        # In the audit log before anything leaves the bot.
        which = f"last {days} days" if days else "all"
        await svc.audit.record(
            w.user_id, Action.EXPORT, survey.id, f"xlsx and csv, {sent} responses, {which}"
        )
        for fmt, found in made.items():
            await _send_parts(context, w, found, _file_caption(w, title, fmt, found))
    await send(context, w.chat_id, escape(_summary(w, title, sent, days)))


def _file_caption(w: Who, title: str, fmt: Format, found: Package) -> str:
    _ = w._
    kind = _("📊 Excel") if fmt is Format.XLSX else _("📄 CSV")
    words = [f"{kind} · {title}"]
    if found.split:
        words.append(
            _(
                "The file is larger than Telegram allows ({mb} MB) even zipped, so it comes in "
                "{n} parts: save them all in one folder and open the .001 part with 7-Zip."
            ).format(mb=MAX_MB, n=len(found.parts))
        )
    elif found.zipped:
        words.append(
            _("The file is larger than Telegram allows ({mb} MB), so it is zipped.").format(
                mb=MAX_MB
            )
        )
    return "\n".join(words)


async def _send_parts(
    context: ContextTypes.DEFAULT_TYPE, w: Who, found: Package, caption: str
) -> None:
    for index, part in enumerate(found.parts, start=1):
        shown = caption
        if found.split:
            shown = w._("Part {n} of {total}").format(n=index, total=len(found.parts))
            shown = caption + "\n" + shown if index == 1 else shown
        # One part in memory at a time, at most Telegram's limit.
        await send_file(context, w.chat_id, part.name, part.read_bytes(), escape(shown))


def _summary(w: Who, title: str, rows: int, days: int | None) -> str:
    _ = w._
    count = number(rows, w.locale)
    if days:
        head = _("Sent: {count} responses to “{title}” from the last {days} days.").format(
            count=count, title=title, days=days
        )
    else:
        head = _("Sent: all {count} responses to “{title}”.").format(count=count, title=title)
    return "\n".join(
        [
            head,
            _(
                "The Excel file's second sheet explains every column in Indonesian and English. "
                "Keep the files safe: they hold people's answers."
            ),
        ]
    )


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffCommandHandler(staff, ["ekspor", "export"], start))
    app.add_handler(StaffButtonHandler(staff, on_tap, pattern=ExportTap.pattern))
