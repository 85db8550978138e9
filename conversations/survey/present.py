"""Show the result of a survey step in the chat.

A location question also puts Telegram's location button under the chat (a reply keyboard:
a message carries either that or inline buttons, never both, so the button comes with a
message of its own, after the question); the next screen that asks no location takes it away
again, with a line saying what became of the location.
"""

from __future__ import annotations

from html import escape, unescape
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.survey.display import place
from bot.core.survey.engine import REVIEW
from bot.core.survey.model import Survey
from bot.core.survey.session import Session
from bot.core.text import pick
from bot.i18n import N_
from bot.services.surveys import PREVIEW, Kind, Outcome
from conversations.survey import endings, render
from handlers.common import Who, services
from handlers.send import drop_buttons, edit_or_send, send, toast

# Telegram shows at most 200 characters in a button's pop-up note.
TOAST_LIMIT = 190
LOCATION_BUTTON = N_("📍 Send my location")


async def present(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    outcome: Outcome,
    *,
    fresh: bool = False,
) -> None:
    """Render an outcome. `fresh`: send a new message even for a tap (keep the tapped one)."""
    _ = w._
    survey, session = outcome.survey, outcome.session
    if survey and session and outcome.kind in {Kind.SHOW, Kind.BUSY, Kind.INVALID}:
        await _screen(update, context, w, outcome, survey, session, fresh=fresh)
    elif survey and session and outcome.kind is Kind.STALE:
        await _stale(update, context, w, survey, session)
    elif survey and session and outcome.kind is Kind.CONFIRM_CANCEL:
        text, keyboard = render.screen(survey, session, w.locale, _)
        await send(context, w.chat_id, text, keyboard)
    elif outcome.kind is Kind.DUPLICATE:
        await toast(update)
    elif outcome.kind is Kind.CANCELLED:
        await toast(update)
        text = _(
            "The survey was stopped and your answers were deleted. Type /survei whenever you want to start again."
        )
        if not await _take_keyboard(context, w, escape(text)):
            await edit_or_send(update, context, w.chat_id, escape(text))
    elif survey and outcome.kind is Kind.SUBMITTED and survey.id.startswith(PREVIEW):
        # Staff trying a draft: its ending says nothing was kept; no next survey to offer.
        await toast(update)
        await edit_or_send(
            update, context, w.chat_id, "✅ " + escape(pick(survey.thanks, w.locale))
        )
    elif survey and outcome.kind is Kind.SUBMITTED:
        await toast(update, _("Thank you!"))
        thanks = pick(survey.thanks, w.locale) or _("Thank you! Your answers have been saved.")
        more = _("You can see or delete your data at any time with /dataku and /hapusdata.")
        await edit_or_send(update, context, w.chat_id, f"✅ {escape(thanks)}\n\n{escape(more)}")
        await endings.offer_next(context, w)  # the other surveys and /acara, as buttons
    elif survey and outcome.kind is Kind.ALREADY_DONE:
        await toast(update)
        text = _("You have already completed “{title}”. Thank you!")
        await send(context, w.chat_id, escape(text.format(title=pick(survey.title, w.locale))))
    else:  # nothing in progress
        if update.callback_query is not None:
            await toast(update, _("This survey is already closed."))
            await drop_buttons(context, update.callback_query.message)
        text = escape(_("There is no survey in progress. Type /survei to choose one."))
        await send(context, w.chat_id, expired_notice(w, outcome.expired) + text)


async def _screen(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    outcome: Outcome,
    survey: Survey,
    session: Session,
    *,
    fresh: bool,
) -> None:
    """The current question or review, edited in place after a tap, else sent anew."""
    text, keyboard = render.screen(survey, session, w.locale, w._, outcome.matches)
    error = outcome.error if outcome.kind is Kind.INVALID else None
    message = ""
    if error is not None:
        question = render.question_of(survey, session)
        message = render.error_text(error, question, w.locale, w._, survey=survey, session=session)
    if error is not None and update.callback_query is not None:
        await toast(update, unescape(message)[:TOAST_LIMIT])
        return
    moved_off = await _keyboard_before(context, w, survey, session, outcome)
    if error is not None and not (moved_off and error.code == "location.unexpected"):
        if outcome.resumed:  # typed after a break: say plainly that it was not kept
            note = escape(w._("Welcome back! Your message was not saved as an answer:"))
            message = f"{note} {message}"
        text = f"⚠️ {message}\n\n{text}"
    elif error is None:
        text = expired_notice(w, outcome.expired) + _lead(w, outcome, survey, session) + text
    await toast(update)
    # Notes too long for the question's message (a consent text) come first, on their own.
    apart = render.notes_apart(survey, session, w.locale) if error is None else []
    for note in apart:
        await send(context, w.chat_id, note)
    in_place = update.callback_query is not None and not fresh and outcome.kind is Kind.SHOW
    if in_place and not outcome.resumed and not moved_off and not apart:
        message_id = await edit_or_send(update, context, w.chat_id, text, keyboard)
    else:
        if (moved_off or apart) and update.callback_query is not None:
            # The screen follows what was sent below it: the tapped message keeps no buttons.
            await drop_buttons(context, update.callback_query.message)
        message_id = await send(context, w.chat_id, text, keyboard)
    services(context).surveys.remember_message(w.user_id, message_id)
    await _keyboard_after(context, w, survey, session)


