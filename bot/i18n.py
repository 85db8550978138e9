"""Translations from the Babel/gettext catalogs in `locales/`.

Source strings in code are English; `locales/id` and `locales/en` hold the texts people see.
Compiled `.mo` files are used when they are up to date (``make`` builds them); otherwise the
`.po` file is compiled in memory, so a fresh checkout or an edited catalog never shows stale text.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

log = logging.getLogger(__name__)

LOCALES = ("id", "en")
# Each language named in itself, as people look for it.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def _load(folder: Path, locale: str) -> Translations:
    po = folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po.exists():
        raise FileNotFoundError(f"no translation catalog for {locale!r} at {po}")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class I18n:
    def __init__(self, default_locale: str = "id", folder: Path = LOCALES_DIR) -> None:
        self.default = default_locale
        self._catalogs = {locale: _load(folder, locale) for locale in LOCALES}

    def gettext(self, locale: str) -> Gettext:
        return self._catalogs.get(locale, self._catalogs[self.default]).gettext

    def resolve(self, language_code: str | None) -> str:
        """The locale for someone we know only by Telegram's language code."""
        code = (language_code or "").lower()
        if code.startswith("en"):
            return "en"
        if code[:2] in {"id", "ms", "jv", "su", "in"}:
            return "id"
        return self.default
