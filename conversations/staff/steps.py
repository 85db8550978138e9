"""What the event wizard shows at each step: the question, its buttons, and why an answer was
refused. Pure functions of the wizard's progress and the staff member's language."""

from __future__ import annotations

from html import escape
from typing import Final

from bot.core import regions
from bot.core.events.answers import Problem, Refused
from bot.core.events.draft import STEPS, Part, Step, Wizard
from bot.core.events.model import KINDS, MAX_DESCRIPTION, MAX_TITLE, MAX_VENUE, Event
from bot.core.events.zones import WIB, WIT, WITA
from bot.core.formatting import date_time
from bot.core.survey.display import region_name
from bot.i18n import N_, Gettext
from conversations.events import render
from handlers.buttons import WizardAction, WizardTap
from handlers.send import Button, Keyboard, button, keyboard

ZONE_NAMES: Final = {WIB: "WIB", WITA: "WITA", WIT: "WIT"}

QUESTIONS: Final[dict[Step, str]] = {
    Step.TITLE_ID: N_("Type the event's title in Indonesian (at most {limit} characters)."),
    Step.TITLE_EN: N_("Type the title in English, or tap Skip to use the Indonesian one."),
    Step.KIND: N_("What kind of event is it?"),
    Step.REGION: N_(
        "Where is it held? Choose the province, or type the name of the regency or city "
        "(e.g. Kupang)."
    ),
    Step.VENUE: N_("Type the venue: the building and its address (at most {limit} characters)."),
    Step.STARTS: N_("When does it start? Type the date and time in {zone}, e.g. {example}."),
    Step.ENDS: N_(
        "When does it end? Type the time on the same day (e.g. 12.00), a date and time, "
        "or tap a button."
    ),
    Step.CAPACITY: N_("How many seats are there? Type a number, or tap No limit."),
    Step.CLOSES: N_(
        "When does registration close? Tap a button, or type a date and time in {zone}."
    ),
    Step.TOPICS: N_("Type the topics, separated by commas (e.g. HAKI, merek, UMKM), or tap Skip."),
    Step.DESCRIPTION_ID: N_(
        "Type the description in Indonesian (at most {limit} characters). Line breaks are kept."
    ),
    Step.DESCRIPTION_EN: N_(
        "Type the description in English, or tap Skip to use the Indonesian one."
    ),
}
LIMITS: Final = {
    Step.TITLE_ID: MAX_TITLE,
    Step.VENUE: MAX_VENUE,
    Step.DESCRIPTION_ID: MAX_DESCRIPTION,
}

PROBLEMS: Final[dict[Problem, str]] = {
    Problem.EMPTY: N_("That is empty. Please type some text."),
    Problem.TOO_LONG: N_(
        "That is {length} characters long; at most {limit} fit. Please make it shorter."
    ),
    Problem.NOT_TEXT: N_("Please type text here, or use the buttons."),
    Problem.USE_BUTTONS: N_("Please choose with the buttons."),
    Problem.REGION_NOT_FOUND: N_(
        "No province, regency or city has that name. Please type another name or choose "
        "with the buttons."
    ),
    Problem.TIME_FORMAT: N_("Please write the date and time like {example}."),
    Problem.NO_SUCH_DATE: N_("That date or time does not exist. Please check it."),
    Problem.IN_PAST: N_("That time has already passed. Please give a time in the future."),
    Problem.ENDS_NOT_AFTER_START: N_("The end must be after the start ({start})."),
    Problem.CLOSES_AFTER_START: N_("Registration must close no later than the start ({start})."),
    Problem.CLOSES_IN_PAST: N_("That deadline has already passed. Please give a later one."),
    Problem.CAPACITY: N_("Please type a whole number of seats from 1 to {limit}, or tap No limit."),
    Problem.TOPIC_TOO_LONG: N_("Each topic may have at most {limit} characters."),
    Problem.TOO_MANY_TOPICS: N_("At most {limit} topics, please."),
}
EXAMPLE: Final = "15/12/2026 09.00"
END_HOURS: Final = (2, 3, 8)

