"""Interim results ("Hasil sementara") for the people who answered.

After submitting a survey with public questions, a respondent gets a "📊 See interim results"
button (conversations/survey/endings.py). It shows each public question's results as text and
as the same chart staff see, for all respondents, or for their own province (from their region
answer), with the same small-group rule as /hasil. Only someone who submitted the survey sees
them: the results are given back to those who gave them.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.core.formatting import number
from bot.core.results.tally import title_of
from bot.core.text import pick
from bot.services.results import PublicResults
from conversations.results import render
from handlers.buttons import ResultsPublic
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Keyboard, button, keyboard, send, toast


def interim_text(found: PublicResults, w: Who, min_group: int) -> str:
    """The interim results as a message: for a respondent, and as what staff announce."""
    _ = w._
    summary = found.summary
    if found.mine and found.province is not None:
        scope = _("Respondents in {place}").format(place=found.province.name)
    else:
        scope = _("All respondents")
    lines = [
        "📊 <b>"
        + escape(_("Interim results: {title}").format(title=pick(summary.survey.title, w.locale)))
        + "</b>",
        escape(scope + " · " + _("{n} people").format(n=number(summary.responses, w.locale))),
    ]
    if summary.suppressed:
        return "\n".join([*lines, "", escape(render.too_few(w, min_group))])
    for result in summary.choices:
        lines += ["", "<b>" + escape(title_of(result.question, w.locale)) + "</b>"]
        if result.suppressed:
            lines.append(escape(_("Too few answers to show yet.")))
        else:
            lines += render.bar_lines(result, w)
    lines += ["", escape(_("These results change as more people answer."))]
    return render.fit(lines, render.MESSAGE_MAX)


def _switch(found: PublicResults, w: Who) -> Keyboard | None:
    if found.province is None:
        return None
    survey_id = found.summary.survey.id
    if found.mine:
        label = "🇮🇩 " + w._("All of Indonesia")
    else:
        label = "📍 " + w._("Only {place}").format(place=found.province.name)
    return keyboard([[button(label, ResultsPublic(survey_id, not found.mine).pack())]])


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    tap = ResultsPublic.tapped(update)
    survey = svc.surveys.surveys.get(tap.survey_id) if tap else None
    if tap is None or survey is None:
        await no_longer_active(update, w)
        return
    found = await svc.results.public(w.user_id, survey, render.labels(w), tap.mine)
    if found is None:
        # Someone who has not submitted it (or whose answers were deleted), or a survey whose
        # questions are no longer public.
        await toast(update, w._("Results are shown to the people who completed this survey."))
        return
    await toast(update)
    text = interim_text(found, w, svc.results.min_group)
    await send(context, w.chat_id, text, _switch(found, w))
    shown = [c for c in found.summary.choices if not c.suppressed]
    await render.send_charts(context, w, survey.id, shown)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_tap, pattern=ResultsPublic.pattern))
