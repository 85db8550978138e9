"""What comes after a survey is sent: the surveys the person has not done yet and /acara, as
buttons. A worker who just answered is the one most likely to answer the next survey, and the
events are where the programme meets them (issue 6: endings that lead somewhere)."""

from __future__ import annotations

from html import escape

from telegram.ext import ContextTypes

from bot.core.results.tally import public
from bot.core.survey.loader import ordered
from bot.core.text import pick
from handlers.buttons import EventList, PickSurvey, ResultsPublic, SubOffer
from handlers.common import Who, services
from handlers.send import button, keyboard, send


async def offer_next(context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """A message of its own under the thanks, which stays as it is when a button is tapped."""
    svc = services(context)
    sent = await svc.surveys.submitted(w.user_id)
    done = {response.survey_id for response in sent}
    left = [s for s in ordered(svc.surveys.surveys) if s.id not in done]
    rows = []
    # The survey just sent is the latest submitted: its public questions' interim results are
    # given back to the person who just added to them.
    latest = max(sent, key=lambda r: r.submitted_at, default=None)
    just_sent = svc.surveys.surveys.get(latest.survey_id) if latest else None
    if just_sent is not None and public(just_sent):
        rows.append(
            [button("📊 " + w._("See interim results"), ResultsPublic(just_sent.id, False).pack())]
        )
    rows += [[button("📝 " + pick(s.title, w.locale), PickSurvey(s.id).pack())] for s in left]
    rows.append([button("📅 " + w._("Upcoming events"), EventList(0).pack())])
    if await svc.subscriptions.current(w.user_id) is None:
        # Someone who just answered may want to hear of the next survey or workshop.
        rows.append([button("🔔 " + w._("Get announcements"), SubOffer().pack())])
    if left:
        text = w._("You can also fill in another survey, or see the upcoming events (/acara):")
    else:
        text = w._("See the upcoming events and workshops (/acara):")
    await send(context, w.chat_id, escape(text), keyboard(rows))
