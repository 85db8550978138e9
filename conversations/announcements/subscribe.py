"""/langganan (/subscribe): choose the announcements to receive; /berhenti (/unsubscribe):
stop them all.

The first /langganan shows the announcements notice (its own consent, UU PDP, with the same
"18 or over?" check as every notice); nothing is stored before the person agrees. After that,
one screen edited in place: the topics as ✅/⬜ toggles, and the regions, picked a province
then a kabupaten/kota with buttons as in /acara, or all of Indonesia. Every tap is stored
before the screen is redrawn.
"""

from __future__ import annotations

import json
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core import regions
from bot.core.announcements import MOST_REGIONS, TOPICS
from bot.i18n import LOCALES, Gettext, I18n
from bot.services.people import ANNOUNCEMENTS_PURPOSE
from bot.storage.subscriptions import Subscription
from handlers.buttons import (
    SubConsent,
    SubEverywhere,
    SubOffer,
    SubPlaces,
    SubQuit,
    SubRegion,
    SubShow,
    SubStop,
    SubTopic,
)
from handlers.common import Who, no_longer_active, personal, services
from handlers.consent import age_keyboard, agreed_to_current
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, toast


def notice(_: Gettext) -> str:
    body = _(
        "To send you announcements, we keep your Telegram ID and the topics and regions you "
        "choose, only to send you announcements on those topics. They are kept until you type "
        "/berhenti or /hapusdata. You can see them with /dataku. Do you agree?"
    )
    return (
        "<b>"
        + escape(_("Announcements: about your data"))
        + "</b>\n\n"
        + escape(body)
        + "\n"
        + escape(_("Only for people aged 18 or over."))
    )


def region_names(subscription: Subscription, _: Gettext) -> str:
    """The chosen regions by name, or all of Indonesia."""
    if not subscription.regions:
        return _("All of Indonesia")
    found = (regions.by_code(code) for code in subscription.regions)
    return ", ".join(r.name for r in found if r is not None)


def topic_names(subscription: Subscription, _: Gettext) -> str:
    return ", ".join(_(TOPICS[t]) for t in subscription.topics if t in TOPICS)


def choices_screen(subscription: Subscription, _: Gettext) -> tuple[str, Keyboard]:
    lines = [
        "<b>" + escape(_("Your announcements")) + "</b>",
        escape(_("Tap a topic to turn it on or off.")),
        "",
        "📍 " + escape(_("Regions: {places}").format(places=region_names(subscription, _))),
    ]
    if not subscription.topics:
        lines += ["", escape(_("You will receive nothing until you choose a topic."))]
    rows = [
        [button(("✅ " if t in subscription.topics else "⬜ ") + _(name), SubTopic(t).pack())]
        for t, name in TOPICS.items()
    ]
    rows += [
        [button(_("📍 Choose regions"), SubPlaces().pack())],
        [button(_("✔️ Done"), SubShow(done=True).pack())],
    ]
    return "\n".join(lines), keyboard(rows)


