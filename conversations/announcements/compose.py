"""/umumkan (/announce): staff compose an announcement, choose who receives it, see how many
and how long, preview it, and confirm (now or at a time in their own zone).

The content is the staff member's own message (text with its formatting, a photo or a
document with a caption): recipients get a copy of it (copyMessage), so they see exactly what
staff sent, and so does the preview. The draft lives in the awaiting state, written before
each screen is shown, so a restart resumes it and whatever staff type goes here. Each screen's
buttons carry the draft's number: a button of an older draft (or of one already sent) is no
longer active, and a confirm tapped twice makes one broadcast.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes

from bot.core import regions
from bot.core.announcements import TOPICS
from bot.core.audience import Audience, Kind, describe, duration
from bot.core.events.answers import Problem, Refused, parse_local
from bot.core.events.zones import ZONES
from bot.core.formatting import date_time, number, zone_name
from bot.core.results.tally import public
from bot.core.text import pick
from bot.i18n import Gettext
from bot.services.broadcasts import Confirming
from bot.services.results import PublicResults
from bot.storage.awaiting import Awaiting
from bot.storage.outbox import Content
from bot.storage.timefmt import from_db, to_db
from conversations.announcements import progress
from conversations.announcements.subscribe import way_out_keyboards
from conversations.events.render import details, label, title_of
from conversations.results import render as results_render
from conversations.results.public import interim_text
from conversations.staff.steps import EXAMPLE, PROBLEMS
from conversations.staff.wizard import FEATURE as EVENT_WIZARD
from handlers import input_router
from handlers.buttons import (
    AnnounceEvent,
    AnnounceResults,
    AudienceStep,
    ComposeAction,
    ComposeAudience,
    ComposeCancel,
    ComposeSummary,
)
from handlers.common import KEY, Who, no_longer_active, personal, services
from handlers.send import (
    Button,
    Keyboard,
    button,
    drop_buttons,
    edit_or_send,
    keyboard,
    send,
    toast,
)
from handlers.staff import StaffButtonHandler, StaffCommandHandler

FEATURE = "announce"
EVENTS_PAGE = 8
# Draft numbers ride in buttons (at most 12 digits); random, so two drafts never share one
# even when the clock stands still.
_DRAFTS = 10**12


@dataclass(frozen=True)
class Draft:
    """An announcement being composed. `step`: "content" (waiting for the message),
    "audience", "when" (waiting for a typed time) or "summary"."""

    number: int
    step: str
    content: Content | None = None
    audience: Audience | None = None
    urgent: bool = False
    at: datetime | None = None  # UTC; None: as soon as it is confirmed
    previewed: bool = False

    def state(self) -> dict[str, Any]:
        c = self.content
        return {
            "draft": self.number,
            "step": self.step,
            "content": [c.from_chat_id, c.message_id, c.fallback_text] if c else None,
            "audience": self.audience.to_json() if self.audience else None,
            "urgent": self.urgent,
            "at": to_db(self.at) if self.at else None,
            "previewed": self.previewed,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        try:
            c = state.get("content")
            return cls(
                number=int(state["draft"]),
                step=str(state["step"]),
                content=Content(int(c[0]), int(c[1]), str(c[2])) if c else None,
                audience=Audience.from_json(state.get("audience")),
                urgent=bool(state.get("urgent")),
                at=from_db(state["at"]) if state.get("at") else None,
                previewed=bool(state.get("previewed")),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            return None


async def _stored(context: ContextTypes.DEFAULT_TYPE, w: Who) -> Draft | None:
    awaiting = await services(context).awaiting.current(w.user_id)
    if awaiting is None or awaiting.feature != FEATURE:
        return None
    return Draft.from_state(awaiting.state)


async def _keep(context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft) -> None:
    await services(context).awaiting.expect(w.user_id, FEATURE, draft.state())


def _cancel_row(draft: Draft, _: Gettext) -> list[Button]:
    return [button(_("✖️ Cancel"), ComposeCancel(draft.number).pack())]


# -- the content -------------------------------------------------------------------------------


def _ask_content(draft: Draft, _: Gettext) -> tuple[str, Keyboard]:
    text = _(
        "Send the announcement as one message: text (bold, italic and links are kept), a "
        "photo with a caption, or a document with a caption. Subscribers will receive a copy "
        "of exactly that message."
    )
    return "<b>📣 " + escape(_("New announcement")) + "</b>\n\n" + escape(text), keyboard(
        [_cancel_row(draft, _)]
    )


async def _making_an_event(context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """Whether an event is half made in /buatacara (and staff were told to finish it first):
    it waits for typed input in the same place a draft does, and would be replaced."""
    awaiting = await services(context).awaiting.current(w.user_id)
    if awaiting is None or awaiting.feature != EVENT_WIZARD:
        return False
    text = w._(
        "You have an event in progress. Type /buatacara to finish it, or tap ✖️ Cancel "
        "there, then /umumkan again."
    )
    await send(context, w.chat_id, escape(text))
    return True


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """A new draft (one in progress is dropped: /umumkan means starting again)."""
    if await _making_an_event(context, w):
        return
    draft = Draft(secrets.randbelow(_DRAFTS - 1) + 1, "content")
    await _keep(context, w, draft)
    await send(context, w.chat_id, *_ask_content(draft, w._))


async def on_input(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, awaiting: Awaiting | None
) -> None:
    """The announcement itself, or a typed time; anything else is a polite pointer."""
    svc = services(context)
    draft = Draft.from_state(awaiting.state) if awaiting else None
    message = update.effective_message
    if draft is None or message is None or not svc.staff.is_staff(w.user_id):
        await svc.awaiting.done(w.user_id, FEATURE)
        await send(context, w.chat_id, escape(w._("The announcement was stopped.")))
        return
    if draft.step == "when":
        await _typed_time(context, w, draft, message.text)
        return
    if draft.step != "content":
        await send(context, w.chat_id, escape(w._("Please choose with the buttons.")))
        return
    if message.text is not None:
        shown = message.text
    elif message.photo or message.document:
        shown = message.caption or ""
    else:
        text = w._(
            "This kind of message cannot be announced. Please send text, a photo or a "
            "document (with a caption if you like)."
        )
        await send(context, w.chat_id, escape(text), keyboard([_cancel_row(draft, w._)]))
        return
    draft = replace(draft, step="audience", content=Content(w.chat_id, message.message_id, shown))
    await _keep(context, w, draft)
    await send(context, w.chat_id, *_menu(draft, w._))


async def take_document(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """A document staff send while composing is the announcement, not an events file to
    import (conversations/staff/upload.py asks here first). Whether it was taken."""
    awaiting = await services(context).awaiting.current(w.user_id)
    if awaiting is None or awaiting.feature != FEATURE:
        return False
    await on_input(update, context, w, awaiting)
    return True


# -- the audience ------------------------------------------------------------------------------


def _tap(draft: Draft, step: AudienceStep, arg: str = "") -> str:
    return ComposeAudience(draft.number, step, arg).pack()


def _pairs(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _menu(draft: Draft, _: Gettext) -> tuple[str, Keyboard]:
    rows = [
        [button(_("👥 All subscribers"), _tap(draft, AudienceStep.ALL))],
        [button(_("🏷 Subscribers to a topic"), _tap(draft, AudienceStep.TOPICS))],
        [button(_("📍 Subscribers in a region"), _tap(draft, AudienceStep.PROVINCES))],
        [button(_("🎟 Registrants of an event"), _tap(draft, AudienceStep.EVENTS, "0"))],
        [button(_("📋 Respondents of a survey"), _tap(draft, AudienceStep.SURVEYS, "done"))],
        [
            button(
                _("⏳ Started a survey, not finished"),
                _tap(draft, AudienceStep.SURVEYS, "unfinished"),
            )
        ],
        _cancel_row(draft, _),
    ]
    return escape(_("Who should receive it?")), keyboard(rows)


def _back(draft: Draft, _: Gettext, step: AudienceStep = AudienceStep.MENU) -> list[Button]:
    return [button(_("◀️ Back"), _tap(draft, step))]


async def _screen(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft, step: AudienceStep, arg: str
) -> tuple[str, Keyboard] | Audience | None:
    """The next picker screen, the audience chosen, or None for a button no screen of this
    draft carries (forged, or of something gone since)."""
    svc, _ = services(context), w._
    if step is AudienceStep.MENU:
        return _menu(draft, _)
    if step is AudienceStep.ALL:
        return Audience(Kind.ALL)
    if step is AudienceStep.TOPICS:
        rows = [[button(_(name), _tap(draft, AudienceStep.TOPIC, t))] for t, name in TOPICS.items()]
        return escape(_("Which topic?")), keyboard([*rows, _back(draft, _)])
    if step is AudienceStep.TOPIC:
        return Audience(Kind.TOPIC, topic=arg) if arg in TOPICS else None
    if step is AudienceStep.PROVINCES:
        choices = [
            button(p.name, _tap(draft, AudienceStep.PROVINCE, p.code)) for p in regions.provinces()
        ]
        text = escape(_("Which province? Then choose all of it or one regency or city."))
        return text, keyboard([*_pairs(choices), _back(draft, _)])
    if step is AudienceStep.PROVINCE:
        province = regions.by_code(arg) if "." not in arg else None
        if province is None:
            return None
        whole = _("All of {province}").format(province=province.name)
        choices = [
            button(r.name, _tap(draft, AudienceStep.REGION, r.code))
            for r in regions.regencies(province.code)
        ]
        rows = [[button(whole, _tap(draft, AudienceStep.REGION, province.code))]]
        text = escape(_("Subscribers in which part of {province}?").format(province=province.name))
        return text, keyboard([*rows, *_pairs(choices), _back(draft, _, AudienceStep.PROVINCES)])
    if step is AudienceStep.REGION:
        return Audience(Kind.REGION, region=arg) if regions.by_code(arg) else None
    if step is AudienceStep.EVENTS:
        return await _events(context, w, draft, int(arg) if arg.isdecimal() and len(arg) < 4 else 0)
    if step is AudienceStep.EVENT:
        event = await svc.event_admin.event(int(arg)) if arg.isdecimal() and len(arg) < 13 else None
        return Audience(Kind.EVENT, event_id=event.id) if event and event.id else None
    if step is AudienceStep.SURVEYS and arg in ("done", "unfinished"):
        then = AudienceStep.SURVEY if arg == "done" else AudienceStep.UNFINISHED
        rows = [
            [button(pick(s.title, w.locale), _tap(draft, then, s.id))]
            for s in svc.surveys.surveys.values()
        ]
        question = _("Respondents of which survey?") if arg == "done" else _("Which survey?")
        return escape(question), keyboard([*rows, _back(draft, _)])
    if step in (AudienceStep.SURVEY, AudienceStep.UNFINISHED) and arg in svc.surveys.surveys:
        kind = Kind.SURVEY if step is AudienceStep.SURVEY else Kind.UNFINISHED
        return Audience(kind, survey_id=arg)
    return None


async def _events(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft, page: int
) -> tuple[str, Keyboard]:
    """Upcoming events, soonest first, then the last few held: whose registrants to tell."""
    events = await services(context).event_admin.listed()
    pages = max(1, -(-len(events) // EVENTS_PAGE))
    page = min(page, pages - 1)
    rows = [
        [button(label(e, w.locale), _tap(draft, AudienceStep.EVENT, str(e.id or 0)))]
        for e in events[page * EVENTS_PAGE : (page + 1) * EVENTS_PAGE]
    ]
    paging: list[Button] = []
    if page > 0:
        paging.append(button(w._("« Previous"), _tap(draft, AudienceStep.EVENTS, str(page - 1))))
    if page + 1 < pages:
        paging.append(button(w._("Next »"), _tap(draft, AudienceStep.EVENTS, str(page + 1))))
    text = w._("The registrants (with a seat) of which event?") if events else w._("No events yet.")
    return escape(text), keyboard([*rows, paging, _back(draft, w._)])


@personal
async def on_audience(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ComposeAudience.tapped(update)
    draft = await _stored(context, w)
    if tap is None or draft is None or tap.draft != draft.number or draft.step != "audience":
        await no_longer_active(update, w)
        return
    try:
        found = await _screen(context, w, draft, tap.step, tap.arg)
    except ValueError:  # an audience its own checks refuse (a region code no longer known)
        found = None
    if found is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    if isinstance(found, tuple):
        await edit_or_send(update, context, w.chat_id, *found)
        return
    draft = replace(draft, audience=found, step="summary")
    if draft.previewed:
        await _keep(context, w, draft)
        await edit_or_send(update, context, w.chat_id, *await _summary(context, w, draft))
        return
    draft = replace(draft, previewed=True)
    await _keep(context, w, draft)
    who = "👥 " + escape(await _who(context, w, draft.audience or found))
    await edit_or_send(update, context, w.chat_id, who)
    await _show_with_preview(context, w, draft)


async def _show_with_preview(context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft) -> None:
    """The preview (a copy, as recipients will get it), then the summary under it."""
    if draft.content is not None:
        try:
            await context.bot.do_api_request(
                "copyMessage",
                api_kwargs={
                    "chat_id": w.chat_id,
                    "from_chat_id": draft.content.from_chat_id,
                    "message_id": draft.content.message_id,
                    # With the way-out button every copy carries (in the staff's language).
                    "reply_markup": way_out_keyboards(services(context).i18n)[w.locale],
                },
            )
        except BadRequest:  # the staff member deleted their message meanwhile
            draft = replace(draft, step="content", content=None, previewed=False)
            await _keep(context, w, draft)
            note = w._("Your message could not be copied (was it deleted?). Please send it again.")
            await send(context, w.chat_id, escape(note), keyboard([_cancel_row(draft, w._)]))
            return
    await send(context, w.chat_id, *await _summary(context, w, draft))


# -- the summary -------------------------------------------------------------------------------


async def _who(context: ContextTypes.DEFAULT_TYPE, w: Who, audience: Audience) -> str:
    svc = services(context)
    event_title = survey_title = ""
    if audience.event_id is not None:
        event = await svc.event_admin.event(audience.event_id)
        event_title = title_of(event, w.locale) if event else str(audience.event_id)
    if audience.survey_id is not None:
        survey = svc.surveys.surveys.get(audience.survey_id)
        survey_title = pick(survey.title, w.locale) if survey else audience.survey_id
    return describe(audience, w._, event_title=event_title, survey_title=survey_title)


async def _zone(context: ContextTypes.DEFAULT_TYPE, w: Who) -> tzinfo:
    svc = services(context)
    return await svc.events.zone_for(w.user_id, svc.settings.zone)


async def _summary(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft, note: str = ""
) -> tuple[str, Keyboard]:
    svc, _ = services(context), w._
    audience = draft.audience
    assert audience is not None  # a summary is shown only once the audience is chosen
    count = await svc.broadcasts.count(audience)
    lines = [
        "<b>📣 " + escape(_("Ready to announce")) + "</b>",
        "",
        "👥 " + escape(await _who(context, w, audience)),
        "🔢 " + escape(_("Recipients: {count} people").format(count=number(count, w.locale))),
        "⏱ "
        + escape(
            _("Sending takes about {time} at {rate} messages a second.").format(
                time=duration(svc.broadcasts.eta(count), w.locale),
                rate=number(svc.settings.broadcast_per_second, w.locale),
            )
        ),
    ]
    quiet = svc.settings.quiet
    if quiet is None:
        lines.append("🌙 " + escape(_("No quiet hours are set: it goes out day and night.")))
    elif draft.urgent:
        lines.append("🚨 " + escape(_("Urgent: delivered at night too.")))
    else:
        text = _(
            "Quiet hours on: nobody receives it between {start} and {end} their time; they "
            "get it in the morning."
        )
        span = {"start": f"{quiet.start:%H.%M}", "end": f"{quiet.end:%H.%M}"}
        lines.append("🌙 " + escape(text.format(**span)))
        # Where it is night at the moment it goes out, say so: those people wait for morning.
        moment = draft.at or svc.clock.now()
        asleep = quiet.quiet_zones(moment, ZONES)
        if asleep:
            names = ", ".join(zone_name(ZoneInfo(z), moment) for z in ZONES if z in asleep)
            later = _("It is night then in {zones}: people there get it from {end} their time.")
            lines.append("🌙 " + escape(later.format(zones=names, end=span["end"])))
    if draft.at is None:
        lines.append("🕘 " + escape(_("Sent as soon as you confirm.")))
    else:
        at = date_time(draft.at, await _zone(context, w), w.locale)
        lines.append("🕘 " + escape(_("Scheduled: {time}").format(time=at)))
    lines += ["", escape(_("The message above is exactly what they will receive."))]
    if count == 0:
        lines += ["", "⚠️ " + escape(_("Nobody matches these recipients. Please choose others."))]
    if note:
        lines = [note, "", *lines]

    def tap(action: ComposeAction) -> str:
        return ComposeSummary(draft.number, action).pack()

    if draft.at is None:
        rows = [
            [button(_("✅ Send now"), tap(ComposeAction.SEND))],
            [button(_("🕘 Schedule"), tap(ComposeAction.SCHEDULE))],
        ]
    else:
        rows = [
            [button(_("✅ Confirm the schedule"), tap(ComposeAction.SEND))],
            [
                button(_("🕘 Change the time"), tap(ComposeAction.SCHEDULE)),
                button(_("⚡ Send now instead"), tap(ComposeAction.NOW)),
            ],
        ]
    if quiet is not None:
        mark = "✅ " if draft.urgent else "⬜ "
        rows.append([button(mark + _("Urgent: also at night"), tap(ComposeAction.URGENT))])
    rows.append(
        [button(_("✏️ Change recipients"), tap(ComposeAction.AUDIENCE)), *_cancel_row(draft, _)]
    )
    return "\n".join(lines), keyboard(rows)


async def _ask_time(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft
) -> tuple[str, Keyboard]:
    zone = await _zone(context, w)
    now = services(context).clock.now()
    zone_name = format_datetime(now, "zzz", tzinfo=zone, locale="id")
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).strftime("%d/%m/%Y") + " 09.00"
    text = w._("When should it go out? Type the date and time in {zone}, e.g. {example}.")
    back = button(w._("◀️ Back"), ComposeSummary(draft.number, ComposeAction.SUMMARY).pack())
    return escape(text.format(zone=zone_name, example=tomorrow)), keyboard(
        [[back, *_cancel_row(draft, w._)]]
    )


async def _typed_time(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft, typed: str | None
) -> None:
    svc = services(context)
    local = parse_local(typed) if typed is not None else Refused(Problem.NOT_TEXT)
    if isinstance(local, datetime):
        at = local.replace(tzinfo=await _zone(context, w))
        local = Refused(Problem.IN_PAST) if at <= svc.clock.now() else local
    if isinstance(local, Refused):
        note = w._(PROBLEMS[local.problem]).format(example=EXAMPLE)
        text, markup = await _ask_time(context, w, draft)
        await send(context, w.chat_id, escape(note) + "\n\n" + text, markup)
        return
    draft = replace(draft, step="summary", at=at.astimezone(UTC))
    await _keep(context, w, draft)
    await send(context, w.chat_id, *await _summary(context, w, draft))


@personal
async def on_summary(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ComposeSummary.tapped(update)
    draft = await _stored(context, w)
    if tap is None or draft is None or tap.draft != draft.number or draft.audience is None:
        await no_longer_active(update, w)
        return
    action = tap.action
    allowed = ("summary", "when") if action is ComposeAction.SUMMARY else ("summary",)
    if draft.step not in allowed or (action is ComposeAction.NOW and draft.at is None):
        await no_longer_active(update, w)
        return
    if action is ComposeAction.SEND:
        await _confirm(update, context, w, draft)
        return
    await toast(update)
    if action is ComposeAction.SCHEDULE:
        draft = replace(draft, step="when")
        await _keep(context, w, draft)
        await edit_or_send(update, context, w.chat_id, *await _ask_time(context, w, draft))
        return
    if action is ComposeAction.AUDIENCE:
        draft = replace(draft, step="audience")
        await _keep(context, w, draft)
        await edit_or_send(update, context, w.chat_id, *_menu(draft, w._))
        return
    if action is ComposeAction.URGENT:
        draft = replace(draft, urgent=not draft.urgent)
    elif action is ComposeAction.NOW:
        draft = replace(draft, at=None)
    draft = replace(draft, step="summary")
    await _keep(context, w, draft)
    await edit_or_send(update, context, w.chat_id, *await _summary(context, w, draft))


async def _confirm(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, draft: Draft
) -> None:
    svc = services(context)
    assert draft.content is not None and draft.audience is not None
    done = await svc.broadcasts.confirm(
        staff=w.user_id,
        draft=draft.number,
        content=draft.content,
        audience=draft.audience,
        quiet_hours=not draft.urgent,
        scheduled_at=draft.at,
        locale=w.locale,
    )
    if done.outcome is Confirming.NOBODY:
        await toast(update, w._("Nobody would receive it. Please choose other recipients."))
        return
    await toast(update)
    if done.outcome is Confirming.PAST:
        draft = replace(draft, at=None)
        await _keep(context, w, draft)
        note = escape(w._("That time has already passed. Please give a time in the future."))
        await edit_or_send(update, context, w.chat_id, *await _summary(context, w, draft, note))
        return
    svc.sender.wake()  # at once, rather than at its next look for due deliveries
    await svc.awaiting.done(w.user_id, FEATURE)
    count = number(done.count, w.locale)
    if draft.at is None:
        text = w._("✅ Confirmed: sending to {count} people.").format(count=count)
    else:
        at = date_time(draft.at, await _zone(context, w), w.locale)
        text = w._("🕘 Scheduled for {time}: {count} people will receive it.").format(
            time=at, count=count
        )
    await edit_or_send(update, context, w.chat_id, escape(text))
    await progress.show(context, done.broadcast_id)  # the one message kept up to date


@personal
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ComposeCancel.tapped(update)
    draft = await _stored(context, w)
    if tap is None or draft is None or tap.draft != draft.number:
        await no_longer_active(update, w)
        return
    await toast(update)
    await services(context).awaiting.done(w.user_id, FEATURE)
    await edit_or_send(update, context, w.chat_id, escape(w._("Cancelled. Nothing was sent.")))


# -- announcing a new event --------------------------------------------------------------------


@personal
async def on_event(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """📣 under a published event: its card is the content (sent here, so that message is
    what gets copied, and it is the preview), to subscribers to events in its region."""
    tap = AnnounceEvent.tapped(update)
    svc = services(context)
    event = await svc.event_admin.event(tap.event_id) if tap else None
    if event is None or event.id is None or not svc.event_admin.is_upcoming(event):
        await no_longer_active(update, w)
        return
    await toast(update)
    if await _making_an_event(context, w):
        return
    query = update.callback_query
    await drop_buttons(context, query.message if query else None)
    card, _markup = details(event, 0, w._, w.locale)
    card += "\n\n" + escape(w._("Register with /acara."))
    audience = Audience(Kind.TOPIC, topic="events", region=event.region)
    await prefilled(context, w, card, title_of(event, w.locale), audience)


async def prefilled(
    context: ContextTypes.DEFAULT_TYPE, w: Who, text: str, title: str, audience: Audience
) -> None:
    """A draft the bot wrote: `text` is sent here, so that message is what gets copied and is
    its own preview; then the summary, with `audience` chosen (staff may change it)."""
    message_id = await send(context, w.chat_id, text)
    draft = Draft(
        secrets.randbelow(_DRAFTS - 1) + 1,
        "summary",
        content=Content(w.chat_id, message_id, title),
        audience=audience,
        previewed=True,
    )
    await _keep(context, w, draft)
    await send(context, w.chat_id, *await _summary(context, w, draft))


# -- announcing interim results ------------------------------------------------------------------


@personal
async def on_results(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """📣 under /hasil: the survey's interim results (its public questions, all respondents,
    the small-group rule as everywhere) to the people who completed it."""
    tap = AnnounceResults.tapped(update)
    svc = services(context)
    survey = svc.surveys.surveys.get(tap.survey_id) if tap else None
    shown = public(survey) if survey else []
    if survey is None or not shown:
        await no_longer_active(update, w)
        return
    summary = await svc.results.summary(survey, results_render.labels(w), only=shown)
    if summary.suppressed or all(c.suppressed for c in summary.choices):
        await toast(update, w._("Too few people have answered to announce results yet."))
        return
    await toast(update)
    if await _making_an_event(context, w):
        return
    text = interim_text(PublicResults(summary, None, False), w, svc.results.min_group)
    audience = Audience(Kind.SURVEY, survey_id=survey.id)
    await prefilled(context, w, text, pick(survey.title, w.locale), audience)


def register(app: Application) -> None:
    staff = app.bot_data[KEY].staff
    app.add_handler(StaffCommandHandler(staff, ["umumkan", "announce"], start))
    app.add_handler(StaffButtonHandler(staff, on_audience, pattern=ComposeAudience.pattern))
    app.add_handler(StaffButtonHandler(staff, on_summary, pattern=ComposeSummary.pattern))
    app.add_handler(StaffButtonHandler(staff, on_cancel, pattern=ComposeCancel.pattern))
    app.add_handler(StaffButtonHandler(staff, on_event, pattern=AnnounceEvent.pattern))
    app.add_handler(StaffButtonHandler(staff, on_results, pattern=AnnounceResults.pattern))
    input_router.claim(app, FEATURE, on_input)
