"""/buatacara (/newevent): staff make an event step by step in the chat, see it as people will,
and publish it; the same steps change a published event (from /kelolaacara).

The progress lives in the awaiting state (`AwaitingService`), written before the next question
is shown, so a restart half-way resumes at the same step with everything typed so far, and
whatever the staff member types goes here, not to a survey they may have open. Each step's
rules are in bot/core/events/draft.py; what each step shows is in steps.py.
"""

from __future__ import annotations

from html import escape, unescape

from telegram import Message, Update
from telegram.ext import Application, ContextTypes

from bot.core import regions
from bot.core.events.answers import Problem, Refused
from bot.core.events.draft import Part, Step, Wizard
from bot.services.event_admin import Saving, tells_registrants
from bot.storage.awaiting import Awaiting
from conversations.events.render import title_of
from conversations.staff import steps
from handlers import input_router
from handlers.buttons import AnnounceEvent, WizardAction, WizardTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import button, edit_or_send, keyboard, send, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler

FEATURE = "event_wizard"


async def _stored(context: ContextTypes.DEFAULT_TYPE, w: Who) -> Wizard | None:
    awaiting = await services(context).awaiting.current(w.user_id)
    if awaiting is None or awaiting.feature != FEATURE:
        return None
    return Wizard.from_state(awaiting.state)


async def show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    wizard: Wizard,
    *,
    note: str = "",
    matches: list[regions.Region] | None = None,
    edit: bool = False,
) -> None:
    """Store the progress, then show the current step (or the preview): stored first, so
    what is on screen is what a restart resumes."""
    svc = services(context)
    await svc.awaiting.expect(w.user_id, FEATURE, wizard.state())
    title = None
    old = None
    if wizard.event_id is not None:
        old = await svc.event_admin.event(wizard.event_id)
        title = title_of(old, w.locale) if old else ""
    if wizard.step is Step.PREVIEW:
        event = svc.event_admin.check(wizard, old)
        if isinstance(event, Refused):
            # Time moved on, or a region in another zone made the start pass: ask the time.
            wizard.change(Part.TIME)
            await show(update, context, w, wizard, note=steps.refusal(event, wizard, w._, w.locale))
            return
        registrants = 0
        if old is not None and tells_registrants(old, event):
            counts = await svc.event_admin.counts(old.id or 0)
            registrants = counts.confirmed + counts.waiting
        text, markup = steps.preview(event, wizard, w._, w.locale, registrants)
    else:
        text, markup = steps.question(wizard, w._, w.locale, matches, title)
    if note:
        text = f"{note}\n\n{text}"
    if edit:
        await edit_or_send(update, context, w.chat_id, text, markup)
    else:
        await send(context, w.chat_id, text, markup)