PART_NAMES: Final[dict[Part, str]] = {
    Part.TITLE: N_("Title"),
    Part.KIND: N_("Kind"),
    Part.REGION: N_("Region"),
    Part.VENUE: N_("Venue"),
    Part.TIME: N_("Date and time"),
    Part.CAPACITY: N_("Seats"),
    Part.CLOSES: N_("Registration deadline"),
    Part.TOPICS: N_("Topics"),
    Part.DESCRIPTION: N_("Description"),
}


def _tap(wizard: Wizard, action: WizardAction, arg: str = "") -> str:
    return WizardTap(wizard.step, action, arg).pack()


def zone_name(wizard: Wizard) -> str:
    return ZONE_NAMES.get(str(wizard.zone()), str(wizard.zone()))


def _start(wizard: Wizard, locale: str) -> str:
    return date_time(wizard.aware(wizard.local("starts")), wizard.zone(), locale)


def refusal(refused: Refused, wizard: Wizard, _: Gettext, locale: str) -> str:
    values: dict[str, object] = {"limit": refused.limit, "length": refused.length}
    values["example"] = EXAMPLE
    if "starts" in wizard.values and "region" in wizard.values:
        values["start"] = _start(wizard, locale)
    return escape(_(PROBLEMS[refused.problem]).format(**values))


def question(
    wizard: Wizard,
    _: Gettext,
    locale: str,
    matches: list[regions.Region] | None = None,
    title: str | None = None,
) -> tuple[str, Keyboard]:
    """The current step's question and buttons. `title` names the published event being
    changed; without it, the step's number in the new event's wizard heads the question."""
    step = wizard.step
    if title is not None:
        head = _("Changing “{title}”").format(title=title)
    else:
        head = _("New event, step {n} of {total}").format(n=STEPS.index(step) + 1, total=len(STEPS))
    values = {"limit": LIMITS.get(step, 0), "example": EXAMPLE}
    if step in (Step.STARTS, Step.CLOSES):
        values["zone"] = zone_name(wizard)
    text = _(QUESTIONS[step]).format(**values)
    if step is Step.REGION and wizard.province:
        text = _("Choose the regency or city in {province}, or the whole province.").format(
            province=region_name(wizard.province)
        )
    if step is Step.REGION and matches:
        text = _("Choose one of these, or type another name.")
    lines = [f"<b>{escape(head)}</b>", "", escape(text)]
    if step is Step.REGION and not matches:
        # The page is said in the text, as on survey screens: a label button would do nothing.
        _shown, pages = regions.page(_region_items(wizard), wizard.page)
        if pages > 1:
            number = min(wizard.page, pages - 1) + 1
            lines.append(escape(_("Page {n} of {total}").format(n=number, total=pages)))
    if step in (Step.ENDS, Step.CLOSES):
        lines.append(escape(_("Start: {start}").format(start=_start(wizard, locale))))
    return "\n".join(lines), keyboard([*_rows(wizard, _, matches), _cancel_row(wizard, _)])


def _cancel_row(wizard: Wizard, _: Gettext) -> list[Button]:
    return [button(_("✖️ Cancel"), _tap(wizard, WizardAction.CANCEL))]


def _rows(wizard: Wizard, _: Gettext, matches: list[regions.Region] | None) -> list[list[Button]]:
    step = wizard.step
    if step in (Step.TITLE_EN, Step.TOPICS, Step.DESCRIPTION_EN):
        return [[button(_("Skip ⏭"), _tap(wizard, WizardAction.SKIP))]]
    if step is Step.KIND:
        return [
            [button(_(render.KIND_NAMES[k]), _tap(wizard, WizardAction.KIND, k)) for k in KINDS]
        ]
    if step is Step.REGION:
        return _region_rows(wizard, _, matches)
    if step is Step.ENDS:
        return [
            [
                button(_("+{hours} hours").format(hours=h), _tap(wizard, WizardAction.END, str(h)))
                for h in END_HOURS
            ]
        ]
    if step is Step.CAPACITY:
        return [[button(_("No limit"), _tap(wizard, WizardAction.NO_LIMIT))]]
    if step is Step.CLOSES:
        return [
            [button(_("When the event starts"), _tap(wizard, WizardAction.CLOSES, "0"))],
            [button(_("1 day before"), _tap(wizard, WizardAction.CLOSES, "1"))],
        ]
    return []


