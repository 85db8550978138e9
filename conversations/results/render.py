"""What results look like in a chat: the lines of a summary and each chart's words, shared by
/hasil (staff) and the interim results respondents see."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from babel.dates import format_timedelta
from telegram.ext import ContextTypes

from bot.core.formatting import number
from bot.core.results.chart import ChartText
from bot.core.results.tally import ChoiceResult, percent, title_of
from bot.services.results import Labels
from handlers.common import Who, services
from handlers.send import send_file

CAPTION_MAX = 1000  # Telegram takes 1,024 characters of caption
MESSAGE_MAX = 4000  # and 4,096 of a message


def fit(lines: list[str], most: int) -> str:
    """HTML lines joined, as many whole lines as fit in `most` characters, then "…": a cut
    inside a line could leave half a tag or an entity, which Telegram refuses."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > most:
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def labels(w: Who) -> Labels:
    return Labels(w.locale, w._("Yes"), w._("No"))


def duration(seconds: float, locale: str) -> str:
    """ "6 menit", "1 jam": how long people take, rounded as people say it."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1, locale=locale)


def too_few(w: Who, min_group: int) -> str:
    return w._(
        "Fewer than {n} responses here: results are not broken down, so that no one can be "
        "singled out."
    ).format(n=number(min_group, w.locale))


def chart_text(result: ChoiceResult, w: Who) -> ChartText:
    answered = w._("{n} answered").format(n=number(result.answered, w.locale))
    if result.multiple:
        answered += " · " + w._("several answers each")
    return ChartText(title_of(result.question, w.locale), answered)


def caption(result: ChoiceResult, w: Who) -> str:
    """The chart's title and note, then its bars as text: the figures can be read (and copied,
    and heard by a screen reader) without the picture."""
    text = chart_text(result, w)
    lines = [f"<b>{escape(text.title)}</b>", escape(text.note), *bar_lines(result, w)]
    return fit(lines, CAPTION_MAX)


def bar_lines(result: ChoiceResult, w: Who) -> list[str]:
    """The bars as text, for a reader who does not open the picture (HTML)."""
    return [
        "• "
        + escape(bar.label)
        + f": {percent(bar.share)}% ("
        + escape(number(bar.count, w.locale))
        + ")"
        for bar in result.bars
    ]


async def send_charts(
    context: ContextTypes.DEFAULT_TYPE, w: Who, survey_id: str, results: list[ChoiceResult]
) -> None:
    """One picture per result, each sent as soon as it is drawn: the first chart shows within
    a fraction of a second instead of after all twenty."""
    svc = services(context)
    for result in results:
        [png] = await svc.results.charts([(chart_text(result, w), result)])
        name = f"{survey_id}-{result.question.id}.png"
        await send_file(context, w.chat_id, name, png, caption(result, w), photo=True)
