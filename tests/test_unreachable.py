"""A person who blocked the bot is left out of broadcasts (`unreachable`) until they write to it
again: then later broadcasts reach them. Who is unreachable is read once at start and kept
current by the outbox, so an update from anyone else costs a set lookup, not a query."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.storage.outbox import Content
from bot.testing import harness
from bot.testing.fake_telegram import BOT_USER, ApiError
from bot.testing.harness import Bot, running_bot
from tests.conftest import TEST_SURVEYS
from tests.helpers import no_refusals, rows

STAFF = 42
BLOCKER, FRIEND = 10_001, 10_002


@pytest.fixture
def fast(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS, broadcast_per_second=1000)


async def subscribers(bot: Bot) -> None:
    await bot.services.db.transact(
        lambda conn: conn.executemany(
            "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', 'x', 'x')",
            ((BLOCKER,), (FRIEND,)),
        )
    )


async def broadcast(bot: Bot, text: str) -> dict[int, str]:
    """Send `text` to both subscribers; what became of each one's delivery (no row: none)."""
    source = bot.telegram.original(STAFF, text=text)
    broadcast_id, _ = await bot.services.outbox.create(
        created_by=STAFF,
        content=Content(STAFF, source, text),
        recipients=iter([BLOCKER, FRIEND]),
        now=bot.clock.now(),
    )
    bot.services.sender.wake()
    await bot.services.sender.idle()
    found = rows(
        bot.services.settings,
        "SELECT person, status FROM deliveries WHERE broadcast_id = ?",
        (broadcast_id,),
    )
    return {r["person"]: r["status"] for r in found}


def copies(bot: Bot, person: int) -> list[str]:
    return [m.get("text", "") for m in bot.telegram.bot_messages(person) if "copied_from" in m]


def unreachable(settings: Settings) -> set[int]:
    return {r["person"] for r in rows(settings, "SELECT person FROM unreachable")}


async def test_a_person_who_blocked_the_bot_is_reached_again_once_they_write(
    fast: Settings,
) -> None:
    async with running_bot(fast) as bot:
        await subscribers(bot)
        bot.telegram.fail_chat(BLOCKER, ApiError(403, "Forbidden: bot was blocked by the user"))
        assert await broadcast(bot, "Lokakarya HAKI") == {BLOCKER: "skipped", FRIEND: "sent"}
        assert unreachable(fast) == {BLOCKER}

        # Still blocked: the next broadcast does not even write a delivery for them.
        assert await broadcast(bot, "Dialog UMKM") == {FRIEND: "sent"}

        await bot.user(BLOCKER).send("/bantuan")  # they unblocked the bot and wrote
        assert unreachable(fast) == set()
        assert await broadcast(bot, "Pelatihan ekspor") == {BLOCKER: "sent", FRIEND: "sent"}
        assert copies(bot, BLOCKER) == ["Pelatihan ekspor"]
        assert copies(bot, FRIEND) == ["Lokakarya HAKI", "Dialog UMKM", "Pelatihan ekspor"]
        no_refusals(bot)


async def test_who_is_unreachable_is_remembered_across_a_restart(fast: Settings) -> None:
    async with running_bot(fast) as bot:
        await subscribers(bot)
        bot.telegram.fail_chat(BLOCKER, ApiError(400, "Bad Request: chat not found"))
        await broadcast(bot, "Lokakarya HAKI")
        no_refusals(bot)
    assert unreachable(fast) == {BLOCKER}

    async with running_bot(fast) as bot:
        await bot.user(FRIEND).send("/bantuan")  # someone else: nothing changes
        assert unreachable(fast) == {BLOCKER}
        await bot.user(BLOCKER).send("halo")  # typed text, not a command: any update counts
        assert unreachable(fast) == set()
        assert await broadcast(bot, "Dialog UMKM") == {BLOCKER: "sent", FRIEND: "sent"}
        no_refusals(bot)


def membership(person: int, status: str, update_id: int) -> dict[str, object]:
    """Telegram's my_chat_member update when `person` blocks ("kicked") or unblocks
    ("member") the bot in their private chat."""
    chat = {"id": person, "type": "private", "first_name": "Sari"}
    user = {"id": person, "is_bot": False, "first_name": "Sari"}
    new: dict[str, object] = {"user": BOT_USER, "status": status}
    if status == "kicked":
        new["until_date"] = 0
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat,
            "from": user,
            "date": 1_790_000_000,
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": new,
        },
    }


async def test_blocking_the_bot_is_known_before_any_403(fast: Settings) -> None:
    """Telegram tells the bot when someone blocks it: their pending copies are skipped and
    later broadcasts leave them out at once, without a refused send. Unblocking brings them
    back; nothing is sent to them either way."""
    async with running_bot(fast) as bot:
        await subscribers(bot)
        await bot.deliver(membership(BLOCKER, "kicked", bot.telegram.next_update_id()))
        assert unreachable(fast) == {BLOCKER}
        assert await broadcast(bot, "Lokakarya HAKI") == {FRIEND: "sent"}
        assert bot.telegram.calls_to("copyMessage", BLOCKER) == []
        assert bot.telegram.bot_messages(BLOCKER) == []  # nothing said to a blocked chat

        await bot.deliver(membership(BLOCKER, "member", bot.telegram.next_update_id()))
        assert unreachable(fast) == set()
        assert await broadcast(bot, "Dialog BPJS") == {BLOCKER: "sent", FRIEND: "sent"}

        # Someone the bot holds nothing about leaves no trace when they block it.
        await bot.deliver(membership(10_999, "kicked", bot.telegram.next_update_id()))
        assert unreachable(fast) == set()
        no_refusals(bot)
