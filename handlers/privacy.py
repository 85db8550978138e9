"""/dataku and /hapusdata: people see and delete what is stored about them (UU PDP).

/dataku answers in words, then sends everything held as a JSON file (every row of every table
that holds the person's data: profile, consents with their dates, answers, registrations,
subscriptions, deliveries, wishes), the copy UU PDP's right of access asks for.
"""

from __future__ import annotations

import json
from html import escape
from typing import Final

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core.formatting import date_time
from bot.core.survey import engine
from bot.core.survey.display import asked_as, describe
from bot.core.text import pick
from bot.i18n import LANGUAGE_NAMES, N_
from bot.services.people import (
    ANNOUNCEMENTS_PURPOSE,
    EVENTS_PURPOSE,
    SURVEY_PURPOSE,
    WISHES_PURPOSE,
)
from conversations.announcements.subscribe import region_names, topic_names
from conversations.events.ask import wish_line
from conversations.events.render import place_status, title_of
from handlers.buttons import Erase, Withdraw
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import button, edit_or_send, keyboard, send, send_file, toast

# Telegram caps a message at 4096 characters; long histories are cut with a note.
MESSAGE_BUDGET = 3800


@personal
async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    _ = w._
    svc = services(context)
    user = await svc.people.get(w.user_id)
    if user is None:
        await send(context, w.chat_id, escape(_("We keep no data about you.")))
        return
    lines = [
        "<b>" + escape(_("Your data")) + "</b>",
        escape(_("Telegram ID: {id}").format(id=w.user_id)),
        escape(_("Language: {locale}").format(locale=LANGUAGE_NAMES.get(user.locale, user.locale))),
    ]
    # Times that are the person's own (not an event's) read in their zone when known.
    zone = await svc.events.zone_for(w.user_id, svc.settings.zone)
    session, _expired = await svc.surveys.current(w.user_id)
    if session is not None:
        open_survey = svc.surveys.survey_of(session)
        # Only the answers the skip logic keeps: one to a question that no longer shows (its
        # condition was answered otherwise) is dropped on submitting, so it is not counted.
        kept = engine.relevant_answers(open_survey, session.answers)
        title = pick(open_survey.title, w.locale)
        progress = _("In progress: “{title}”, {n} answers so far.")
        lines.append(escape(progress.format(title=title, n=len(kept))))
    for response in await svc.surveys.submitted(w.user_id):
        survey = await svc.surveys.version_of(response.survey_id, response.survey_version)
        if survey is None:
            continue  # its survey file was removed; /hapusdata still deletes the answers
        when = date_time(response.submitted_at, zone, w.locale)
        lines += ["", "<b>" + escape(pick(survey.title, w.locale)) + "</b> — " + escape(when)]
        # Calculations too (kept with the answers at submit): everything held is shown, in
        # the form's order; an answer the form would not show today (a condition on today's
        # date, say) is still held, so it is listed after them.
        slots = engine.visible(survey, response.answers)
        shown = {slot.key for slot in slots}
        slots += [
            slot
            for key in response.answers
            if key not in shown and (slot := engine.slot_of(survey, response.answers, key))
        ]
        for slot in slots:
            question, answer = slot.question, response.answers.get(slot.key)
            if answer is not None:
                asked = asked_as(survey, response.answers, slot, w.locale, _)
                value = describe(question, answer, w.locale, _)
                lines.append(f"• {escape(asked)}\n  <i>{escape(value)}</i>")
    places = await svc.events.all_mine(w.user_id)
    if places:
        lines += ["", "<b>" + escape(_("Event registrations")) + "</b>"]
    for place in places:
        event = place.event
        when = date_time(event.starts_at, event.zoneinfo, w.locale)
        status = place_status(place, _)
        lines.append(f"• {escape(title_of(event, w.locale))} ({escape(when)}): {escape(status)}")
    wishes = await svc.event_search.wishes_of(w.user_id)
    if wishes:
        lines += ["", "<b>" + escape(_("Event notices you asked for")) + "</b>"]
    lines += ["• " + escape(wish_line(wish, zone, w.locale, _)) for wish in wishes]
    subscription = await svc.subscriptions.current(w.user_id)
    if subscription is not None:
        topics = topic_names(subscription, _) or _("none chosen")
        lines += [
            "",
            "<b>" + escape(_("Announcements you subscribed to")) + "</b>",
            "• " + escape(_("Topics: {topics}").format(topics=topics)),
            "• " + escape(_("Regions: {places}").format(places=region_names(subscription, _))),
        ]
    lines += ["", escape(_("To delete all of it, type /hapusdata."))]
    text, budget = "", MESSAGE_BUDGET
    for line in lines:
        if len(text) + len(line) > budget:
            text += "\n…" + escape(_("(cut short: too long for one message)"))
            break
        text += ("\n" if text else "") + line
    # The file first: the words stay the last message, where the chat opens.
    await _send_everything(context, w)
    await send(context, w.chat_id, text)


