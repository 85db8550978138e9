"""/hasil (/results), staff only: every survey's progress, then one survey's results.

The list gives started, completed, completion rate and the median time to finish. A survey's
results are a summary message (the selection, its size, free-text answers as their most common
words and a few recent ones) with the filter buttons, then one chart picture per charted
question. Narrowing by place or period edits the summary message in place and sends the charts
of the new selection under it. Under RESULTS_MIN_GROUP nothing is broken down (said so).
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core import regions
from bot.core.formatting import number
from bot.core.results.tally import Summary, percent, public, title_of
from bot.core.survey.model import Survey
from bot.core.text import pick
from bot.services.results import PERIODS, Places, region_question
from conversations.results import render
from handlers.buttons import AnnounceResults, ResultsFilter, ResultsShow, ResultsStep
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler


async def _list(context: ContextTypes.DEFAULT_TYPE, w: Who) -> tuple[str, Keyboard]:
    _ = w._
    lines = ["📊 <b>" + escape(_("Survey results")) + "</b>"]
    rows: list[list[Button]] = []
    for o in await services(context).results.overview():
        title = pick(o.survey.title, w.locale)
        line = _("Started {started} · completed {completed}").format(
            started=number(o.started, w.locale), completed=number(o.completed, w.locale)
        )
        if o.completion is not None:
            line += f" ({percent(o.completion)}%)"
        if o.median_seconds is not None:
            line += " · " + _("median time {time}").format(
                time=render.duration(o.median_seconds, w.locale)
            )
        lines += ["", f"<b>{escape(title)}</b>", escape(line)]
        rows.append([button("📊 " + title, ResultsShow(o.survey.id, 0, "").pack())])
    return "\n".join(lines), keyboard(rows)


def _place_name(place: str, w: Who) -> str:
    region = regions.by_code(place) if place else None
    return region.name if region else w._("All of Indonesia")


def _period_name(days: int, w: Who) -> str:
    if not days:
        return w._("All time")
    return w._("Last {n} days").format(n=days)


def _summary_text(summary: Summary, place: str, days: int, w: Who, min_group: int) -> str:
    _ = w._
    lines = [
        "📊 <b>" + escape(pick(summary.survey.title, w.locale)) + "</b>",
        "📍 " + escape(_place_name(place, w)) + " · 🗓 " + escape(_period_name(days, w)),
        escape(_("Responses in this selection: {n}").format(n=number(summary.responses, w.locale))),
    ]
    if summary.suppressed:
        return "\n".join([*lines, "", escape(render.too_few(w, min_group))])
    charts = [c for c in summary.choices if not c.suppressed]
    if charts:
        lines.append(escape(_("Charts of {n} questions follow.").format(n=len(charts))))
    hidden = [c for c in summary.choices if c.suppressed]
    if hidden:
        lines += ["", escape(_("Too few answers to show (under {n}):").format(n=min_group))]
        lines += ["• " + escape(title_of(c.question, w.locale)) for c in hidden]
    for free in summary.texts:
        lines += ["", "<b>" + escape(title_of(free.question, w.locale)) + "</b>"]
        answered = _("{n} answered").format(n=number(free.answered, w.locale))
        if free.suppressed:
            lines.append(escape(answered + " · " + _("too few to show")))
            continue
        lines.append(escape(answered))
        if free.words:
            common = ", ".join(f"{word.word} ({word.people})" for word in free.words)
            lines.append(escape(_("Most common words: {words}").format(words=common)))
        if free.examples:
            lines.append(escape(_("Recent answers:")))
            lines += [f"“{escape(example)}”" for example in free.examples]
    return render.fit(lines, render.MESSAGE_MAX)


def _filters(survey: Survey, days: int, place: str, w: Who) -> Keyboard:
    def step(label: str, kind: ResultsStep, at: str = place) -> Button:
        return button(label, ResultsFilter(survey.id, days, kind, at).pack())

    narrowing = [step("🗓 " + w._("Period"), ResultsStep.PERIODS)]
    if region_question(survey):  # a survey that never asks where people are has no places
        narrowing.insert(0, step("📍 " + w._("Place"), ResultsStep.PLACES))
    rows = [narrowing]
    if public(survey):  # its public questions can be told to the people who answered
        announce = AnnounceResults(survey.id).pack()
        rows.append([button("📣 " + w._("Announce interim results"), announce)])
    return keyboard([*rows, [step("« " + w._("All surveys"), ResultsStep.LIST, "")]])


async def _show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    survey: Survey,
    days: int,
    place: str,
) -> None:
    svc = services(context)
    summary = await svc.results.summary(survey, render.labels(w), place=place, days=days)
    text = _summary_text(summary, place, days, w, svc.results.min_group)
    await edit_or_send(update, context, w.chat_id, text, _filters(survey, days, place, w))
    shown = [c for c in summary.choices if not c.suppressed]
    await render.send_charts(context, w, survey.id, shown)


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    await send(context, w.chat_id, *await _list(context, w))


@personal
async def on_show(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ResultsShow.tapped(update)
    survey = services(context).surveys.surveys.get(tap.survey_id) if tap else None
    if tap is None or survey is None or not _valid(tap.days, tap.place):
        await no_longer_active(update, w)
        return
    await toast(update)
    await _show(update, context, w, survey, tap.days, tap.place)


def _valid(days: int, place: str) -> bool:
    return days in PERIODS and (not place or regions.by_code(place) is not None)


def _places_screen(
    survey: Survey, days: int, place: str, places: Places, w: Who, min_group: int
) -> tuple[str, Keyboard]:
    """Provinces, or (with one chosen) its kabupaten/kota: only those with enough responses."""
    _ = w._

    def show(label: str, code: str) -> list[Button]:
        return [button(label, ResultsShow(survey.id, days, code).pack())]

    title = pick(survey.title, w.locale)
    lines = ["📍 " + escape(_("Choose a place for “{title}”:").format(title=title))]
    if places.hidden:
        hidden = _("{n} more places have fewer than {min} responses and are not listed.")
        lines.append(escape(hidden.format(n=places.hidden, min=min_group)))
    province = place.split(".")[0] if place else ""
    if province:
        others = ResultsFilter(survey.id, days, ResultsStep.PLACES, "").pack()
        all_of = _("All of {place}").format(place=_place_name(province, w))
        rows = [[button("« " + _("Other provinces"), others)], show(all_of, province)]
    else:
        rows = [show("🇮🇩 " + _("All of Indonesia"), "")]
    rows += [show(f"{r.name} ({number(n, w.locale)})", r.code) for r, n in places.shown]
    return "\n".join(lines), keyboard(rows)


@personal
async def on_filter(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    tap = ResultsFilter.tapped(update)
    survey = svc.surveys.surveys.get(tap.survey_id) if tap else None
    if tap is None or survey is None or not _valid(tap.days, tap.place):
        await no_longer_active(update, w)
        return
    await toast(update)
    if tap.step is ResultsStep.LIST:
        await edit_or_send(update, context, w.chat_id, *await _list(context, w))
    elif tap.step is ResultsStep.PERIODS:
        text = "🗓 " + escape(w._("Choose a period:"))
        rows = [
            [button(_period_name(d, w), ResultsShow(survey.id, d, tap.place).pack())]
            for d in PERIODS
        ]
        await edit_or_send(update, context, w.chat_id, text, keyboard(rows))
    else:
        province = tap.place.split(".")[0] if tap.place else ""
        places = await svc.results.places(survey, tap.days, province)
        screen = _places_screen(survey, tap.days, tap.place, places, w, svc.results.min_group)
        await edit_or_send(update, context, w.chat_id, *screen)


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffCommandHandler(staff, ["hasil", "results"], start))
    app.add_handler(StaffButtonHandler(staff, on_show, pattern=ResultsShow.pattern))
    app.add_handler(StaffButtonHandler(staff, on_filter, pattern=ResultsFilter.pattern))