def _region_items(wizard: Wizard) -> tuple[regions.Region, ...]:
    return regions.regencies(wizard.province) if wizard.province else regions.provinces()


def _region_rows(
    wizard: Wizard, _: Gettext, matches: list[regions.Region] | None
) -> list[list[Button]]:
    if matches:
        return [
            [button(region_name(r.code), _tap(wizard, WizardAction.REGION, r.code))]
            for r in matches
        ]
    province = wizard.province
    action = WizardAction.REGION if province else WizardAction.PROVINCE
    shown, pages = regions.page(_region_items(wizard), wizard.page)
    number = min(wizard.page, pages - 1)
    rows = [
        [button(r.name, _tap(wizard, action, r.code)) for r in shown[i : i + 2]]
        for i in range(0, len(shown), 2)
    ]
    # Page arrows unlike "◀️ Back", as on survey screens.
    paging: list[Button] = []
    if number > 0:
        back = _tap(wizard, WizardAction.PAGE, f"{province}/{number - 1}")
        paging.append(button(_("« Previous"), back))
    if number < pages - 1:
        on = _tap(wizard, WizardAction.PAGE, f"{province}/{number + 1}")
        paging.append(button(_("Next »"), on))
    rows.append(paging)
    if province:
        whole = _("Whole province of {province}").format(province=region_name(province))
        rows.append([button(whole, _tap(wizard, WizardAction.REGION, province))])
        rows.append([button(_("◀️ Other province"), _tap(wizard, WizardAction.PAGE, "/0"))])
    return rows


def preview(
    event: Event, wizard: Wizard, _: Gettext, locale: str, registrants: int = 0
) -> tuple[str, Keyboard]:
    """The event as people will see it, and what staff can do with it: publish a new one, or
    save a published one's changes (telling its registrants, if it moved)."""
    details, _unused = render.details(event, 0, _, locale)
    other = "en" if locale == "id" else "id"
    lines = [
        "<b>" + escape(_("Preview: this is how people will see it.")) + "</b>",
        "",
        details,
        "",
        "🔖 " + escape(_("Topics: {topics}").format(topics=", ".join(event.topics) or "-")),
        "🌐 " + escape(f"{other}: {event.title[other]}"),
    ]
    if wizard.event_id is None:
        rows = [
            [button(_("✅ Publish"), _tap(wizard, WizardAction.PUBLISH))],
            [
                button(_("✏️ Change"), _tap(wizard, WizardAction.CHANGE)),
                button(_("🗑 Discard"), _tap(wizard, WizardAction.DISCARD)),
            ],
        ]
    else:
        rows = [[button(_("💾 Save"), _tap(wizard, WizardAction.SAVE))]]
        if registrants:
            tell = _("💾 Save and tell {count} registrants").format(count=registrants)
            rows.append([button(tell, _tap(wizard, WizardAction.SAVE, "tell"))])
        rows.append(
            [
                button(_("✏️ Change"), _tap(wizard, WizardAction.CHANGE)),
                button(_("✖️ Cancel"), _tap(wizard, WizardAction.CANCEL)),
            ]
        )
    return "\n".join(lines), keyboard(rows)


def parts(wizard: Wizard, _: Gettext) -> tuple[str, Keyboard]:
    """Which part of the event to change."""
    names = list(PART_NAMES.items())
    rows = [
        [button(_(name), _tap(wizard, WizardAction.PART, part)) for part, name in names[i : i + 2]]
        for i in range(0, len(names), 2)
    ]
    rows.append([button(_("◀️ Back"), _tap(wizard, WizardAction.PREVIEW))])
    return escape(_("What do you want to change?")), keyboard(rows)
