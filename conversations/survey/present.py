"""Show the result of a survey step in the chat."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.survey.engine import REVIEW
from bot.core.text import pick
from bot.services.surveys import Kind, Outcome
from conversations.survey import render
from handlers.common import Who, services
from handlers.outbox import drop_buttons, edit_or_send, send, toast


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
    svc = services(context)
    survey, session = outcome.survey, outcome.session
    tapped = update.callback_query is not None
    notice = ""
    if outcome.expired:
        notice = (
            escape(_("Your unfinished survey had expired and its answers were deleted.")) + "\n\n"
        )

    if outcome.kind in {Kind.SHOW, Kind.BUSY, Kind.INVALID} and survey and session:
        text, keyboard = render.screen(survey, session, w.locale, _, outcome.matches)
        if outcome.kind is Kind.INVALID and outcome.error is not None:
            question = render.question_of(survey, session)
            error = render.error_text(outcome.error, question, w.locale, _)
            if tapped:
                await toast(update, _strip(error))
                return
            text = f"⚠️ {error}\n\n{text}"
        elif outcome.kind is Kind.BUSY:
            text = (
                escape(
                    _(
                        "You are in the middle of “{title}”. Please finish it first, or type /batal to stop it."
                    ).format(title=pick(survey.title, w.locale))
                )
                + "\n\n"
                + text
            )
        elif outcome.resumed:
            text = (
                escape(
                    _("Welcome back! Let's continue “{title}”.").format(
                        title=pick(survey.title, w.locale)
                    )
                )
                + "\n\n"
                + text
            )
        elif (
            session.cursor != REVIEW
            and not session.answers
            and not session.pending
            and survey.description
        ):
            text = (
                "<b>"
                + escape(pick(survey.title, w.locale))
                + "</b>\n"
                + escape(pick(survey.description, w.locale))
                + "\n\n"
                + text
            )
        text = notice + text
        await toast(update)
        if tapped and not fresh and not outcome.resumed and outcome.kind is Kind.SHOW:
            message_id = await edit_or_send(update, context, w.chat_id, text, keyboard)
        else:
            message_id = await send(context, w.chat_id, text, keyboard)
        svc.surveys.remember_message(w.user_id, message_id)
        return

    if outcome.kind is Kind.STALE and survey and session:
        message = update.callback_query.message if update.callback_query else None
        if message is not None and message.message_id == session.message_id:
            await toast(update, _("Already noted. Please continue below."))
            return
        await toast(update, _("That button is no longer active. Here is your current question."))
        await drop_buttons(context, message)
        text, keyboard = render.screen(survey, session, w.locale, _)
        svc.surveys.remember_message(w.user_id, await send(context, w.chat_id, text, keyboard))
        return

    if outcome.kind is Kind.DUPLICATE:
        await toast(update)
        return

    if outcome.kind is Kind.CONFIRM_CANCEL and survey and session:
        text, keyboard = render.screen(survey, session, w.locale, _)
        await send(context, w.chat_id, text, keyboard)
        return

    if outcome.kind is Kind.CANCELLED:
        await toast(update)
        text = _(
            "The survey was stopped and your answers were deleted. Type /survei whenever you want to start again."
        )
        await edit_or_send(update, context, w.chat_id, escape(text))
        return

    if outcome.kind is Kind.SUBMITTED and survey:
        await toast(update, _("Thank you!"))
        thanks = pick(survey.thanks, w.locale) or _("Thank you! Your answers have been saved.")
        more = _("You can see or delete your data at any time with /dataku and /hapusdata.")
        await edit_or_send(update, context, w.chat_id, f"✅ {escape(thanks)}\n\n{escape(more)}")
        return

    if outcome.kind is Kind.ALREADY_DONE and survey:
        await toast(update)
        text = _("You have already completed “{title}”. Thank you!").format(
            title=pick(survey.title, w.locale)
        )
        await send(context, w.chat_id, escape(text))
        return

    # NO_SESSION
    if tapped:
        await toast(update, _("This survey is already closed."))
        await drop_buttons(
            context, update.callback_query.message if update.callback_query else None
        )
    text = notice + escape(_("There is no survey in progress. Type /survei to choose one."))
    await send(context, w.chat_id, text)


def _strip(html_text: str) -> str:
    from html import unescape

    return unescape(html_text)[:190]
