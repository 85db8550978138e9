"""Staff roles from the chat (/staf): an admin grants the role with Telegram's person picker or
a typed id, and revokes it with a button; ADMIN_IDS cannot be revoked. Every staff command is
refused to whoever is not staff, and the admin commands to staff who are not admins: the
commands are read from the running Application, so a new one is covered without a change here.
Through the real bot; the database read as an auditor would."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import AsyncIterator
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.config import Settings
from bot.testing import harness
from bot.testing.fake_telegram import ApiError, FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from conversations.admin.roles import PICKER
from handlers.buttons import KINDS, AuditTap, ButtonData, StaffAction, StaffTap
from handlers.staff import AdminCommandHandler, StaffButtonHandler, StaffCommandHandler
from tests.helpers import no_refusals, rows

ADMIN, NEWCOMER, TYPED, VISITOR = 901, 902, 903, 904


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({ADMIN}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings) as running:
        yield running
        no_refusals(running)


def shared(user: FakeUser, picked: int, request_id: int = PICKER) -> dict[str, Any]:
    """What Telegram sends when a person is chosen with a `request_users` button."""
    update = user.other_update("sticker")  # any message; its content replaced below
    message = update["message"]
    del message["sticker"]
    message["users_shared"] = {"request_id": request_id, "users": [{"user_id": picked}]}
    return update


def staff_rows(settings: Settings) -> list[tuple[int, str]]:
    return [(r["user_id"], r["role"]) for r in rows(settings, "SELECT * FROM staff")]


def audit_rows(settings: Settings) -> list[tuple[int | None, str, str]]:
    found = rows(settings, "SELECT actor, action, subject FROM audit_log ORDER BY id")
    return [(r["actor"], r["action"], r["subject"]) for r in found]


async def unknown_reply(user: FakeUser) -> str:
    await user.send("/perintahyangtidakada")
    return user.text


async def test_grant_with_the_picker_and_by_typed_id_then_revoke(
    bot: Bot, staff_settings: Settings
) -> None:
    admin, newcomer = bot.user(ADMIN), bot.user(NEWCOMER)
    refused = await unknown_reply(newcomer)
    await newcomer.send("/kelolaacara")
    assert newcomer.text == refused  # not staff yet

    await admin.send("/staf")
    assert "901" in admin.text and "belum ada" in admin.text
    await admin.tap("➕ Tambah staf")
    # A reply keyboard stays with the chat, under the text field (Telegram's Message does not
    # carry it).
    keyboard = bot.telegram.chat(ADMIN).keyboard
    assert keyboard is not None
    picker = keyboard["keyboard"][0][0]
    assert picker["text"] == "👤 Pilih orang"
    assert picker["request_users"] == {
        "request_id": PICKER,
        "user_is_bot": False,
        "max_quantity": 1,
    }
    await admin.deliver(shared(admin, NEWCOMER))
    assert staff_rows(staff_settings) == [(NEWCOMER, "editor")]
    assert any("902 sekarang staf" in m["text"] for m in admin.messages if "text" in m)
    assert newcomer.text.startswith("Anda sekarang staf di bot ini")  # told, in their language
    assert "✖️ Cabut 902" in admin.buttons()
    await newcomer.send("/kelolaacara")
    assert newcomer.text != refused  # staff from the very next update

    # By a typed id: a wrong one is answered politely and changes nothing.
    await admin.tap("➕ Tambah staf")
    await admin.send("ID saya 903")
    assert admin.text.startswith("Silakan ketik ID Telegram berupa angka saja")
    # Someone who never started the bot: Telegram refuses the welcome, and the admin hears why.
    bot.telegram.fail_chat(
        TYPED, ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    )
    await admin.send(str(TYPED))
    assert staff_rows(staff_settings) == [(NEWCOMER, "editor"), (TYPED, "editor")]
    assert any("belum pernah memulai bot ini" in m["text"] for m in admin.messages if "text" in m)

    # Revoke, after a question.
    await admin.send("/staf")
    await admin.tap("✖️ Cabut 902")
    assert admin.text.startswith("Cabut peran staf 902?")
    await admin.tap("Ya, cabut")
    assert admin.text.startswith("Selesai: 902 bukan staf lagi.")
    assert staff_rows(staff_settings) == [(TYPED, "editor")]
    await newcomer.send("/kelolaacara")
    assert newcomer.text == refused  # refused from the very next update

    assert audit_rows(staff_settings) == [
        (ADMIN, "role_granted", str(NEWCOMER)),
        (ADMIN, "role_granted", str(TYPED)),
        (ADMIN, "role_revoked", str(NEWCOMER)),
    ]


async def test_roles_survive_a_restart(staff_settings: Settings) -> None:
    telegram = FakeTelegram()  # one Telegram across the restart: its update ids go on
    async with running_bot(staff_settings, telegram) as bot:
        admin = bot.user(ADMIN)
        await admin.send("/staf")
        await admin.tap("➕ Tambah staf")
        await admin.send(str(TYPED))
    async with running_bot(staff_settings, telegram) as bot:
        assert bot.services.staff.is_staff(TYPED)
        typed = bot.user(TYPED)
        refused = await unknown_reply(typed)
        await typed.send("/kelolaacara")
        assert typed.text != refused
        no_refusals(bot)


async def test_admins_cannot_be_revoked_and_cancel_changes_nothing(
    bot: Bot, staff_settings: Settings
) -> None:
    admin = bot.user(ADMIN)
    await admin.send("/staf")
    assert not [b for b in admin.buttons() if "901" in b]  # no revoke button for an admin
    # A forged revoke of an admin: refused, and still an admin.
    for action in (StaffAction.REVOKE, StaffAction.CONFIRM):
        await admin.deliver(admin.callback_update(StaffTap(action, ADMIN).pack(), admin.last))
    toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert toast == "Admin dari ADMIN_IDS tidak dapat dicabut lewat obrolan."
    assert bot.services.staff.is_admin(ADMIN)
    # Granting an admin, or someone who is staff already, changes nothing.
    await admin.tap("➕ Tambah staf")
    await admin.send(str(ADMIN))
    assert any("901 sudah menjadi admin" in m.get("text", "") for m in admin.messages)
    await admin.tap("➕ Tambah staf")
    await admin.send("Batal")
    assert admin.text == "Tidak ada yang diubah."
    assert bot.telegram.chat(ADMIN).keyboard is None  # the picker was taken away
    assert staff_rows(staff_settings) == [] and audit_rows(staff_settings) == []
    # A number typed long after the question (a survey answer, say) makes no one staff.
    await admin.send("/staf")
    await admin.tap("➕ Tambah staf")
    bot.clock.advance(timedelta(minutes=16))
    await admin.send("5")
    assert admin.text.startswith("Pertanyaan siapa yang akan dijadikan staf sudah kedaluwarsa")
    assert staff_rows(staff_settings) == []
    await admin.send("6")  # and the question is over: the number goes where it would have
    assert "6" not in [str(i) for i, _role in staff_rows(staff_settings)]
    # A person shared for some other request is not taken.
    await admin.deliver(shared(admin, NEWCOMER, request_id=PICKER + 1))
    assert staff_rows(staff_settings) == []


async def test_staff_who_are_not_admins_cannot_manage_roles(
    bot: Bot, staff_settings: Settings
) -> None:
    admin, staff = bot.user(ADMIN), bot.user(NEWCOMER)
    await admin.send("/staf")
    await admin.tap("➕ Tambah staf")
    await admin.send(str(NEWCOMER))
    refused = await unknown_reply(staff)
    for command in ("/staf", "/staff", "/audit"):
        await staff.send(command)
        assert staff.text == refused, command
    # /bantuan names the admin commands to admins only.
    await staff.send("/bantuan")
    assert "/kelolaacara" in staff.text and "/staf " not in staff.text
    await admin.send("/bantuan")
    assert "/staf admin: siapa saja staf, beri dan cabut perannya" in admin.text
    assert "/audit admin: log audit" in admin.text
    # Nor with a picker answer or a forged button.
    await staff.deliver(shared(staff, VISITOR))
    await staff.deliver(
        staff.callback_update(StaffTap(StaffAction.CONFIRM, TYPED).pack(), staff.last)
    )
    assert staff_rows(staff_settings) == [(NEWCOMER, "editor")]


async def test_every_staff_command_is_refused_to_everyone_else(
    bot: Bot, staff_settings: Settings
) -> None:
    """Every command behind the staff guard, read from the Application: for a visitor each is
    answered exactly as a command the bot does not know, and nothing is stored about them."""
    guarded = [
        h
        for group in bot.app.handlers.values()
        for h in group
        if isinstance(h, StaffCommandHandler)
    ]
    commands = sorted({c for h in guarded for c in h.commands})
    admin_only = sorted(
        {c for h in guarded if isinstance(h, AdminCommandHandler) for c in h.commands}
    )
    # What this issue added is among them (so the list is not trivially empty).
    assert {"staf", "audit", "kelolaacara"} <= set(commands)
    assert {"staf", "staff", "audit"} <= set(admin_only)

    # Commands everyone has too (/start, which staff use with a ticket's link) are answered
    # as for anyone; the rest as unknown. Either way no staff handler takes the update.
    public = {
        c
        for group in bot.app.handlers.values()
        for h in group
        if isinstance(h, CommandHandler) and not isinstance(h, StaffCommandHandler)
        for c in h.commands
    }
    visitor = bot.user(VISITOR)
    refused = await unknown_reply(visitor)
    for command in commands:
        update = Update.de_json(
            visitor.message_update(f"/{command} ci-0123456789abcdef"), bot.app.bot
        )
        assert not [h for h in guarded if h.check_update(update)], command
        if command not in public:
            await visitor.send(f"/{command}")
            assert visitor.text == refused, command
    assert rows(staff_settings, "SELECT * FROM awaiting WHERE user_id = ?", (VISITOR,)) == []
    assert rows(staff_settings, "SELECT * FROM users WHERE id = ?", (VISITOR,)) == []

    # Staff who are not admins: the admin commands are unknown to them too.
    await bot.services.staff.grant(NEWCOMER, by=ADMIN)
    staff = bot.user(NEWCOMER)
    for command in admin_only:
        await staff.send(f"/{command}")
        assert staff.text == refused, command


async def test_english(staff_settings: Settings) -> None:
    async with running_bot(staff_settings) as bot:
        admin = bot.user(ADMIN, "en")
        await admin.send("/staff")
        assert admin.text.startswith("Staff\n") and "none yet" in admin.text
        await admin.tap("➕ Add staff")
        assert admin.text.startswith("Who should become staff?")
        await admin.deliver(shared(admin, NEWCOMER))
        assert any(
            "902 is now staff: they can run events, broadcasts and results." in m.get("text", "")
            for m in admin.messages
        )
        await admin.tap("✖️ Revoke 902")
        await admin.tap("Yes, revoke")
        assert admin.text.startswith("Done: 902 is no longer staff.")
        no_refusals(bot)


def _sample(kind: type[ButtonData]) -> ButtonData:
    """A value of `kind` with plain field values: what a forged or forwarded tap would carry."""
    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        if hint is bool:
            values[field.name] = True
        elif hint is int:
            values[field.name] = 1
        elif isinstance(hint, type) and issubclass(hint, StrEnum):
            values[field.name] = next(iter(hint))
        else:
            values[field.name] = "x"
    return kind(**values)


async def test_every_staff_button_is_refused_to_everyone_else(bot: Bot) -> None:
    """Every kind of staff button, tapped by a visitor (forwarded, or forged): no staff handler
    takes it, and the visitor hears only that the button is no longer active."""
    guarded = [
        h for group in bot.app.handlers.values() for h in group if isinstance(h, StaffButtonHandler)
    ]
    kinds = [k for k in KINDS if k.staff]
    assert {StaffTap, AuditTap} <= set(kinds)
    visitor = bot.user(VISITOR)
    await visitor.send("/bantuan")
    shown = visitor.last
    for kind in kinds:
        data = _sample(kind).pack()
        update = visitor.callback_update(data, shown)
        assert not [h for h in guarded if h.check_update(Update.de_json(update, bot.app.bot))]
        await visitor.deliver(update)
        toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
        assert toast == "Tombol ini sudah tidak berlaku.", kind
