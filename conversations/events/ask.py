"""Questions about events in people's own words ("kapan workshop HAKI di Kupang?"), and the
wishes kept for those no event answers yet ("🔔 Beri tahu saya").

A question is text nobody else wants: no feature waits for input and no survey question is
open (handlers.input_router.leftover). The answer lists the matching events as the buttons
/acara uses, so a tap opens the same details screen, with Daftar. When nothing matches, it says
so, shows what is coming instead, and offers to tell the person when a matching event is
published. A wish is personal data for a purpose of its own: its notice is asked first, and the
wish rides in the button until they agree, so nothing is stored before. /acarasaya shows the
wishes kept, each with a remove button (a message of its own, after the events). When a matching
event is published, a job sends its card (EventSearch.queue_wishes decides it).
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core.events.search import clip_words
from bot.core.formatting import long_date, period
from bot.i18n import Gettext
from bot.services.event_search import MOST_WISHES, WISH_DAYS, WISH_JOB, SearchAnswer
from bot.services.people import WISHES_PURPOSE
from bot.storage.wishes import Kept, Wish
from conversations.events import render
from handlers import input_router
from handlers.buttons import WISH_WORDS, ForgetWish, NotifyMe, OpenEvent, WishConsent
from handlers.common import Who, language_of, no_longer_active, personal, services
from handlers.consent import age_keyboard, agreed_to_current
from handlers.jobs import on_job
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, toast

# /acarasaya's wishes come after its events: a handler group of their own runs after group 0.
MY_WISHES_GROUP = 1


def answer_screen(answer: SearchAnswer, _: Gettext, locale: str) -> tuple[str, Keyboard | None]:
    """The events a question found as buttons; or, for none, what is coming instead and 🔔."""
    rows: list[list[Button]] = []
    if answer.matches:
        lines = [
            "<b>" + escape(_("Events that match your question:")) + "</b>",
            escape(_("Tap one to see the details and register.")),
        ]
        if answer.more:
            more = _("{n} more found. Add a place or a month to narrow it down.")
            lines.append(escape(more.format(n=answer.more)))
        rows += [
            [button(render.label(e, locale), OpenEvent(e.id or 0).pack())] for e in answer.matches
        ]
        return "\n".join(lines), keyboard(rows)
    lines = [escape(_("I found no upcoming event that matches your question."))]
    if answer.instead:
        lines.append(escape(_("Coming up instead:")))
        rows += [
            [button(render.label(e, locale), OpenEvent(e.id or 0).pack())] for e in answer.instead
        ]
    else:
        lines.append(
            escape(_("There are no upcoming events at the moment. Please look again later."))
        )
    wish = clip_words(answer.criteria.words, WISH_WORDS)
    if wish:
        offer = _("Tap 🔔 and we will tell you once when an event for “{wish}” is published.")
        lines += ["", escape(offer.format(wish=wish))]
        rows.append([button(_("🔔 Tell me"), NotifyMe(wish).pack())])
    return "\n".join(lines), keyboard(rows)


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """Text nobody else wanted: answer it if it is about events; else leave it (False)."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    svc = services(context)
    answer = await svc.event_search.answer(w.user_id, message.text)
    if not answer.question:
        return False
    if answer.general:
        text, markup = render.event_list(await svc.events.page_for(w.user_id), w._, w.locale)
    else:
        text, markup = answer_screen(answer, w._, w.locale)
    await send(context, w.chat_id, text, markup)
    return True


def notice(wish: str, _: Gettext, locale: str) -> str:
    body = _(
        "To tell you when an event for “{wish}” is published, we keep your Telegram ID and what "
        "you asked for, only for that. We tell you once and then delete it; if no such event "
        "comes, it is deleted after {kept}. You can delete it any time with /hapusdata. "
        "Do you agree?"
    )
    return (
        "<b>"
        + escape(_("Event notices: about your data"))
        + "</b>\n\n"
        + escape(body.format(wish=wish, kept=period(WISH_DAYS, locale)))
        + "\n"
        + escape(_("Only for people aged 18 or over."))
    )


async def _keep(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, words: str, edit: bool
) -> None:
    kept = await services(context).event_search.keep_wish(w.user_id, words)
    if kept is None:
        await no_longer_active(update, w)
        return
    outcome, wish = kept
    await toast(update)
    match outcome:
        case Kept.STORED:
            text = w._(
                "🔔 Done: we will tell you once when an event for “{wish}” is published. "
                "See or remove it with /acarasaya."
            )
        case Kept.ALREADY:
            text = w._(
                "You have already asked to hear about “{wish}”. We will tell you when there is one."
            )
        case _:  # Kept.FULL
            text = w._(
                "You already have {most} event notices waiting, the most we keep. Please remove "
                "one in /acarasaya first."
            )
    text = escape(text.format(wish=wish, most=MOST_WISHES))
    if edit:
        await edit_or_send(update, context, w.chat_id, text)
    else:
        await send(context, w.chat_id, text)


