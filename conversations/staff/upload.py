"""Staff send the events CSV file to the bot as a document, and it is imported at once.

The file is the one `python -m bot events import` reads (README, "Events"), checked the same
way: all rows or none, every problem listed by its line. The command line needs the bot
stopped (one process per database); in the chat, the running bot imports it itself.

Only staff: for anyone else a document goes on to whatever would take it otherwise (a survey
question answered with a file gets the usual "please type" reply).
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes, filters

from bot.core.events.csvfile import EventFileError, parse_events
from bot.core.formatting import number
from conversations.announcements import compose
from conversations.surveys_admin import upload as xlsform
from handlers.common import KEY, Who, personal, services
from handlers.send import fetch_document, send
from handlers.staff import StaffMessageHandler

# A programme of hundreds of events is a few hundred kilobytes; anything far larger is not an
# events file, and is not downloaded.
MAX_BYTES = 1_000_000
# Problems listed in the chat; the rest are counted (a phone shows about this many lines).
SHOWN_PROBLEMS = 15


@personal
async def on_file(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return
    if await compose.take_document(update, context, w):  # the announcement being composed
        return
    if await xlsform.take_document(update, context, w):  # an XLSForm survey (.xlsx / .xls)
        return
    _ = w._
    if not (document.file_name or "").lower().endswith(".csv"):
        text = _(
            "To import events, send the events file saved as “CSV UTF-8” (a .csv file). "
            "The columns are described in the README."
        )
        await send(context, w.chat_id, escape(text))
        return
    too_big = _("This file is {size} bytes; an events file is at most {limit} bytes.").format(
        size=number(document.file_size or 0, w.locale), limit=number(MAX_BYTES, w.locale)
    )
    unreachable = _("The file could not be fetched from Telegram. Please send it again.")
    data = await fetch_document(context, w.chat_id, document, MAX_BYTES, too_big, unreachable)
    if data is None:
        return
    try:
        events = parse_events(data)
    except EventFileError as exc:
        await send(context, w.chat_id, problems_text(exc, w))
        return
    done = await services(context).event_admin.import_events(events, actor=w.user_id)
    text = _("✅ {total} events imported: {added} new, {updated} changed, {unchanged} unchanged.")
    await send(
        context,
        w.chat_id,
        escape(
            text.format(
                total=len(events),
                added=done.added,
                updated=done.updated,
                unchanged=done.unchanged,
            )
        ),
    )


def problems_text(error: EventFileError, w: Who) -> str:
    """Every problem by its line, as the command line prints them (the reasons are in English
    there too: they name the columns, which are English), then that nothing was imported."""
    lines = [
        "<b>" + escape(w._("Nothing was imported. Please fix the file and send it again:")) + "</b>"
    ]
    for problem in error.problems[:SHOWN_PROBLEMS]:
        where = w._("Line {line}").format(line=problem.line)
        lines.append(f"• {escape(where)}: {escape(problem.reason)}")
    hidden = len(error.problems) - SHOWN_PROBLEMS
    if hidden > 0:
        lines.append(escape(w._("… and {n} more.").format(n=hidden)))
    return "\n".join(lines)


def register(app: Application) -> None:
    staff = app.bot_data[KEY].staff
    app.add_handler(StaffMessageHandler(staff, filters.Document.ALL, on_file))
