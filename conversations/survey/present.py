"""Show the result of a survey step in the chat."""

from __future__ import annotations

from html import escape, unescape

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.survey.engine import REVIEW
from bot.core.survey.model import Survey
from bot.core.survey.session import Session
from bot.core.text import pick
from bot.services.surveys import PREVIEW, Kind, Outcome
from conversations.survey import endings, render
from handlers.common import Who, services
from handlers.send import drop_buttons, edit_or_send, send, toast

# Telegram shows at most 200 characters in a button's pop-up note.
TOAST_LIMIT = 190


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
    if outcome.kind is Kind.INVALID and outcome.error is not None:
        error = render.error_text(outcome.error, render.question_of(survey, session), w.locale, w._)
        if update.callback_query is not None:
            await toast(update, unescape(error)[:TOAST_LIMIT])
            return
        if outcome.resumed:  # typed after a break: say plainly that it was not kept
            note = escape(w._("Welcome back! Your message was not saved as an answer:"))
            error = f"{note} {error}"
        text = f"⚠️ {error}\n\n{text}"
    else:
        text = expired_notice(w, outcome.expired) + _lead(w, outcome, survey, session) + text
    await toast(update)
    in_place = update.callback_query is not None and not fresh and outcome.kind is Kind.SHOW
    if in_place and not outcome.resumed:
        message_id = await edit_or_send(update, context, w.chat_id, text, keyboard)
    else:
        message_id = await send(context, w.chat_id, text, keyboard)
    services(context).surveys.remember_message(w.user_id, message_id)


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
    message_id = await send(context, w.chat_id, text, keyboard)
    services(context).surveys.remember_message(w.user_id, message_id)
