"""Texts written in survey files, in several languages."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _needs_indonesian(value: dict[str, str]) -> dict[str, str]:
    if not value.get("id", "").strip():
        raise ValueError("needs an Indonesian text under 'id'")
    return {k: v.strip() for k, v in value.items()}


# {"id": "...", "en": "..."}: Bahasa Indonesia is required, other languages fall back to it.
LocalText = Annotated[dict[str, str], AfterValidator(_needs_indonesian)]


def pick(text: dict[str, str] | None, locale: str) -> str:
    if not text:
        return ""
    return text.get(locale) or text["id"]
