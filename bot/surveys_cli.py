"""`python -m bot surveys check FILE`: what of an XLSForm (KoboToolbox / ODK) could run as a chat
survey, before anything is imported (issue 10 builds the import on the same report).

It prints the form's id and title, what it asks by kind, which label column serves which of the
bot's languages, and every part chat cannot run, by spreadsheet row, with the reason. Exit
status 0: the whole form can run; 1: parts cannot (listed); 2: the file is not an XLSForm
pyxform accepts (its reason, naming the row, is printed). Needs no settings and no bot token.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bot.core.xlsform.reader import FormError, Report, read

USAGE = "Usage: python -m bot surveys check FILE.xlsx"


def describe(report: Report) -> list[str]:
    """The report as lines for a terminal (English: the command line is for staff setting up)."""
    asked = ", ".join(f"{n} {kind}" for kind, n in report.questions.most_common())
    lines = [
        f"Form {report.form_id!r}: {report.title}"
        + (f" (version {report.version})" if report.version else ""),
        f"Asks: {asked or 'nothing chat can ask'}",
        "Languages:",
    ]
    for language in report.languages:
        shown = (
            ", ".join(language.locales) if language.locales else "not used (no such bot language)"
        )
        lines.append(f"  {language.column}: {shown}")
    if report.runs_whole:
        lines.append("Every part of this form can run in chat.")
        return lines
    lines.append(f"{len(report.problems)} part(s) cannot run in chat:")
    for problem in report.problems:
        where = f"row {problem.row}" if problem.row else "form"
        lines.append(f"  {where}, {problem.name}: {problem.reason}")
    return lines


def main(argv: list[str], out: Callable[[str], None] = print) -> int:
    if len(argv) != 2 or argv[0] != "check":
        print(USAGE, file=sys.stderr)
        return 2
    path = Path(argv[1])
    if not path.is_file():
        print(f"There is no file at {path}.", file=sys.stderr)
        return 2
    try:
        form = read(path)
    except FormError as exc:
        print(f"{path.name} cannot be imported: {exc}", file=sys.stderr)
        return 2
    for line in describe(form.report):
        out(line)
    return 0 if form.report.runs_whole else 1
