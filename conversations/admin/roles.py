"""/staf (/staff), for admins: who is staff, give the role, take it away.

A person is chosen with Telegram's own picker (a reply-keyboard button with `request_users`:
the admin picks from their chats and Telegram sends back the id as `users_shared`), or by a
numeric id typed, for someone the admin has no chat with. Only the id is kept: no name.

Admins from ADMIN_IDS are listed but have no revoke button, and a forged revoke of one is
refused: they are set by whoever runs the bot. Every grant and revoke is written with its
audit entry in one transaction (StaffService), and counts from the very next update.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ContextTypes, filters

from bot.core.formatting import long_date
from bot.services.staff import Change
from bot.storage.awaiting import Awaiting
from handlers import input_router
from handlers.buttons import StaffAction, StaffTap
from handlers.common import Who, language_of, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, toast
from handlers.staff import AdminButtonHandler, AdminCommandHandler, AdminMessageHandler

FEATURE = "staff_roles"
# Ties Telegram's answer (users_shared) to the picker this bot drew; any 32-bit number will do.
PICKER = 8013
# Telegram user ids are positive and fit in 52 bits.
LARGEST_ID = 2**52
# The question "who should become staff?" stands this long. A number typed much later (an
# answer to a survey question, say) must not make someone staff.
ASKED_FOR = timedelta(minutes=15)


def _id(user_id: int) -> str:
    return f"<code>{user_id}</code>"


async def _list(context: ContextTypes.DEFAULT_TYPE, w: Who) -> tuple[str, Keyboard]:
    svc = services(context)
    _ = w._
    members = await svc.staff.members()
    admins = sorted(svc.staff.admin_ids)
    lines = ["<b>" + escape(_("Staff")) + "</b>", ""]
    lines.append(escape(_("Admins (ADMIN_IDS, set where the bot runs):")))
    lines += [f"• {_id(a)}" for a in admins] or ["• " + escape(_("none"))]
    lines += ["", escape(_("Staff (run events, broadcasts and results):"))]
    if not members:
        lines.append("• " + escape(_("none yet")))
    for member in members:
        day = member.added_at.astimezone(svc.settings.zone).date()
        since = _("since {date}").format(date=long_date(day, w.locale))
        lines.append(f"• {_id(member.user_id)} — {escape(since)}")
    lines += ["", escape(_("Only admins manage roles and read the audit log (/audit)."))]
    rows: list[list[Button]] = [
        [button(_("➕ Add staff"), StaffTap(StaffAction.ADD, 0).pack())],
    ]
    rows += [
        [
            button(
                _("✖️ Revoke {id}").format(id=m.user_id),
                StaffTap(StaffAction.REVOKE, m.user_id).pack(),
            )
        ]
        for m in members
    ]
    return "\n".join(lines), keyboard(rows)


async def _send_raw(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup: Any
) -> None:
    """A message with a reply keyboard (the person picker) or one that removes it, which the
    inline-keyboard helpers do not draw."""
    await context.bot.do_api_request(
        "sendMessage",
        api_kwargs={"chat_id": chat_id, "text": text, "parse_mode": "HTML", "reply_markup": markup},
    )


@personal
async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    text, markup = await _list(context, w)
    await send(context, w.chat_id, text, markup)


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = StaffTap.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    svc, _ = services(context), w._
    if tap.action is StaffAction.LIST:
        await toast(update)
        text, markup = await _list(context, w)
        await edit_or_send(update, context, w.chat_id, text, markup)
    elif tap.action is StaffAction.ADD:
        await toast(update)
        await ask_for_person(context, w)
    elif tap.action is StaffAction.REVOKE:
        if tap.user_id in svc.staff.admin_ids or not svc.staff.is_staff(tap.user_id):
            await no_longer_active(update, w)  # an admin (forged), or revoked already
            return
        await toast(update)
        text = escape(
            _(
                "Revoke the staff role of {id}? From their next message they can no longer run "
                "events, broadcasts or results."
            )
        ).format(id=_id(tap.user_id))
        markup = keyboard(
            [
                [
                    button(_("Yes, revoke"), StaffTap(StaffAction.CONFIRM, tap.user_id).pack()),
                    button(_("No"), StaffTap(StaffAction.KEEP, tap.user_id).pack()),
                ]
            ]
        )
        await edit_or_send(update, context, w.chat_id, text, markup)
    elif tap.action is StaffAction.CONFIRM:
        change = await svc.staff.revoke(tap.user_id, by=w.user_id)
        if change is Change.ADMIN:
            await toast(update, _("Admins from ADMIN_IDS cannot be removed in the chat."))
            return
        await toast(update)
        done = escape(
            _("Done: {id} is no longer staff.")
            if change is Change.DONE
            else _("{id} was no longer staff.")
        ).format(id=_id(tap.user_id))
        text, markup = await _list(context, w)
        await edit_or_send(update, context, w.chat_id, done + "\n\n" + text, markup)
    else:  # KEEP
        await toast(update)
        text, markup = await _list(context, w)
        await edit_or_send(update, context, w.chat_id, text, markup)


async def ask_for_person(context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """Telegram's person picker, or a typed id: whichever comes next is the new staff member."""
    _ = w._
    await services(context).awaiting.expect(w.user_id, FEATURE, {})
    picker = {
        "keyboard": [
            [
                {
                    "text": _("👤 Choose a person"),
                    "request_users": {
                        "request_id": PICKER,
                        "user_is_bot": False,
                        "max_quantity": 1,
                    },
                }
            ],
            [{"text": _("Cancel")}],
        ],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    text = _(
        "Who should become staff? Tap “👤 Choose a person” to pick them from your chats, or "
        "type their numeric Telegram ID (they can see it with @userinfobot)."
    )
    await _send_raw(context, w.chat_id, escape(text), picker)


async def _grant(context: ContextTypes.DEFAULT_TYPE, w: Who, user_id: int) -> None:
    svc, _ = services(context), w._
    await svc.awaiting.done(w.user_id, FEATURE)
    change = await svc.staff.grant(user_id, by=w.user_id)
    if change is Change.DONE:
        said = _("✅ {id} is now staff: they can run events, broadcasts and results.")
    elif change is Change.ADMIN:
        said = _("{id} is an admin already (ADMIN_IDS).")
    else:
        said = _("{id} is staff already.")
    said = escape(said).format(id=_id(user_id))
    if change is Change.DONE and not await _welcome(context, user_id):
        unheard = _(
            "They have not started the bot yet; /bantuan shows them the staff commands once they do."
        )
        said += "\n" + escape(unheard)
    await _send_raw(context, w.chat_id, said, {"remove_keyboard": True})
    text, markup = await _list(context, w)
    await send(context, w.chat_id, text, markup)


async def _welcome(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    """Tell the new staff member, in their language; False if Telegram will not let the bot
    write to them (they never started it, or blocked it)."""
    _locale, _ = await language_of(context, user_id)
    welcome = _(
        "You are now staff of this bot: you can run events, announcements and results. "
        "/bantuan lists the staff commands."
    )
    try:
        await send(context, user_id, escape(welcome))
    except (Forbidden, BadRequest):
        return False
    return True


@personal
async def on_shared(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """The person picked with Telegram's picker."""
    message = update.effective_message
    shared = message.users_shared if message else None
    if shared is None or shared.request_id != PICKER or not shared.users:
        return
    await _grant(context, w, shared.users[0].user_id)


async def on_input(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, awaiting: Awaiting | None
) -> None:
    """A typed id, or Cancel (the reply keyboard's second button sends that word)."""
    svc, _ = services(context), w._
    message = update.effective_message
    typed = (message.text or "").strip() if message else ""
    stale = awaiting is None or svc.clock.now() - awaiting.updated_at > ASKED_FOR
    if stale:
        await svc.awaiting.done(w.user_id, FEATURE)
        text = _("The question who should become staff has expired; nothing was changed. /staf")
        await _send_raw(context, w.chat_id, escape(text), {"remove_keyboard": True})
        return
    if not svc.staff.is_admin(w.user_id):
        # No longer an admin since the picker was shown: the question is over.
        await svc.awaiting.done(w.user_id, FEATURE)
        await _send_raw(
            context, w.chat_id, escape(_("Nothing was changed.")), {"remove_keyboard": True}
        )
        return
    if typed.isascii() and typed.isdigit() and 0 < int(typed) < LARGEST_ID:
        await _grant(context, w, int(typed))
        return
    if typed.casefold() in {_("Cancel").casefold(), "batal", "cancel"}:
        await svc.awaiting.done(w.user_id, FEATURE)
        await _send_raw(
            context, w.chat_id, escape(_("Nothing was changed.")), {"remove_keyboard": True}
        )
        return
    text = _(
        "Please type a Telegram ID as digits only (for example 123456789), "
        "tap “👤 Choose a person”, or tap Cancel."
    )
    await send(context, w.chat_id, escape(text))


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(AdminCommandHandler(staff, ["staf", "staff"], on_command))
    app.add_handler(AdminButtonHandler(staff, on_tap, pattern=StaffTap.pattern))
    app.add_handler(AdminMessageHandler(staff, filters.StatusUpdate.USERS_SHARED, on_shared))
    input_router.claim(app, FEATURE, on_input)