def _pairs(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def places_screen(
    subscription: Subscription, province: regions.Region | None, _: Gettext
) -> tuple[str, Keyboard]:
    """All provinces (a ✅ where something in it is chosen), or one province's kabupaten/kota
    as toggles under the whole province."""
    chosen = set(subscription.regions)

    def mark(on: bool) -> str:
        return "✅ " if on else "⬜ "

    chosen_now = escape(_("Chosen: {places}").format(places=region_names(subscription, _)))
    if province is None:
        text = escape(_("Which regions would you like to hear about? Choose a province.")) + (
            "\n" + chosen_now
        )
        inside = {code.split(".")[0] for code in chosen}
        top = [button(mark(not chosen) + _("All of Indonesia"), SubEverywhere().pack())]
        choices = [
            button(("✅ " if p.code in inside else "") + p.name, SubPlaces(p.code).pack())
            for p in regions.provinces()
        ]
        back = button(_("◀️ Back"), SubShow().pack())
    else:
        text = escape(
            _("Tap to choose or remove places in {province}.").format(province=province.name)
        ) + ("\n" + chosen_now)
        top = [
            button(
                mark(province.code in chosen)
                + _("All of {province}").format(province=province.name),
                SubRegion(province.code).pack(),
            )
        ]
        choices = [
            button(mark(r.code in chosen) + r.name, SubRegion(r.code).pack())
            for r in regions.regencies(province.code)
        ]
        back = button(_("◀️ Back"), SubPlaces().pack())
    return text, keyboard([top, *_pairs(choices), [back]])


@personal
async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    subscription = await services(context).subscriptions.current(w.user_id)
    if subscription is None:
        await _ask_consent(context, w)
        return
    await send(context, w.chat_id, *choices_screen(subscription, w._))


@personal
async def on_offer(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """🔔 under a survey's thanks: the notice (or, once agreed, the choices) in its place."""
    if SubOffer.tapped(update) is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    subscription = await services(context).subscriptions.current(w.user_id)
    if subscription is None:
        await edit_or_send(update, context, w.chat_id, notice(w._), _consent_keyboard(w))
    else:
        await edit_or_send(update, context, w.chat_id, *choices_screen(subscription, w._))


def _consent_keyboard(w: Who) -> Keyboard:
    agree, disagree = SubConsent(True).pack(), SubConsent(False).pack()
    return age_keyboard(w, ANNOUNCEMENTS_PURPOSE, agree, disagree)


async def _ask_consent(context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    await send(context, w.chat_id, notice(w._), _consent_keyboard(w))


@personal
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubConsent.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    declined = w._("Nothing was stored. You can subscribe later with /langganan.")
    if not await agreed_to_current(
        update, context, w, tap.agree, declined, lambda: _ask_consent(context, w)
    ):
        return
    subscription = await services(context).subscriptions.start(w.user_id, w.locale)
    await toast(update)
    await edit_or_send(update, context, w.chat_id, *choices_screen(subscription, w._))


@personal
async def on_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubTopic.tapped(update)
    subs = services(context).subscriptions
    changed = None if tap is None else await subs.toggle_topic(w.user_id, tap.topic)
    if changed is None:
        await no_longer_active(update, w)  # stopped since, or a topic we do not have
        return
    await toast(update)
    await edit_or_send(update, context, w.chat_id, *choices_screen(changed, w._))


@personal
async def on_show(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubShow.tapped(update)
    subscription = await services(context).subscriptions.current(w.user_id)
    if tap is None or subscription is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    if not tap.done:
        await edit_or_send(update, context, w.chat_id, *choices_screen(subscription, w._))
        return
    if subscription.topics:
        text = w._(
            "Saved. You will receive announcements on: {topics}. Regions: {places}. "
            "Change them with /langganan; stop them with /berhenti."
        ).format(topics=topic_names(subscription, w._), places=region_names(subscription, w._))
    else:
        text = w._("Saved. You chose no topic, so you will receive nothing. See /langganan.")
    await edit_or_send(update, context, w.chat_id, escape(text))


@personal
async def on_places(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubPlaces.tapped(update)
    subscription = await services(context).subscriptions.current(w.user_id)
    province = regions.by_code(tap.province) if tap and tap.province else None
    if (
        tap is None
        or subscription is None
        or (tap.province and (province is None or "." in tap.province))
    ):
        await no_longer_active(update, w)
        return
    await toast(update)
    await edit_or_send(update, context, w.chat_id, *places_screen(subscription, province, w._))


@personal
async def on_region(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubRegion.tapped(update)
    subs = services(context).subscriptions
    before = await subs.current(w.user_id)
    changed = None if tap is None else await subs.toggle_region(w.user_id, tap.region)
    if tap is None or before is None or changed is None:
        await no_longer_active(update, w)
        return
    if changed.regions == before.regions:  # full: redrawing the same screen is refused
        text = w._("You can choose at most {count} regions. Remove one first.")
        await toast(update, text.format(count=MOST_REGIONS))
        return
    await toast(update)
    province = regions.by_code(tap.region.split(".")[0])
    await edit_or_send(update, context, w.chat_id, *places_screen(changed, province, w._))


@personal
async def on_everywhere(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    changed = await services(context).subscriptions.everywhere(w.user_id)
    if SubEverywhere.tapped(update) is None or changed is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    await edit_or_send(update, context, w.chat_id, *choices_screen(changed, w._))


def way_out_keyboards(i18n: I18n) -> dict[str, str]:
    """The one button under every announcement, by locale, as the JSON the sender attaches to
    each copy (encoded once here, not per message)."""
    markups = {}
    for locale in LOCALES:
        _ = i18n.gettext(locale)
        markup = keyboard([[button(_("🔕 Stop announcements"), SubQuit().pack())]])
        markups[locale] = json.dumps(markup, ensure_ascii=False)
    return markups


@personal
async def on_quit(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """🔕 under an announcement: the /berhenti question, below it (the copy stays as it is)."""
    if SubQuit.tapped(update) is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    await ask_stop(update, context)


@personal
async def ask_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    if await services(context).subscriptions.current(w.user_id) is None:
        await send(context, w.chat_id, escape(w._("You are not subscribed to announcements.")))
        return
    markup = keyboard(
        [
            [
                button(w._("Yes, stop them"), SubStop(True).pack()),
                button(w._("No, keep them"), SubStop(False).pack()),
            ]
        ]
    )
    text = w._("Stop all announcements? Your chosen topics and regions will be deleted.")
    await send(context, w.chat_id, escape(text), markup)


@personal
async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = SubStop.tapped(update)
    svc = services(context)
    if tap is None or await svc.subscriptions.current(w.user_id) is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    if not tap.confirm:
        text = w._("Your announcements are kept.")
    else:
        # Withdrawing the consent deletes the subscription with it (and, for someone who
        # agreed to nothing else, everything: nothing is kept about them).
        await svc.rights.withdraw(w.user_id, ANNOUNCEMENTS_PURPOSE)
        text = w._(
            "Done: you will receive no more announcements, and your choices have been "
            "deleted. You can subscribe again with /langganan."
        )
    await edit_or_send(update, context, w.chat_id, escape(text))


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["langganan", "subscribe"], show))
    app.add_handler(CommandHandler(["berhenti", "unsubscribe"], ask_stop))
    app.add_handler(CallbackQueryHandler(on_consent, pattern=SubConsent.pattern))
    app.add_handler(CallbackQueryHandler(on_topic, pattern=SubTopic.pattern))
    app.add_handler(CallbackQueryHandler(on_show, pattern=SubShow.pattern))
    app.add_handler(CallbackQueryHandler(on_places, pattern=SubPlaces.pattern))
    app.add_handler(CallbackQueryHandler(on_region, pattern=SubRegion.pattern))
    app.add_handler(CallbackQueryHandler(on_everywhere, pattern=SubEverywhere.pattern))
    app.add_handler(CallbackQueryHandler(on_stop, pattern=SubStop.pattern))
    app.add_handler(CallbackQueryHandler(on_offer, pattern=SubOffer.pattern))
    app.add_handler(CallbackQueryHandler(on_quit, pattern=SubQuit.pattern))
