"""The one message staff watch while a broadcast runs, its ⏸/▶️/⛔ buttons, and the summary it
becomes at the end.

`show` sends it (after /umumkan confirms, or again from /siaran) and stores where it is in the
broadcast's row; `refresh_all`, run every few seconds by the job queue, edits each such message
whose text changed, until the broadcast is done or cancelled and the message shows the summary.
Because where the message is lives in the database, a restart goes on editing the same one.

Edits go through the bot's normal path (PTB's rate limiter, which also paces replies), and a
message is edited only when what it says changed: Telegram refuses an edit to the same text,
and a broadcast of hours would otherwise cost thousands of pointless requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from html import escape
from typing import Any

from babel.dates import format_timedelta
from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackContext, ContextTypes

from bot.core.formatting import date_time, number
from bot.i18n import Gettext
from bot.services.broadcast_control import Progress
from bot.storage.broadcasts import Broadcast
from conversations.announcements.history import STATES, audience_words, excerpt
from handlers.buttons import BroadcastAction, BroadcastTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Keyboard, button, keyboard, send, toast
from handlers.staff import StaffButtonHandler

log = logging.getLogger(__name__)

EVERY = 3.0  # seconds between looks: at most one edit per broadcast that often
EXCERPT = 80  # characters of the broadcast's text under its title
FAILURE_REASONS = 5  # reasons listed in a summary; the rest are counted together
_KEY = "broadcast_progress"


@dataclass
class _Shown:
    """What each progress message shows now, so that it is edited only when that changes.
    Kept in memory: after a restart the first look edits each message once (if it says the
    same, Telegram's "not modified" is taken as shown)."""

    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    # One look or one tap at a time: two of them drawing the same new text would both edit,
    # and Telegram refuses the second.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _shown(context: ContextTypes.DEFAULT_TYPE) -> _Shown:
    found: _Shown = context.application.bot_data.setdefault(_KEY, _Shown())
    return found


def _tap(action: BroadcastAction, broadcast: int) -> str:
    return BroadcastTap(action, broadcast).pack()


def _count(label: str, value: int, locale: str) -> str:
    return escape(label.format(n=number(value, locale)))


def render(
    progress: Progress, _: Gettext, locale: str, zone: tzinfo, audience: str
) -> tuple[str, Keyboard | None]:
    """The progress message, or the summary once the broadcast is finished."""
    b, c = progress.broadcast, progress.counts
    lines = ["<b>" + escape(_("📣 Broadcast #{id}").format(id=b.id)) + "</b>"]
    if b.fallback_text:
        lines.append("<i>" + escape(excerpt(b.fallback_text, EXCERPT)) + "</i>")
    lines += ["👥 " + escape(audience), ""]
    state = progress.state
    if state == "scheduled" and b.scheduled_at is not None:
        when = date_time(b.scheduled_at, zone, locale)
        lines.append(escape(_("🕘 Scheduled for {when}").format(when=when)))
    elif state == "paused":
        lines.append(escape(_("⏸ Paused: nothing is sent until you resume it")))
    else:
        lines.append(escape(_(STATES.get(state, STATES["cancelled"]))))
    lines += [
        escape(
            _("Sent: {n} of {total}").format(
                n=number(c.sent, locale), total=number(c.total, locale)
            )
        ),
        _count(_("Failed: {n}"), c.failed, locale),
        _count(_("Blocked the bot (skipped): {n}"), c.skipped, locale),
    ]
    if progress.finished:
        if c.pending:
            lines.append(_count(_("Not reached (cancelled): {n}"), c.pending, locale))
        lines += _summary(progress, _, locale)
        return "\n".join(lines), None
    lines += [
        _count(_("Waiting for quiet hours to end: {n}"), progress.waiting, locale),
        _count(_("Remaining: {n}"), c.pending, locale),
    ]
    if progress.eta is not None and state != "paused":
        finish = date_time(progress.eta, zone, locale)
        lines.append(escape(_("Estimated finish: {when}").format(when=finish)))
    return "\n".join(lines), _controls(progress, _)


def _summary(progress: Progress, _: Gettext, locale: str) -> list[str]:
    b = progress.broadcast
    lines: list[str] = []
    began = b.scheduled_at or b.created_at  # confirmed, or due: quiet hours and pauses count
    if b.finished_at is not None and progress.counts.sent:
        taken = max(b.finished_at - began, timedelta(0))
        took = format_timedelta(taken, threshold=1, locale=locale)
        lines.append(escape(_("Time taken: {duration}").format(duration=took)))
    if progress.failures:
        lines += ["", escape(_("Failed, by reason:"))]
        for reason, count in progress.failures[:FAILURE_REASONS]:
            said = excerpt(reason or _("no reason given"), 80)
            lines.append(f"• {escape(said)}: {number(count, locale)}")
        rest = sum(n for _reason, n in progress.failures[FAILURE_REASONS:])
        if rest:
            lines.append("• " + escape(_("other reasons: {n}").format(n=number(rest, locale))))
    return lines


def _controls(progress: Progress, _: Gettext) -> Keyboard:
    broadcast = progress.broadcast.id
    cancel = button(_("⛔ Cancel"), _tap(BroadcastAction.CANCEL, broadcast))
    if progress.state == "scheduled":
        return keyboard([[cancel]])
    if progress.state == "paused":
        return keyboard([[button(_("▶️ Resume"), _tap(BroadcastAction.RESUME, broadcast)), cancel]])
    return keyboard([[button(_("⏸ Pause"), _tap(BroadcastAction.PAUSE, broadcast)), cancel]])


async def _draw(
    context: ContextTypes.DEFAULT_TYPE, broadcast: int, locale: str, viewer: int
) -> tuple[Progress, str, Keyboard | None] | None:
    """The broadcast's message in `locale`, times in the zone of `viewer` (a staff member)."""
    svc = services(context)
    progress = await svc.broadcast_control.progress(broadcast)
    if progress is None:
        return None
    _ = svc.i18n.gettext(locale)
    zone = await svc.events.zone_for(viewer, svc.settings.zone)
    words = await audience_words(context, progress.broadcast, _, locale)
    return progress, *render(progress, _, locale, zone, words)


async def show(
    context: ContextTypes.DEFAULT_TYPE,
    broadcast_id: int,
    chat_id: int | None = None,
    locale: str | None = None,
) -> None:
    """Send the broadcast's progress message (its summary, once finished) to `chat_id` (by
    default the staff member who created it, in the language they created it in) and, while it
    runs, make that the message kept up to date. Called when /umumkan confirms a broadcast."""
    svc = services(context)
    broadcast = await svc.broadcast_control.get(broadcast_id)
    if broadcast is None:
        return
    chat = chat_id if chat_id is not None else broadcast.created_by
    locale = locale or broadcast.locale
    shown = _shown(context)
    async with shown.lock:
        drawn = await _draw(context, broadcast_id, locale, chat)
        if drawn is None:
            return
        progress, text, markup = drawn
        message = await send(context, chat, text, markup)
        if progress.finished and broadcast.summarised_at is not None:
            return  # a summary shown again: nothing left to keep up to date
        old = (broadcast.progress_chat_id, broadcast.progress_message_id)
        await svc.broadcast_control.attach(broadcast_id, chat, message, locale)
        if progress.finished:
            await svc.broadcast_control.summarised(broadcast_id)
        else:
            shown.texts[(chat, message)] = _fingerprint(text, markup)
        if old[0] is not None and old[1] is not None and old != (chat, message):
            await _retire(context, old[0], old[1])


async def _retire(context: ContextTypes.DEFAULT_TYPE, chat: int, message: int) -> None:
    """Take the buttons off a progress message another one replaced: it no longer changes."""
    _shown(context).texts.pop((chat, message), None)
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.do_api_request(
            "editMessageReplyMarkup", api_kwargs={"chat_id": chat, "message_id": message}
        )


def _fingerprint(text: str, markup: Keyboard | None) -> str:
    return text + "\n" + json.dumps(markup, sort_keys=True)


async def _edit(
    context: ContextTypes.DEFAULT_TYPE, chat: int, message: int, text: str, markup: Keyboard | None
) -> bool:
    """Edit the message if what it shows changed; False if it could not be (deleted, or the
    staff member blocked the bot). The caller holds the lock."""
    shown = _shown(context)
    seen = _fingerprint(text, markup)
    if shown.texts.get((chat, message)) == seen:
        return True
    params: dict[str, Any] = {
        "chat_id": chat,
        "message_id": message,
        "text": text,
        "parse_mode": "HTML",
    }
    if markup:
        params["reply_markup"] = markup
    try:
        await context.bot.do_api_request("editMessageText", api_kwargs=params)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # it shows this already (after a restart)
            log.info("Progress message %s in %s not edited: %s", message, chat, exc)
            return False
    except Forbidden as exc:
        log.info("Progress message %s in %s not edited: %s", message, chat, exc)
        return False
    shown.texts[(chat, message)] = seen
    return True


async def _refresh(context: ContextTypes.DEFAULT_TYPE, broadcast: Broadcast) -> None:
    chat, message = broadcast.progress_chat_id, broadcast.progress_message_id
    if chat is None or message is None:
        return
    drawn = await _draw(context, broadcast.id, broadcast.locale, chat)
    if drawn is None:
        return
    progress, text, markup = drawn
    control = services(context).broadcast_control
    if await _edit(context, chat, message, text, markup):
        if progress.finished:
            await control.summarised(broadcast.id)
            _shown(context).texts.pop((chat, message), None)  # never edited again
        return
    # Deleted, too old to edit, or the chat is gone: a new message, or none at all.
    _shown(context).texts.pop((chat, message), None)
    with contextlib.suppress(BadRequest, Forbidden):
        sent = await send(context, chat, text, markup)
        await control.attach(broadcast.id, chat, sent, broadcast.locale)
        if not progress.finished:
            _shown(context).texts[(chat, sent)] = _fingerprint(text, markup)
            return
    await control.summarised(broadcast.id)  # shown, or nowhere to show it: stop looking


async def refresh_all(app: Application) -> None:
    """Bring every progress message up to date, once: the job queue runs it every EVERY
    seconds, tests call it after moving the clock."""
    context: ContextTypes.DEFAULT_TYPE = CallbackContext(app)
    control = services(context).broadcast_control
    shown = _shown(context)
    async with shown.lock:
        for broadcast_id in await control.watched():
            broadcast = await control.get(broadcast_id)
            if broadcast is None:
                continue
            try:
                await _refresh(context, broadcast)
            except Exception:  # one broadcast's trouble must not stop the others' messages
                log.exception("Updating the progress of broadcast %s failed", broadcast_id)


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await refresh_all(context.application)
    except Exception:  # the next look tries again; a bug must not stop the job
        log.exception("Updating broadcast progress messages failed")


def start(app: Application) -> None:
    """Start the looks (after the application started): the messages are found in the
    database, so a restart carries on with the same ones."""
    if app.job_queue is not None:
        app.job_queue.run_repeating(_tick, EVERY, first=EVERY, name="broadcast-progress")


# -- the buttons ---------------------------------------------------------------------------


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = BroadcastTap.tapped(update)
    svc = services(context)
    broadcast = None if tap is None else await svc.broadcast_control.get(tap.broadcast_id)
    if tap is None or broadcast is None:
        await no_longer_active(update, w)
        return
    if tap.action is BroadcastAction.OPEN:
        await toast(update)
        await show(context, broadcast.id, w.chat_id, w.locale)
        return
    if tap.action is BroadcastAction.CANCEL:
        await _ask_cancel(update, context, w, broadcast)
        return
    if tap.action is BroadcastAction.KEEP:
        await toast(update, w._("The broadcast goes on."))
        await _close_question(update, context, w._("Not cancelled: the broadcast goes on."))
        return
    control = svc.broadcast_control
    change = {
        BroadcastAction.PAUSE: (control.pause, w._("Paused.")),
        BroadcastAction.RESUME: (control.resume, w._("Resumed.")),
        BroadcastAction.CONFIRM: (control.cancel, w._("Cancelled.")),
    }
    act, done = change[tap.action]
    if not await act(broadcast.id, w.user_id):
        # Finished meanwhile, or someone else did it first: the message shows where it is.
        await no_longer_active(update, w)
        return
    await toast(update, done)
    if tap.action is BroadcastAction.RESUME:
        svc.sender.resume(broadcast.id)  # at once, rather than at its next look
    else:  # paused or cancelled: the copies it already took stay unsent too
        svc.sender.halt(broadcast.id)
    if tap.action is BroadcastAction.CONFIRM:
        await _close_question(update, context, _cancelled_text(w, broadcast.id))
    await _redraw(context, broadcast.id)


def _cancelled_text(w: Who, broadcast: int) -> str:
    return w._("Broadcast #{id} is cancelled. Nobody else receives it.").format(id=broadcast)


async def _redraw(context: ContextTypes.DEFAULT_TYPE, broadcast_id: int) -> None:
    """The progress message at once after a tap, not at the next look."""
    shown = _shown(context)
    async with shown.lock:
        broadcast = await services(context).broadcast_control.get(broadcast_id)
        if broadcast is not None and broadcast.summarised_at is None:
            await _refresh(context, broadcast)


async def _ask_cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, broadcast: Broadcast
) -> None:
    """A question of its own, below: the progress message keeps changing meanwhile."""
    await toast(update)
    if broadcast.finished:
        await send(context, w.chat_id, escape(w._("This broadcast has already finished.")))
        return
    counts = await services(context).broadcast_control.broadcasts.counts(broadcast.id)
    question = w._(
        "Cancel broadcast #{id}? The {n} people not reached yet will not receive it. "
        "What was sent stays sent."
    ).format(id=broadcast.id, n=number(counts.pending, w.locale))
    await send(
        context,
        w.chat_id,
        escape(question),
        keyboard(
            [
                [
                    button(w._("Yes, cancel it"), _tap(BroadcastAction.CONFIRM, broadcast.id)),
                    button(w._("No, carry on"), _tap(BroadcastAction.KEEP, broadcast.id)),
                ]
            ]
        ),
    )


async def _close_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """The "cancel?" question answered: it says what happened, and its buttons go."""
    query = update.callback_query
    message = query.message if query else None
    if message is None:
        return
    with contextlib.suppress(BadRequest):
        await context.bot.do_api_request(
            "editMessageText",
            api_kwargs={
                "chat_id": message.chat.id,
                "message_id": message.message_id,
                "text": escape(text),
                "parse_mode": "HTML",
            },
        )


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffButtonHandler(staff, on_tap, pattern=BroadcastTap.pattern))
