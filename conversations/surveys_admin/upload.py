"""Staff send an XLSForm (.xlsx / .xls from KoboToolbox, ODK or Excel) as a document: the bot
answers with the import report and, when the whole form can run in chat, keeps it as a draft.

conversations/staff/upload.py takes every document staff send and hands a spreadsheet here
first (the events file is a CSV). A form with parts chat cannot run is refused as a whole, the
report listing each: nothing is dropped silently. "Import without those parts" imports the
same file with them left out; the file waits on disk for that tap (named by its SHA-256, so
the button carries only the start of it), because Telegram's file ids do not fit a button.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
from html import escape
from pathlib import Path

from telegram import Document, Update
from telegram.ext import Application, ContextTypes

from bot.core.formatting import number
from bot.core.xlsform.reader import is_spreadsheet
from bot.services.survey_catalog import Outcome
from bot.storage.survey_forms import DRAFT
from conversations.surveys_admin import drafts
from conversations.surveys_admin.report import file_name_for, report_file, report_html
from handlers.buttons import FormImport
from handlers.common import KEY, Who, no_longer_active, personal, services
from handlers.send import button, drop_buttons, fetch_document, keyboard, send, send_file, toast
from handlers.staff import StaffButtonHandler

SUFFIXES = (".xlsx", ".xls")
# The largest form of the corpus is 1 MB; five leave room for forms with long choice lists,
# and keep pyxform's reading (all in memory) to seconds.
MAX_BYTES = 5_000_000
# The start of the file's SHA-256 that names it in the button: 64 bits, no two forms meet.
DIGEST = 16
_DIGEST = re.compile(r"[0-9a-f]{16}")


def is_form(document: Document) -> bool:
    return (document.file_name or "").lower().endswith(SUFFIXES)


def folder(context: ContextTypes.DEFAULT_TYPE) -> Path:
    """Where received forms wait, beside the database (the one place the bot may write)."""
    return services(context).settings.database_path.parent / "xlsforms"


async def take_document(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """A staff member's spreadsheet is a form to import (the caller checked staff). Whether
    it was taken: anything else goes on to the events import."""
    message = update.effective_message
    document = message.document if message else None
    if document is None or not is_form(document):
        return False
    await _receive(context, w, document)
    return True


async def _receive(context: ContextTypes.DEFAULT_TYPE, w: Who, document: Document) -> None:
    _ = w._
    too_big = _("This file is {size} bytes; a form is at most {limit} bytes.").format(
        size=number(document.file_size or 0, w.locale), limit=number(MAX_BYTES, w.locale)
    )
    unreachable = _("The file could not be fetched from Telegram. Please send it again.")
    data = await fetch_document(context, w.chat_id, document, MAX_BYTES, too_big, unreachable)
    if data is None:
        return
    suffix = ".xls" if (document.file_name or "").lower().endswith(".xls") else ".xlsx"
    path = await asyncio.to_thread(_keep, folder(context), data, suffix, document.file_name or "")
    if not await asyncio.to_thread(is_spreadsheet, path):
        await asyncio.to_thread(_forget, path)
        text = _(
            "This file is not an Excel spreadsheet. Please send the form as an .xlsx or .xls "
            "file, as Excel, KoboToolbox or ODK save it."
        )
        await send(context, w.chat_id, escape(text))
        return
    await import_form(context, w, path, path.name, without=False)


def _keep(where: Path, data: bytes, suffix: str, name: str) -> Path:
    """The file on disk under the name staff gave it (pyxform takes a form's id from the file
    name when its settings sheet has none), in a folder named by its SHA-256."""
    base = re.sub(r"[^\w.\- ]", "_", Path(name).name).strip(" .")[:100] or "form"
    if not base.lower().endswith(suffix):
        base += suffix
    home = where / hashlib.sha256(data).hexdigest()
    home.mkdir(parents=True, exist_ok=True)
    path = home / base
    if not path.exists():
        partial = home / (base + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or not at all
    return path


def _forget(path: Path) -> None:
    """A kept file no button needs any more: stored as a draft, or refused for good."""
    shutil.rmtree(path.parent, ignore_errors=True)


def _waiting(context: ContextTypes.DEFAULT_TYPE, digest: str) -> Path | None:
    """The kept file a button names, if it is still there."""
    if not _DIGEST.fullmatch(digest):
        return None
    for home in sorted(folder(context).glob(f"{digest}*")):
        for path in sorted(home.iterdir()):
            if path.suffix.lower() in SUFFIXES:
                return path
    return None


async def import_form(
    context: ContextTypes.DEFAULT_TYPE, w: Who, path: Path, name: str, *, without: bool
) -> None:
    """Import the file as a draft, or say why not; the report and its file either way."""
    _ = w._
    result = await drafts.catalog(context).import_file(
        path, by=w.user_id, without_unsupported=without, name=name
    )
    if result.outcome is not Outcome.UNSUPPORTED:
        # Only a refused form waits for "import without those parts"; the catalog keeps what
        # it imported (the survey, the file's name and digest).
        await asyncio.to_thread(_forget, path)
    if result.report is None:  # pyxform refused it: its own words name the row
        refusal = _("“{name}” cannot be imported. The XLSForm reader says:").format(name=name)
        text = f"❌ {escape(refusal)}\n<code>{escape(result.reason)}</code>"
        await send(context, w.chat_id, text)
        return
    report = result.report
    text = report_html(report, _, left_out=without)
    markup = None
    if result.outcome is Outcome.UNSUPPORTED:
        why = _(
            "Nothing was imported: a form is imported whole, or without the parts listed, if "
            "you choose so. Those parts are left out and read as empty where the form uses them."
        )
        text += "\n\n" + escape(why)
        markup = keyboard(
            [
                [
                    button(
                        _("Import without those parts"),
                        FormImport(path.parent.name[:DIGEST]).pack(),
                    )
                ]
            ]
        )
    elif result.outcome is Outcome.TAKEN:
        taken = _(
            "Nothing was imported: the id “{id}” is already used by “{other}”. Please give the "
            "form another form_id in its settings sheet."
        )
        survey_id = result.survey.id if result.survey else report.form_id
        text += "\n\n" + escape(taken.format(id=survey_id, other=result.taken_by))
    elif result.outcome is Outcome.INVALID:
        invalid = _("Nothing was imported: the form cannot run as a chat survey.")
        text += f"\n\n{escape(invalid)}\n<code>{escape(result.reason)}</code>"
    await send(context, w.chat_id, text, markup)
    await send_file(
        context,
        w.chat_id,
        file_name_for(report),
        report_file(report, name, left_out=without),
        escape(_("The whole report")),
    )
    form = result.form
    if form is None:
        return
    if form.status == DRAFT:
        await drafts.show_draft(context, w, form, same=result.outcome is Outcome.SAME_FILE)
    else:  # the same file is already live
        live = _("This file is already live as version {version}. Its link:").format(
            version=form.version
        )
        await send(
            context, w.chat_id, f"{escape(live)}\n{escape(drafts.link(context, form.survey_id))}"
        )


@personal
async def on_import_without(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = FormImport.tapped(update)
    path = _waiting(context, tap.digest) if tap else None
    if path is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    query = update.callback_query
    await drop_buttons(context, query.message if query else None)
    await import_form(context, w, path, path.name, without=True)


def register(app: Application) -> None:
    staff = app.bot_data[KEY].staff
    app.add_handler(StaffButtonHandler(staff, on_import_without, pattern=FormImport.pattern))