@personal
async def on_notify_me(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = NotifyMe.tapped(update)
    svc = services(context)
    criteria = None if tap is None else svc.event_search.wish_of(tap.words)
    # Longer words than the bot ever puts in this button (a forged one) would not fit in the
    # consent buttons that carry them on.
    if tap is None or criteria is None or len(tap.words.encode()) > WISH_WORDS:
        await no_longer_active(update, w)
        return
    if not await svc.people.has_consented(w.user_id, WISHES_PURPOSE):
        # Asked once, before the first wish; the answer with its events stays as it is.
        await toast(update)
        await _ask_consent(context, w, tap.words, " ".join(criteria.words))
        return
    await _keep(update, context, w, tap.words, edit=False)


async def _ask_consent(context: ContextTypes.DEFAULT_TYPE, w: Who, words: str, wish: str) -> None:
    # A minor's wish is a child's data too: the same "18 or over" check as every notice.
    agree, disagree = WishConsent(True, words), WishConsent(False)
    markup = age_keyboard(w, WISHES_PURPOSE, agree.pack(), disagree.pack())
    await send(context, w.chat_id, notice(wish, w._, w.locale), markup)


@personal
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = WishConsent.tapped(update)
    svc = services(context)
    if tap is None or (tap.agree and svc.event_search.wish_of(tap.words) is None):
        await no_longer_active(update, w)
        return
    criteria = svc.event_search.wish_of(tap.words)  # None only when declining (see above)
    declined = w._("Nothing was stored. You can still look at events with /acara.")
    wish = " ".join(criteria.words) if criteria else ""
    if not await agreed_to_current(
        update, context, w, tap.agree, declined, lambda: _ask_consent(context, w, tap.words, wish)
    ):
        return
    await svc.people.consent(w.user_id, w.locale, WISHES_PURPOSE)
    await _keep(update, context, w, tap.words, edit=True)


def wish_line(wish: Wish, zone: tzinfo, locale: str, _: Gettext) -> str:
    """“workshop haki kupang” (until 30 Mei 2027), for /acarasaya and /dataku."""
    until = long_date(wish.expires_at.astimezone(zone).date(), locale)
    return _("“{wish}” (until {date})").format(wish=wish.text, date=until)


def wishes_screen(
    wishes: list[Wish], zone: tzinfo, _: Gettext, locale: str
) -> tuple[str, Keyboard]:
    lines = ["<b>" + escape(_("🔔 Event notices you asked for")) + "</b>"]
    lines += ["• " + escape(wish_line(wish, zone, locale, _)) for wish in wishes]
    lines += ["", escape(_("To remove one, tap it below."))]
    rows = [[button("🔕 " + wish.text, ForgetWish(wish.id).pack())] for wish in wishes]
    return "\n".join(lines), keyboard(rows)


@personal
async def my_wishes(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """/acarasaya, after its events: the wishes kept, if any."""
    svc = services(context)
    wishes = await svc.event_search.wishes_of(w.user_id)
    if wishes:
        zone = await svc.events.zone_for(w.user_id, svc.settings.zone)  # the person's own
        text, markup = wishes_screen(wishes, zone, w._, w.locale)
        await send(context, w.chat_id, text, markup)


@personal
async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ForgetWish.tapped(update)
    search = services(context).event_search
    wishes = [] if tap is None else await search.wishes_of(w.user_id)
    wish = next((x for x in wishes if tap is not None and x.id == tap.wish_id), None)
    if wish is None or not await search.forget_wish(w.user_id, wish.id):
        await no_longer_active(update, w)  # removed already, expired, or not theirs
        return
    await toast(update)
    text = w._("The notice for “{wish}” is removed.").format(wish=wish.text)
    rest = [x for x in wishes if x.id != wish.id]
    if rest:
        svc = services(context)
        zone = await svc.events.zone_for(w.user_id, svc.settings.zone)
        screen, markup = wishes_screen(rest, zone, w._, w.locale)
        await edit_or_send(update, context, w.chat_id, escape(text) + "\n\n" + screen, markup)
    else:
        await edit_or_send(update, context, w.chat_id, escape(text))


async def wish_came_true(
    context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]
) -> None:
    """The job EventSearch.queue_wishes queued: the event a wish asked for, with its Daftar
    button, in the person's language. Checked again first: the person may have deleted their
    wishes' data, or the event may have been cancelled or begun, since it was queued."""
    svc = services(context)
    found = await svc.event_search.telling(person, data)
    if found is None:
        return
    wish, event = found
    locale, _ = await language_of(context, person)
    head = _("🔔 You asked us to tell you about “{wish}”. This event matches:").format(wish=wish)
    card, markup = render.details(event, 0, _, locale, svc.events.can_register(event))
    foot = _("We have now removed this notice. Ask again any time to hear about the next one.")
    await send(context, person, f"{escape(head)}\n\n{card}\n\n<i>{escape(foot)}</i>", markup)


def register(app: Application) -> None:
    on_job(app, WISH_JOB, wish_came_true)
    input_router.claim_leftover(app, on_question)
    app.add_handler(CallbackQueryHandler(on_notify_me, pattern=NotifyMe.pattern))
    app.add_handler(CallbackQueryHandler(on_consent, pattern=WishConsent.pattern))
    app.add_handler(CallbackQueryHandler(on_forget, pattern=ForgetWish.pattern))
    app.add_handler(CommandHandler(["acarasaya", "myevents"], my_wishes), group=MY_WISHES_GROUP)
