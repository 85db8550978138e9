"""The check-in ticket: a code per confirmed seat, the deep link it makes, and its QR image.

Staff at the door scan the QR code with their phone's camera; it opens the bot with
`/start ci-<code>`, and the bot records the attendance. The code is random (96 bits), so a
ticket cannot be guessed from another, nor from the event or the person.
"""

from __future__ import annotations

import io
import re
import secrets
from typing import Final

import segno

PREFIX: Final = "ci-"
# secrets.token_urlsafe(12): 16 characters of [A-Za-z0-9_-], all a start payload may hold.
CODE: Final = re.compile(r"[A-Za-z0-9_-]{16}")
# Large modules and the standard quiet zone: a cheap phone's camera reads it off another
# cheap phone's screen, and off paper.
SCALE: Final = 8
BORDER: Final = 4


def new_code() -> str:
    return secrets.token_urlsafe(12)


def payload(code: str) -> str:
    """The /start payload (Telegram allows 64 characters of [A-Za-z0-9_-]; this is 19)."""
    return PREFIX + code


def code_of(start_payload: str) -> str | None:
    """The ticket code in a /start payload, or None if it is not a ticket's."""
    code = start_payload.removeprefix(PREFIX)
    return code if start_payload.startswith(PREFIX) and CODE.fullmatch(code) else None


def link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={payload(code)}"


def qr_png(text: str) -> bytes:
    """A QR code of `text` as a PNG (about 330 pixels square for a ticket's link)."""
    out = io.BytesIO()
    # Level M survives a smudge or a crack in the screen; never a micro code (phones skip them).
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()
