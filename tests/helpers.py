"""Helpers for tests: read the database as an auditor would, agree to the data notice."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.services.clock import Clock
from bot.testing.harness import Bot, FakeUser


def rows(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """Read the bot's database directly, as an auditor would."""
    conn = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def answers(settings: Settings, user_id: int) -> dict[str, Any]:
    found = rows(
        settings,
        "SELECT a.question_id, a.value, a.other FROM answers a "
        "JOIN responses r ON r.id = a.response_id WHERE r.user_id = ?",
        (user_id,),
    )
    return {
        r["question_id"]: (json.loads(r["value"]) if r["value"] is not None else None)
        if r["other"] is None
        else (json.loads(r["value"]), r["other"])
        for r in found
    }


async def consent(user: FakeUser, payload: str = "") -> None:
    """/start (with a payload) and agree to the data notice."""
    await user.send(f"/start {payload}".strip())
    await user.tap("Setuju" if user.language_code == "id" else "Agree")


async def to_review(user: FakeUser) -> None:
    """Through the all-types test survey as a courier, from its first question to the review."""
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    await user.send("5")
    await user.tap("Lewati")
    await user.tap("Tidak")
    await user.send("1/10/2025")
    await user.send("Kota Kupang")
    await user.tap("Kota Kupang")
    await user.tap("Lewati")


async def pelatihan_shortest(user: FakeUser, suggestion: str | None = None) -> None:
    """The training survey's shortest path for someone who wants training, up to the review:
    an ojol driver in Kota Kupang who never trained and wants recorded video (15 questions;
    no business questions, no training history, no times for a video)."""
    await user.tap("25–34 tahun")
    await user.send("kupang")
    await user.tap("Kota Kupang")
    await user.tap("Laki-laki")
    await user.tap("Tidak ada kesulitan")
    await user.tap("Ojol (ojek/taksi online)")
    await user.tap("SMK/MAK")
    await user.tap("Ya, milik sendiri")
    await user.tap("Mengemudi")
    await user.tap("Selesai")
    await user.tap("Belum punya sertifikat")
    await user.tap("Selesai")
    await user.tap("Mengemudi")
    await user.tap("Selesai")
    await user.tap("Belum pernah")
    await user.tap("Keselamatan berkendara")
    await user.tap("Selesai")
    await user.tap("Video rekaman")
    await user.tap("Tidak ada hambatan")
    await user.tap("Selesai")
    if suggestion is None:
        await user.tap("Lewati")
    else:
        await user.send(suggestion)


def no_refusals(bot: Bot) -> None:
    """Whatever a test did, the bot never sent Telegram a request it would refuse."""
    refused = [(call.method, error.description) for call, error in bot.telegram.refusals]
    assert not refused, refused


def clock_at(moment: datetime) -> Clock:
    """A clock that reads `moment` now (and moves on from there)."""
    clock = Clock()
    clock.advance(moment - clock.now())
    return clock