async def _resumed(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """A wizard in progress is shown again rather than replaced: what was typed is kept until
    the staff member publishes, saves or taps ✖️ Batal."""
    wizard = await _stored(context, w)
    if wizard is None:
        return False
    note = escape(w._("You have an event in progress; here is where you were."))
    await show(update, context, w, wizard, note=note)
    return True


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    if not await _resumed(update, context, w):
        await show(update, context, w, Wizard())


async def change(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, event_id: int, part: Part
) -> None:
    """From /kelolaacara: ask one part of a published event again."""
    event = await services(context).event_admin.event(event_id)
    if event is None or not services(context).event_admin.is_upcoming(event):
        await no_longer_active(update, w)
        return
    await toast(update)
    if not await _resumed(update, context, w):
        await show(update, context, w, Wizard.editing(event, part))


async def on_input(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, awaiting: Awaiting | None
) -> None:
    """A typed answer to the current step (or a sticker where text was expected)."""
    wizard = Wizard.from_state(awaiting.state) if awaiting else None
    message = update.effective_message
    if wizard is None or not services(context).staff.is_staff(w.user_id):
        # No longer staff (or a state this version cannot read): the wizard is over.
        await services(context).awaiting.done(w.user_id, FEATURE)
        await send(context, w.chat_id, escape(w._("The event wizard was stopped.")))
        return
    answered = wizard.step
    if message is None or message.text is None:
        refused: Refused | list[regions.Region] | None = Refused(Problem.NOT_TEXT)
    else:
        refused = wizard.typed(message.text, services(context).clock.now())
    if isinstance(refused, list):
        await show(update, context, w, wizard, matches=refused)
    elif isinstance(refused, Refused):
        note = steps.refusal(refused, wizard, w._, w.locale)
        await show(update, context, w, wizard, note=note)
    else:
        if answered is Step.CAPACITY and (note := await _too_few_seats(context, w, wizard)):
            wizard.queue.insert(0, Step.CAPACITY)
            await show(update, context, w, wizard, note=note)
            return
        await show(update, context, w, wizard)


async def _too_few_seats(context: ContextTypes.DEFAULT_TYPE, w: Who, wizard: Wizard) -> str:
    """For a published event, a capacity below the seats already given is refused at once
    (the save checks again, on the writer). The reason, or nothing."""
    capacity = wizard.values.get("capacity")
    if wizard.event_id is None or capacity is None:
        return ""
    confirmed = (await services(context).event_admin.counts(wizard.event_id)).confirmed
    return _seats_kept(w, confirmed) if capacity < confirmed else ""


def _seats_kept(w: Who, confirmed: int) -> str:
    text = w._(
        "{count} people already hold a seat, so there cannot be fewer than {count} seats. "
        "Nobody loses a seat they were given."
    )
    return escape(text.format(count=confirmed))


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = WizardTap.tapped(update)
    wizard = await _stored(context, w)
    if tap is None or wizard is None:
        await no_longer_active(update, w)
        return
    svc = services(context)
    if tap.action is WizardAction.CANCEL:
        await toast(update)
        await svc.awaiting.done(w.user_id, FEATURE)
        text = w._("Stopped. Nothing was saved.")
        await edit_or_send(update, context, w.chat_id, escape(text))
        return
    if tap.step is not wizard.step:
        await no_longer_active(update, w)  # a button of an earlier screen
        return
    now = svc.clock.now()
    action, arg = tap.action, tap.arg
    refused: Refused | None = None
    before = wizard.state()
    if action is WizardAction.KIND:
        wizard.set_kind(arg)
    elif action is WizardAction.PROVINCE and regions.by_code(arg) and "." not in arg:
        wizard.province, wizard.page = arg, 0
    elif action is WizardAction.REGION:
        wizard.set_region(arg)
    elif action is WizardAction.PAGE:
        province, _slash, page = arg.partition("/")
        wizard.province = province if regions.by_code(province) else ""
        wizard.page = int(page) if page.isdecimal() and len(page) < 4 else 0
    elif action is WizardAction.SKIP:
        wizard.skip()
    elif action is WizardAction.END and arg in {str(h) for h in steps.END_HOURS}:
        wizard.end_after(int(arg))
    elif action is WizardAction.NO_LIMIT:
        wizard.set_capacity(None)
    elif action is WizardAction.CLOSES and arg in ("0", "1"):
        refused = wizard.set_closes(None, now) if arg == "0" else wizard.closes_before(1, now)
    elif action is WizardAction.CHANGE:
        await toast(update)
        text, markup = steps.parts(wizard, w._)
        await edit_or_send(update, context, w.chat_id, text, markup)
        return
    elif action is WizardAction.PART and arg in set(Part):
        wizard.change(Part(arg))
    elif action is WizardAction.PREVIEW:
        pass
    elif action in (WizardAction.PUBLISH, WizardAction.SAVE, WizardAction.DISCARD):
        await _finish(update, context, w, wizard, action, tell=arg == "tell")
        return
    else:
        await no_longer_active(update, w)
        return
    if refused is None and action is not WizardAction.PREVIEW and wizard.state() == before:
        # Nothing changed, so the same screen drawn again would be an edit Telegram refuses.
        # The page shown ("Hal. 1/4") is a live button that has nothing to do; any other is
        # data no button of this screen carries (a kind or region that is none).
        if action is WizardAction.PAGE:
            await toast(update)
        else:
            await no_longer_active(update, w)
        return
    if refused is not None:
        note = steps.refusal(refused, wizard, w._, w.locale)
        message = update.callback_query.message if update.callback_query else None
        if isinstance(message, Message) and (message.text or "").startswith(unescape(note)):
            # The same button refused again: its note is on screen already, and the same
            # screen drawn again is an edit Telegram refuses. Say it in the tap's answer.
            await toast(update, unescape(note))
            return
        await toast(update)
        await show(update, context, w, wizard, note=note, edit=True)
    else:
        await toast(update)
        await show(update, context, w, wizard, edit=True)


async def _finish(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    w: Who,
    wizard: Wizard,
    action: WizardAction,
    tell: bool,
) -> None:
    svc = services(context)
    await toast(update)
    if action is WizardAction.DISCARD:
        await svc.awaiting.done(w.user_id, FEATURE)
        text = w._("The draft was discarded. Nothing was published.")
        await edit_or_send(update, context, w.chat_id, escape(text))
        return
    if action is WizardAction.PUBLISH and wizard.event_id is None:
        made = await svc.event_admin.publish(wizard, actor=w.user_id)
        if isinstance(made, Refused):
            wizard.change(Part.TIME)
            await show(update, context, w, wizard, note=steps.refusal(made, wizard, w._, w.locale))
            return
        await svc.awaiting.done(w.user_id, FEATURE)
        text = w._(
            "✅ Published: “{title}”. People can find it with /acara; manage it with /kelolaacara."
        ).format(title=title_of(made, w.locale))
        announce = button(w._("📣 Announce this event"), AnnounceEvent(made.id or 0).pack())
        await edit_or_send(update, context, w.chat_id, escape(text), keyboard([[announce]]))
        return
    saved = await svc.event_admin.save(wizard, tell, actor=w.user_id)
    if saved.outcome is Saving.CAPACITY:
        wizard.change(Part.CAPACITY)
        await show(update, context, w, wizard, note=_seats_kept(w, saved.confirmed))
        return
    if saved.outcome is Saving.REFUSED and saved.refused is not None:
        wizard.change(Part.TIME)
        await show(
            update, context, w, wizard, note=steps.refusal(saved.refused, wizard, w._, w.locale)
        )
        return
    await svc.awaiting.done(w.user_id, FEATURE)
    if saved.outcome is Saving.GONE or saved.event is None:
        text = w._("This event was cancelled meanwhile; nothing was changed.")
        await edit_or_send(update, context, w.chat_id, escape(text))
        return
    lines = [w._("💾 Saved: “{title}”.").format(title=title_of(saved.event, w.locale))]
    if saved.promoted:
        lines.append(
            w._(
                "{count} people moved from the waiting list into the new seats and are told."
            ).format(count=saved.promoted)
        )
    if saved.told:
        lines.append(w._("{count} registrants are told of the change.").format(count=saved.told))
    await edit_or_send(update, context, w.chat_id, escape(" ".join(lines)))


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffCommandHandler(staff, ["buatacara", "newevent"], start))
    app.add_handler(StaffButtonHandler(staff, on_tap, pattern=WizardTap.pattern))
    input_router.claim(app, FEATURE, on_input)
