"""An XLSForm's import report as staff read it in the chat, and whole as a .txt file.

The chat message fits a phone screen: the form, what it asks by kind, which label column
serves which bot language, and the parts chat cannot run by sheet row, the list cut after
SHOWN_PROBLEMS. The file is the command line's report (`python -m bot surveys check`), every
line of it, so the two never disagree. Problem reasons stay in English, as pyxform's messages
and the command line's are: they name the form's own columns and types.
"""

from __future__ import annotations

from html import escape

from bot.core.xlsform.reader import Report
from bot.i18n import Gettext
from bot.services.survey_catalog import describe

# A phone shows about this many problem lines before the report stops being read.
SHOWN_PROBLEMS = 12
# Telegram takes 4,096 characters a message; the lines around the report need the rest.
BUDGET = 3_300


def kinds(_: Gettext) -> dict[str, str]:
    """reader.ASKED's kinds of question, as staff read them."""
    return {
        "one choice": _("One choice"),
        "several choices": _("Several choices"),
        "text": _("Text"),
        "whole number": _("Whole number"),
        "number": _("Number"),
        "date": _("Date"),
        "note": _("Note"),
        "acknowledge": _("Acknowledge (OK)"),
        "location": _("Location"),
    }


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def personal_names(_: Gettext) -> dict[str, str]:
    """reader's personal-data notes, as staff read them."""
    return {
        "the respondent's location (a place, personal data)": _("the respondent's location"),
        "looks like it asks for an identity number (NIK / KTP)": _("looks like an ID number (NIK)"),
        "looks like it asks for a phone number": _("looks like a phone number"),
        "looks like it asks for an email address": _("looks like an email address"),
        "looks like it asks for a name": _("looks like a person's name"),
        "looks like it asks for an address": _("looks like an address"),
    }


def locale_names(_: Gettext) -> dict[str, str]:
    return {"id": _("Indonesian"), "en": _("English")}


def report_html(report: Report, _: Gettext, *, left_out: bool = False) -> str:
    """The report for the chat (HTML): a screen, not the whole list."""
    title = _("📄 “{title}” (id {form_id})").format(title=report.title, form_id=report.form_id)
    lines = ["<b>" + escape(title) + "</b>"]
    if report.version:
        lines.append(escape(_("Form version: {version}").format(version=report.version)))
    named = kinds(_)
    # "Asks: one choice (3), text (2)": the kinds as words inside a sentence.
    asked = [
        f"{_lower_first(named.get(kind, kind))} ({n})" for kind, n in report.questions.most_common()
    ]
    lines.append(
        escape(_("Asks: {what}").format(what=", ".join(asked) or _("nothing chat can ask")))
    )
    lines.append(escape(_("Languages:")))
    shown_in = locale_names(_)
    for language in report.languages:
        if language.locales:
            served = ", ".join(shown_in.get(locale, locale) for locale in language.locales)
        else:
            served = _("not used (the bot has no such language)")
        column = _("(no language named)") if language.column == "label" else language.column
        lines.append(f"• {escape(column)} → {escape(served)}")
    if report.personal:
        lines += ["", "<b>" + escape(_("⚠️ Personal data: please check")) + "</b>"]
        lines.append(
            escape(
                _(
                    "The data notice tells respondents that the bot never asks for a name, NIK "
                    "or phone number. Remove these questions, or make sure the notice explains "
                    "why they are needed (UU PDP):"
                )
            )
        )
        for found in report.personal[:SHOWN_PROBLEMS]:
            where = _("Row {row}").format(row=found.row) if found.row else _("The form as a whole")
            what = personal_names(_).get(found.reason, found.reason)
            lines.append(f"• {escape(where)}, <code>{escape(found.name)}</code>: {escape(what)}")
    if report.runs_whole:
        lines.append("✅ " + escape(_("Every part of this form can run in chat.")))
        return "\n".join(lines)
    count = len(report.problems)
    lines.append("")
    heading = _("Parts left out: {n}") if left_out else _("Parts chat cannot run: {n}")
    lines.append("<b>" + escape(heading.format(n=count)) + "</b>")
    shown = 0
    for problem in report.problems[:SHOWN_PROBLEMS]:
        where = _("Row {row}").format(row=problem.row) if problem.row else _("The form as a whole")
        line = f"• {escape(where)}, <code>{escape(problem.name)}</code>: {escape(problem.reason)}"
        if sum(len(x) for x in lines) + len(line) > BUDGET:
            break
        lines.append(line)
        shown += 1
    if count > shown:
        lines.append(escape(_("… and {n} more.").format(n=count - shown)))
    return "\n".join(lines)


def report_file(report: Report, file_name: str, *, left_out: bool = False) -> bytes:
    """The whole report as a text file, the command line's lines (English, for the form's
    authors, like the form's own column names)."""
    lines = [f"XLSForm import report: {file_name}", "", *describe(report, left_out=left_out), ""]
    return "\n".join(lines).encode("utf-8")


def file_name_for(report: Report) -> str:
    return f"{report.form_id or 'xlsform'}-report.txt"
