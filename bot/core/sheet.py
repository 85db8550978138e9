"""Files staff open in a spreadsheet: CSV that Excel reads as UTF-8 and that cannot run
anything.

A cell starting with =, +, -, @, a tab or a carriage return is read by Excel and LibreOffice
as a formula (CSV injection, OWASP): text people typed into the bot must never become one on a
staff member's computer. Such a cell gets a leading single quote, which the spreadsheet shows
as text and hides.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (without it Excel reads the file in the computer's legacy
    code page and garbles every letter outside ASCII), CRLF line ends, every cell formula-safe."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue().encode("utf-8-sig")
