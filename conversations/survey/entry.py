"""Getting into a survey: /start (with a deep-link payload), /survei, the consent notice."""

from __future__ import annotations

from html import escape

from babel.dates import format_date
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Settings
from bot.core.formatting import period
from bot.core.survey.loader import ordered
from bot.core.survey.model import Survey
from bot.core.text import pick
from bot.services.people import CONSENT_DATE, SURVEY_PURPOSE
from bot.services.surveys import Kind
from conversations.survey.present import expired_notice, present
from handlers.buttons import Consent, PickSurvey
from handlers.common import Who, no_longer_active, personal, services
from handlers.consent import age_keyboard, from_an_older_notice, notice_changed
from handlers.send import Keyboard, button, edit_or_send, keyboard, send, toast

# The notice must fit one phone screen (about 25 short lines) in either language, or people
# agree without reading: tests/test_notice.py holds every language to this many characters.
NOTICE_BUDGET = 900


def notice_version(locale: str) -> str:
    """ "Versi 2 · 2 Desember 2026": which notice was agreed to, in words a person can quote."""
    return format_date(CONSENT_DATE, "d MMMM y", locale=locale)


def consent_text(w: Who, settings: Settings, version: str, *, ask: bool = True) -> str:
    """The UU PDP notice: who is responsible and how to reach them, why, what, who receives it,
    how long, each right with its command, the legal basis, and who may agree (18 or over)."""
    _ = w._
    unfinished = period(max(1, settings.response_expiry_hours // 24), w.locale)
    kept = period(settings.retention_days, w.locale)
    points = [
        _("Controller: {controller}. Contact: {contact}."),
        _(
            "Why: to understand your work, your access to BPJS Ketenagakerjaan and the training "
            "you need, as input for government policy."
        ),
        _(
            "What: your answers and your Telegram ID. We never ask for your name, NIK or phone number."
        ),
        _(
            "Who sees it: your own answers are never given to apps (aplikator), BPJS or "
            "employers. Results are published only as totals."
        ),
        _("How long: at most {kept}. An unfinished survey is deleted after {unfinished}."),
        _(
            "Your rights: see your data (/dataku); correct an answer on the summary before "
            "sending, or later delete and fill in again; delete it or withdraw consent (/hapusdata)."
        ),
        _("Legal basis: your consent (UU PDP, Law No. 27 of 2022)."),
        _("Only for people aged 18 or over."),
    ]
    values = {
        "controller": settings.controller_name,
        "contact": settings.controller_contact,
        "kept": kept,
        "unfinished": unfinished,
    }
    lines = ["<b>" + escape(_("Before we start: your data")) + "</b>"]
    lines += ["• " + escape(point.format(**values)) for point in points]
    version = _("Version {version} · {date}").format(version=version, date=notice_version(w.locale))
    lines.append("<i>" + escape(version) + "</i>")
    if ask:
        lines += ["", escape(_("Do you agree?"))]
    return "\n".join(lines)


def consent_keyboard(w: Who, payload: str | None) -> Keyboard:
    # The deep-link payload rides in the button: nothing is stored before consent.
    return age_keyboard(
        w, SURVEY_PURPOSE, Consent.agreeing(payload).pack(), Consent(agree=False).pack()
    )


async def show_consent(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, payload: str | None
) -> None:
    svc = services(context)
    text = consent_text(w, svc.settings, svc.people.consent_version)
    await send(context, w.chat_id, text, consent_keyboard(w, payload))


def picker(w: Who, surveys: dict[str, Survey]) -> tuple[str, Keyboard]:
    rows = [[button(pick(s.title, w.locale), PickSurvey(s.id).pack())] for s in ordered(surveys)]
    return escape(w._("Which survey would you like to fill in?")), keyboard(rows)


async def open_survey(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    survey: Survey | None,
    source: str | None,
    *,
    fresh: bool = False,
) -> None:
    """Start `survey`, or resume the open one, or offer the list. Answers a tap exactly once."""
    svc = services(context)
    if survey is not None:
        outcome = await svc.surveys.begin(w.user_id, survey, source, update.update_id)
        await present(update, context, w, outcome, fresh=fresh)
        return
    outcome = await svc.surveys.resume(w.user_id)
    if outcome.kind is not Kind.NO_SESSION:
        await present(update, context, w, outcome)
        return
    text, keyboard = picker(w, svc.surveys.surveys)
    await toast(update)
    await send(context, w.chat_id, expired_notice(w, outcome.expired) + text, keyboard)


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    payload = context.args[0] if context.args else None
    survey = svc.surveys.survey_for_payload(payload)
    if not await svc.people.has_consented(w.user_id):
        greeting = w._(
            "Hello! This is the Berdaya Bersama bot. Your voice helps shape programmes for gig workers and small businesses."
        )
        await send(context, w.chat_id, escape(greeting))
        await show_consent(update, context, w, payload if survey else None)
        return
    if payload and survey is None:
        await send(
            context,
            w.chat_id,
            escape(w._("I don't recognise that link, but you can choose a survey below.")),
        )
    await open_survey(update, context, w, survey, payload)


@personal
async def surveys_command(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    if not await services(context).people.has_consented(w.user_id):
        await show_consent(update, context, w, None)
        return
    await open_survey(update, context, w, None, None)


@personal
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    answer = Consent.tapped(update)
    if answer is None:
        await no_longer_active(update, w)
        return
    svc = services(context)
    if not answer.agree:
        await toast(update)
        text = w._(
            "All right. Nothing about you has been stored. If you change your mind, type /start."
        )
        await edit_or_send(update, context, w.chat_id, escape(text))
        return
    if await svc.people.has_consented(w.user_id):
        # A double tap, or the notice tapped again later: recorded once, shown once.
        await toast(update, w._("Already noted. Please continue below."))
        return
    if from_an_older_notice(update):
        await notice_changed(update, w)
        await show_consent(update, context, w, answer.payload or None)
        return
    await svc.people.consent(w.user_id, w.locale)
    # Keep the notice readable in the chat, with what was agreed and when, minus the buttons.
    agreed = w._(
        "✅ You agreed to this notice and said you are 18 or over. See it again with /privasi."
    )
    notice = consent_text(w, svc.settings, svc.people.consent_version, ask=False)
    text = notice + "\n\n" + escape(agreed)
    await edit_or_send(update, context, w.chat_id, text)
    payload = answer.payload or None
    survey = svc.surveys.survey_for_payload(payload) if payload else None
    await open_survey(update, context, w, survey, payload, fresh=True)


@personal
async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    picked = PickSurvey.tapped(update)
    survey = svc.surveys.surveys.get(picked.survey_id) if picked else None
    if survey is None:
        await toast(update, w._("That survey is no longer available."))
        return
    if not await svc.people.has_consented(w.user_id):
        await toast(update)
        await show_consent(update, context, w, survey.id)
        return
    # The list turns into the survey's first question.
    await open_survey(update, context, w, survey, None)


@personal
async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    text = consent_text(w, svc.settings, svc.people.consent_version, ask=False)
    await send(context, w.chat_id, text)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler(["survei", "survey"], surveys_command))
    app.add_handler(CommandHandler(["privasi", "privacy"], privacy))
    app.add_handler(CallbackQueryHandler(on_consent, pattern=Consent.pattern))
    app.add_handler(CallbackQueryHandler(on_pick, pattern=PickSurvey.pattern))
