"""The staff guard: a staff command or button works for staff only, checked on every update;
for anyone else it is answered exactly like something the bot does not know."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.testing import harness
from bot.testing.harness import running_bot
from handlers.send import button, keyboard, send, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler

ADMIN, EDITOR, VISITOR = 501, 502, 503


async def secret(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A staff command for the test: answers with a staff button."""
    assert update.effective_chat is not None
    markup = keyboard([[button("Rahasia", "stafftest:1")]])
    await send(context, update.effective_chat.id, "rahasia staf", markup)


async def secret_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await toast(update, "tombol staf")


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({ADMIN}))


def _grant(settings: Settings, user_id: int, role: str) -> None:
    conn = sqlite3.connect(settings.database_path)
    with conn:
        conn.execute(
            "INSERT INTO staff (user_id, role, added_at) VALUES (?, ?, '2026-12-01T00:00:00+00:00')",
            (user_id, role),
        )
    conn.close()


async def test_a_staff_command_is_answered_like_an_unknown_one_for_everyone_else(
    staff_settings: Settings,
) -> None:
    async with running_bot(staff_settings):
        pass  # create the database, so a role can be given before the next start
    _grant(staff_settings, EDITOR, "editor")
    async with running_bot(staff_settings) as bot:
        staff = bot.services.staff
        bot.app.add_handler(StaffCommandHandler(staff, "rahasia", secret))
        bot.app.add_handler(StaffButtonHandler(staff, secret_button, pattern=r"^stafftest:"))

        for user_id in (ADMIN, EDITOR):
            person = bot.user(user_id)
            await person.send("/rahasia")
            assert person.text == "rahasia staf"
            await person.tap("Rahasia")
            assert bot.telegram.calls_to("answerCallbackQuery")[-1].params["text"] == "tombol staf"

        visitor = bot.user(VISITOR)
        await visitor.send("/tidakada")
        unknown = visitor.text
        await visitor.send("/rahasia")
        assert visitor.text == unknown  # word for word what an unknown command gets
        assert "rahasia staf" not in [m["text"] for m in visitor.messages]

        # A staff button reaching someone else (forwarded data, a forged tap) does nothing.
        shown = bot.user(ADMIN).last
        await visitor.deliver(visitor.callback_update("stafftest:1", shown))
        toast_text = bot.telegram.calls_to("answerCallbackQuery")[-1].params["text"]
        assert toast_text != "tombol staf" and "tidak berlaku" in toast_text


async def test_staff_commands_are_refused_in_groups_even_to_admins(
    staff_settings: Settings,
) -> None:
    async with running_bot(staff_settings) as bot:
        bot.app.add_handler(StaffCommandHandler(bot.services.staff, "rahasia", secret))
        admin = bot.user(ADMIN)
        update = admin.message_update("/rahasia")
        update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Panitia"}
        await admin.deliver(update)
        assert not bot.telegram.calls_to("sendMessage", -100123)
