"""The age check that every consent notice ends with (UU PDP Pasal 25).

A child's personal data may only be processed with a parent's or guardian's consent, which a
chat bot cannot collect or verify. So each notice (surveys, event registration, event notices)
asks "18 or over?" as part of agreeing, in one tap, the way good survey bots do:

    [Setuju, saya 18 tahun ke atas]
    [Saya di bawah 18 tahun]
    [Tidak setuju]

The same check sits under every notice (surveys, events, event notices, announcements):
registering a minor for a workshop or keeping a minor's wish is processing a child's data just
as a survey answer is. Whoever taps "under 18" is thanked and told why, and nothing about them
is written, not even that answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from handlers.buttons import Minor
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Keyboard, button, edit_or_send, keyboard, toast

PURPOSES = ("survey", "events", "wishes", "announcements")


def age_keyboard(w: Who, purpose: str, agree: str, disagree: str) -> Keyboard:
    """One button a row: the labels are sentences, too long to sit side by side on a phone.
    Agreeing comes first, and its label says what is being confirmed."""
    return keyboard(
        [
            [button(w._("I agree, I am 18 or over"), agree)],
            [button(w._("I am under 18"), Minor(purpose).pack())],
            [button(w._("I don't agree"), disagree)],
        ]
    )


def from_an_older_notice(update: Update) -> bool:
    """An Agree tapped under a notice sent before the age check was part of it (its keyboard
    has no "under 18" button). Agreeing there said nothing about age, and consent is recorded
    to the notice's current version, so the current notice is shown to be agreed to instead.
    A message Telegram no longer sends with the tap (too old) cannot be told apart: taken."""
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query is not None else None
    if markup is None:
        return False
    buttons = [b for row in markup.inline_keyboard for b in row]
    return not any(str(b.callback_data or "").startswith(f"{Minor.prefix}:") for b in buttons)


async def notice_changed(update: Update, w: Who) -> None:
    await toast(update, w._("This notice has been updated. Please read the new one below."))


async def agreed_to_current(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    agree: bool,
    declined: str,
    ask_again: Callable[[], Awaitable[None]],
) -> bool:
    """The answers every notice's buttons share. "Tidak setuju": `declined` in place of the
    notice, nothing stored. An Agree under a notice older than the age check: the current
    notice, asked again (`ask_again`). True only for an Agree on the current notice, which the
    caller then records."""
    if not agree:
        await toast(update)
        await edit_or_send(update, context, w.chat_id, escape(declined))
        return False
    if from_an_older_notice(update):
        await notice_changed(update, w)
        await ask_again()
        return False
    return True


def under_18_text(w: Who, contact: str) -> str:
    return escape(
        w._(
            "Thank you for your interest. For anyone under 18, the law (UU PDP, Article 25) "
            "requires a parent's or guardian's consent, which this bot cannot collect. So nothing "
            "about you has been stored. Your parent or guardian can contact {contact} with any "
            "question."
        ).format(contact=contact)
    )


@personal
async def on_minor(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = Minor.tapped(update)
    if tap is None or tap.purpose not in PURPOSES:
        await no_longer_active(update, w)
        return
    svc = services(context)
    await toast(update)
    text = under_18_text(w, svc.settings.controller_contact)
    if await svc.people.get(w.user_id) is not None:
        # Read, never written: someone who agreed before as an adult is told how to take it back.
        text += "\n\n" + escape(
            w._("If you gave us data before, you can delete it with /hapusdata.")
        )
    await edit_or_send(update, context, w.chat_id, text)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_minor, pattern=Minor.pattern))