async def _send_everything(context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """The file: everything held, as stored (times in UTC), readable by any program."""
    svc = services(context)
    held = await svc.rights.everything(w.user_id)
    document = {
        "telegram_id": w.user_id,
        "made_at": svc.clock.now().isoformat(timespec="seconds"),
        "about": "UU PDP No. 27/2022: everything this bot holds about you, by table",
        "tables": held,
    }
    content = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    caption = w._("Everything we keep about you, as a file (JSON, times in UTC).")
    await send_file(context, w.chat_id, f"dataku-{w.user_id}.json", content, escape(caption))


# What withdrawing each purpose deletes, as the choice reads on its button.
PURPOSE_CHOICES: Final = {
    SURVEY_PURPOSE: N_("Only my survey answers"),
    EVENTS_PURPOSE: N_("Only my event registrations"),
    WISHES_PURPOSE: N_("Only the event notices I asked for"),
    ANNOUNCEMENTS_PURPOSE: N_("Only my announcement subscription"),
}


@personal
async def ask_erase(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """Everything, or (for someone who agreed to more than one purpose) one purpose's data
    and consent only: each was agreed to apart, so each can be withdrawn apart."""
    purposes = await services(context).rights.purposes(w.user_id)
    if await services(context).people.get(w.user_id) is None:
        await send(context, w.chat_id, escape(w._("We keep no data about you.")))
        return
    everything = button(w._("Yes, delete everything"), Erase(confirm=True).pack())
    keep = button(w._("No, keep it"), Erase(confirm=False).pack())
    if len(purposes) < 2:
        text = w._("Delete everything we keep about you? This cannot be undone.")
        markup = keyboard([[everything, keep]])
    else:
        text = w._("What should be deleted? This cannot be undone.")
        rows = [[everything]]
        rows += [
            [button(w._(PURPOSE_CHOICES[p]), Withdraw(p).pack())]
            for p in purposes
            if p in PURPOSE_CHOICES
        ]
        markup = keyboard([*rows, [keep]])
    await send(context, w.chat_id, escape(text), markup)


@personal
async def on_erase(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    erase = Erase.tapped(update)
    if erase is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    if not erase.confirm:
        await edit_or_send(update, context, w.chat_id, escape(w._("Nothing was deleted.")))
        return
    await services(context).rights.erase(w.user_id)
    text = w._("Done: everything we kept about you has been deleted. Thank you for taking part.")
    await edit_or_send(update, context, w.chat_id, escape(text))


@personal
async def on_withdraw(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = Withdraw.tapped(update)
    rights = services(context).rights
    if tap is None or tap.purpose not in await rights.purposes(w.user_id):
        await no_longer_active(update, w)  # withdrawn already, or never agreed
        return
    await toast(update)
    if await rights.withdraw(w.user_id, tap.purpose):
        text = w._(
            "Done: everything we kept about you has been deleted. Thank you for taking part."
        )
    else:
        text = w._(
            "Done: “{choice}” has been deleted, with your consent to it. "
            "The rest is kept; see it with /dataku."
        ).format(choice=w._(PURPOSE_CHOICES[tap.purpose]))
    await edit_or_send(update, context, w.chat_id, escape(text))


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["dataku", "mydata"], my_data))
    app.add_handler(CommandHandler(["hapusdata", "deletedata"], ask_erase))
    app.add_handler(CallbackQueryHandler(on_erase, pattern=Erase.pattern))
    app.add_handler(CallbackQueryHandler(on_withdraw, pattern=Withdraw.pattern))