async def _keyboard_before(
    context: ContextTypes.DEFAULT_TYPE, w: Who, survey: Survey, session: Session, outcome: Outcome
) -> bool:
    """Before a screen that asks no location: take Telegram's location button away, with a
    line saying what became of the location (or, for a place shared where no question asks
    for one, saying so). Whether a message was sent: the screen then follows it, below."""
    if render.asks_location(survey, session) or session.pending.get("confirm_cancel"):
        return False
    key = services(context).surveys.keyboard_for(w.user_id)
    error = outcome.error if outcome.kind is Kind.INVALID else None
    if error is not None and error.code == "location.unexpected":
        # Also when the bot does not know of a button (a restart): one was tapped.
        note = render.error_text(error, None, w.locale, w._)
        return await _take_keyboard(context, w, f"⚠️ {note}", always=True)
    if key is None:
        return False
    answer = session.answers.get(key)
    if answer is None:
        note = w._("📍 No location was sent.")
    elif answer.value is None:
        note = w._("📍 Location skipped.")
    else:
        note = w._("📍 Your location: {place}").format(place=place(str(answer.value)))
    return await _take_keyboard(context, w, escape(note))


async def _take_keyboard(
    context: ContextTypes.DEFAULT_TYPE, w: Who, text: str, *, always: bool = False
) -> bool:
    """Send `text` (HTML) taking the location button away, if it is there (or `always`)."""
    surveys = services(context).surveys
    if surveys.keyboard_for(w.user_id) is None and not always:
        return False
    await _send_markup(context, w.chat_id, text, {"remove_keyboard": True})
    surveys.remember_keyboard(w.user_id, None)
    return True


async def _keyboard_after(
    context: ContextTypes.DEFAULT_TYPE, w: Who, survey: Survey, session: Session
) -> None:
    """After a screen asking for a location: Telegram's location button under the chat, said
    once (it stays there while the question is asked again, or the next one asks too)."""
    surveys = services(context).surveys
    if not render.asks_location(survey, session):
        return
    if surveys.keyboard_for(w.user_id) is not None:  # already there (one question after another)
        surveys.remember_keyboard(w.user_id, session.cursor)
        return
    label = w._(LOCATION_BUTTON)
    markup = {
        "keyboard": [[{"text": label, "request_location": True}]],
        "resize_keyboard": True,
        "is_persistent": True,
        "input_field_placeholder": w._("Or type: latitude, longitude")[:64],
    }
    text = w._("👇 Use the “{button}” button below.").format(button=label)
    await _send_markup(context, w.chat_id, escape(text), markup)
    surveys.remember_keyboard(w.user_id, session.cursor)


async def _send_markup(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup: dict[str, Any]
) -> None:
    """A message with a reply keyboard (or its removal), which `send`'s inline keyboards
    are not."""
    await context.bot.do_api_request(
        "sendMessage",
        api_kwargs={
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "reply_markup": markup,
        },
    )


def _lead(w: Who, outcome: Outcome, survey: Survey, session: Session) -> str:
    """What to say above the question: busy elsewhere, welcome back, or the survey's intro."""
    title = pick(survey.title, w.locale)
    if outcome.kind is Kind.BUSY:
        busy = w._(
            "You are in the middle of “{title}”. Please finish it first, or type /batal to stop it."
        )
        return escape(busy.format(title=title)) + "\n\n"
    if outcome.resumed:
        return escape(w._("Welcome back! Let's continue “{title}”.").format(title=title)) + "\n\n"
    starting = session.cursor != REVIEW and not session.answers and not session.pending
    if starting and survey.description:
        intro = escape(pick(survey.description, w.locale))
        return f"<b>{escape(title)}</b>\n{intro}\n\n"
    return ""


def expired_notice(w: Who, expired: bool) -> str:
    if not expired:
        return ""
    return escape(w._("Your unfinished survey had expired and its answers were deleted.")) + "\n\n"


async def _stale(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, survey: Survey, session: Session
) -> None:
    """A button from an older message: a double tap on the current one needs only a word."""
    message = update.callback_query.message if update.callback_query else None
    if message is not None and message.message_id == services(context).surveys.shown_message(
        session
    ):
        await toast(update, w._("Already noted. Please continue below."))
        return
    await toast(update, w._("That button is no longer active. Here is your current question."))
    await drop_buttons(context, message)
    text, keyboard = render.screen(survey, session, w.locale, w._)
    await _keyboard_before(context, w, survey, session, Outcome(Kind.STALE, session, survey))
    message_id = await send(context, w.chat_id, text, keyboard)
    services(context).surveys.remember_message(w.user_id, message_id)
    await _keyboard_after(context, w, survey, session)
