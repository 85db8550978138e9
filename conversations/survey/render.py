"""What a survey step looks like in the chat: message text and buttons.

Every button is a `SurveyTap` (handlers/buttons.py): the session's revision when the screen
was drawn, what the button does (an `Action`) and its argument.

An imported XLSForm adds to a screen what the form asks for: its group titles as a section
header when the section changes, the round of a repeat beside the progress, `${name}` filled in
everywhere, the notes before the question, an OK button, a default as one tap, the choices a
choice_filter leaves a page at a time, and a review that pages when the form is long. A YAML
survey uses none of it and its screens stay as they were.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from babel.lists import format_list

from bot.core import regions
from bot.core.formatting import long_date
from bot.core.survey import engine
from bot.core.survey.actions import Action
from bot.core.survey.display import asked_as, describe, lowered, region_name, rounds_label
from bot.core.survey.engine import REVIEW
from bot.core.survey.model import (
    AcknowledgeQuestion,
    AnotherRound,
    Choice,
    ChoiceQuestion,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    LocationQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    TextQuestion,
    YesNoQuestion,
)
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session
from bot.core.survey.slot import Slot
from bot.core.text import LocalText, pick
from bot.i18n import N_, Gettext
from handlers.buttons import SurveyTap
from handlers.send import Button, Keyboard, button, keyboard

REVIEW_LINE_LIMIT = 90
# A choice list longer than this is shown CHOICE_PAGE buttons at a time (an imported form's
# list of districts can hold hundreds); shorter lists, the shipped surveys' (13 at most)
# among them, stay on one screen as they always were.
CHOICE_PAGE = 10
LONG_LIST = 20
# The review of a long form, a page at a time: what it shows must fit Telegram's 4,096
# characters (a line shows at most about 190) and its ✏️ buttons Telegram's 100.
REVIEW_PAGE = 15
REVIEW_WHOLE = 50
MESSAGE_BUDGET = 3800
# Notes up to this many characters come in the question's message, above it; longer ones (a
# consent text) come in messages of their own before it (`notes_apart`), never cut.
NOTES_BUDGET = 2000
REVIEW_NOTES_BUDGET = 600
# A question's own texts are cut there at worst: the message must fit Telegram's 4,096.
QUESTION_MAX = 1200
HINT_MAX = 600

ERRORS = {
    "not_text": N_(
        "Please answer with text or the buttons; I can't read stickers, photos or voice notes here."
    ),
    "choice.buttons": N_("Please choose one of the buttons below."),
    "review.buttons": N_("Please use the buttons: ✏️ to change an answer, or Submit."),
    "confirm.buttons": N_("Please choose one of the buttons: stop the survey or carry on."),
    "text.too_short": N_("The answer is too short. Please write at least {min} characters."),
    # How long it was, not only the limit: a person cutting a long text needs to know by how much.
    "text.too_long": N_("Your answer is {length} characters; at most {max}. Please shorten it."),
    "number.nan": N_("Please type a number only, for example 5."),
    "number.whole": N_("Please type a whole number, without a comma."),
    "number.range": N_("Please type a number from {min} to {max}."),
    "number.min": N_("Please type a number of at least {min}."),
    "number.max": N_("Please type a number of at most {max}."),
    "number.too_large": N_("That number is too large. Please check it."),
    "scale.range": N_("Please choose a number from {min} to {max}."),
    "date.format": N_("Please type the date as day/month/year, for example 1/10/2025."),
    "date.invalid": N_("That date does not exist. Please check the day and the month."),
    "date.too_early": N_("The date cannot be before {min}."),
    "date.too_late": N_("The date cannot be after {max}."),
    "multi.too_few": N_("Please choose at least {min}."),
    "multi.too_many": N_("You can choose at most {max}. Untick one first."),
    "region.not_found": N_("I could not find “{text}”. Please choose from the list below."),
    # An imported form's own message (constraint_message, required_message) comes first.
    "constraint": N_("This answer is not right yet. Please check it again."),
    "required": N_("This question needs an answer."),
    "location.format": N_(
        "Please share your location with the button, or type it as latitude, longitude, "
        "for example -8.65, 115.22."
    ),
    "location.range": N_(
        "Those coordinates do not exist: latitude goes from -90 to 90, longitude from -180 to 180."
    ),
    "location.unexpected": N_(
        "This question does not ask for a location. Please answer with the buttons or by typing."
    ),
}
UNCLEAR = N_("Sorry, I didn't understand that.")


def _button(text: str, session: Session, action: Action, arg: object = "") -> Button:
    return button(text, SurveyTap(session.rev, action, str(arg)).pack())


def _named_button(
    text: str, session: Session, action: Action, name: str, place: int, ambiguous: bool = False
) -> Button:
    """A button naming a choice or a review line by its id, or by its place ("#3") when the id
    does not fit Telegram's 64 bytes or names more than one choice (a cascading list's "king"
    of two states)."""
    if not ambiguous and not name.startswith("#"):
        try:
            return button(text, SurveyTap(session.rev, action, name).pack())
        except ValueError:  # too long for a button
            pass
    return _button(text, session, action, f"#{place}")


def error_text(
    error: Invalid,
    question: Question | None,
    locale: str,
    _: Gettext,
    *,
    survey: Survey | None = None,
    session: Session | None = None,
) -> str:
    """The polite explanation of what was wrong, in the person's language. An imported form's
    constraint_message or required_message says it in the form's words, `${name}` filled in
    (given the survey and the session)."""
    if question is not None and question.error and error.code not in {"not_text", "text.too_long"}:
        return escape(pick(question.error, locale))
    if error.code in {"constraint", "required"}:
        own = error.params.get("message")
        if isinstance(own, dict) and own:
            text = pick(own, locale)
            if survey is not None and session is not None:
                text = engine.fill(text, survey, session.answers, session.cursor, locale)
            return escape(text)
        return escape(_(ERRORS[error.code]))
    params = {key: _param(value, locale) for key, value in error.params.items()}
    template = ERRORS.get(error.code) or UNCLEAR
    return escape(_(template).format(**params))


def _param(value: object, locale: str) -> object:
    if isinstance(value, date):
        return long_date(value, locale)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- questions ---------------------------------------------------------------------------------


class _View:
    """The question on screen as this respondent sees it now: its answer key, and the form's
    texts with `${name}` filled in from their answers."""

    def __init__(self, survey: Survey, session: Session, locale: str) -> None:
        self.survey, self.session, self.locale = survey, session, locale
        self.key = session.cursor
        question = survey.question(self.key)
        assert question is not None
        self.question: Question = question

    def text(self, value: LocalText | None, key: str | None = None) -> str:
        """A text of the form in the person's language, `${name}` filled in as `key` (this
        question, unless said) sees it."""
        found = pick(value, self.locale)
        if self.survey.plain or "${" not in found:
            return found
        return engine.fill(found, self.survey, self.session.answers, key or self.key, self.locale)

    def offered(self) -> list[Choice]:
        """The choices the list offers now (a choice_filter may leave fewer)."""
        if not isinstance(self.question, ChoiceQuestion):
            return []
        if self.question.choice_filter is None:
            return self.question.choices
        return engine.choices_for(self.survey, self.session.answers, self.key)


def question_screen(
    survey: Survey,
    session: Session,
    locale: str,
    _: Gettext,
    matches: list[regions.Region] | None = None,
) -> tuple[str, Keyboard]:
    view = _View(survey, session, locale)
    question = view.question
    position, total = engine.progress(survey, session.answers, view.key)
    where = _("Question {n} of {total}").format(n=position, total=total)
    rounds = _rounds(view, _)
    lines = _collects(survey, session, locale, _)
    section = _new_section(view)
    if section:
        lines += ["<b>" + escape(section) + "</b>"]
    lines.append("<i>" + escape(" · ".join([where, *rounds])) + "</i>")
    notes = _notes(view, NOTES_BUDGET)
    if notes:
        lines += ["", *notes, ""]
    lines.append("<b>" + escape(_shorten(_title(view, _), QUESTION_MAX)) + "</b>")
    if question.hint:
        lines.append("<i>" + escape(_shorten(view.text(question.hint), HINT_MAX)) + "</i>")
    other_of = session.pending.get("other_of") == view.key
    if other_of:
        lines.append("")
        lines.append(escape(_("You chose “Other”. Please type it in a few words.")))
    else:
        instruction = _instruction(view, _)
        if instruction:
            lines.append("")
            lines.append(escape(instruction))
        pages = _page_note(view, matches, _)
        if pages:
            lines.append("<i>" + escape(pages) + "</i>")
    current = session.answers.get(view.key)
    if current is not None and not other_of and not isinstance(question, AnotherRound):
        lines.append("")
        lines.append(
            escape(
                _("Your answer now: {answer}").format(answer=describe(question, current, locale, _))
            )
        )
    rows = [] if other_of else _answer_rows(view, _, matches)
    rows.append(_default_row(view, _))
    rows.append(_nav_row(view, _))
    return "\n".join(lines), keyboard([r for r in rows if r])


# What an imported form asks for beyond what the data notice names (Survey.collects).
_COLLECTS = {
    "location": N_("your location"),
    "name": N_("a name"),
    "phone": N_("a phone number"),
    "id_number": N_("an ID number (NIK)"),
    "email": N_("an email address"),
    "address": N_("an address"),
}


def _collects(survey: Survey, session: Session, locale: str, _: Gettext) -> list[str]:
    """Above an imported form's first question, before anything is answered: the personal
    data it asks for that the data notice says the bot does not (a location, a name), what
    it is used for and how to delete it. People hear of it before they give it (UU PDP)."""
    if not survey.collects or session.answers:
        return []
    what = format_list([_(_COLLECTS[kind]) for kind in survey.collects], locale=locale)
    text = _(
        "🔒 This survey also asks for {what}. Those answers are used for this survey only, "
        "and /hapusdata deletes them with your other answers."
    ).format(what=what)
    return [escape(text), ""]


def _title(view: _View, _: Gettext) -> str:
    question = view.question
    if isinstance(question, AnotherRound):
        return _("Another {label}?").format(label=lowered(view.text(question.text)))
    return view.text(question.text)


def _rounds(view: _View, _: Gettext) -> list[str]:
    """Which round of each repeat around the question: "Anggota rumah tangga ke-2"."""
    if not view.question.repeat:
        return []
    found = rounds_label(view.survey, view.session.answers, view.key, view.locale, _)
    return [found] if found else []


def _new_section(view: _View) -> str:
    """The group title above the question, when it is not the previous question's."""
    section = view.question.section
    if not section:
        return ""
    previous = engine.previous_question(view.survey, view.session.answers, view.key)
    before = view.survey.question(previous) if previous else None
    if before is not None and before.section == section:
        return ""
    return view.text(section)


def _note_texts(view: _View, key: str) -> list[str]:
    """The notes shown with the question `key` (with REVIEW, those at the end of the form), as
    plain texts, `${name}` filled in."""
    if view.survey.plain:
        return []
    texts = []
    for slot in engine.notes_before(view.survey, view.session.answers, key):
        note = slot.question
        text = view.text(note.text, slot.key)
        if note.hint:
            text += "\n" + view.text(note.hint, slot.key)
        if text.strip():
            texts.append(text)
    return texts


def _notes(view: _View, budget: int, key: str | None = None) -> list[str]:
    """The notes to show in the question's message, as HTML lines: all of them when they fit
    `budget` characters, else none (they come before it instead: `notes_apart`)."""
    texts = _note_texts(view, key or view.key)
    if sum(len(t) for t in texts) > budget:
        return []
    return [escape(t) for t in texts]


def notes_apart(survey: Survey, session: Session, locale: str) -> list[str]:
    """Notes too long to share the question's message (a form's consent text), as messages of
    their own to send before it (HTML, each within Telegram's 4,096 characters); usually none."""
    if survey.plain or session.pending.get("confirm_cancel"):
        return []
    view: _View = (
        _ReviewView(survey, session, locale)
        if session.cursor == REVIEW
        else _View(survey, session, locale)
    )
    budget = REVIEW_NOTES_BUDGET if session.cursor == REVIEW else NOTES_BUDGET
    texts = _note_texts(view, session.cursor)
    if sum(len(t) for t in texts) <= budget:
        return []
    return [escape(chunk) for chunk in _chunks("\n\n".join(texts), MESSAGE_BUDGET)]


def _chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, split between lines where it can be."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a message: split at a space
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            pieces.append(current)
            current = line
        else:
            current = joined
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _instruction(view: _View, _: Gettext) -> str:
    question, session, locale = view.question, view.session, view.locale
    if isinstance(question, MultiChoice):
        top = question.max_choices or len(question.choices)
        if top < len(question.choices):
            return _("Choose up to {max}, then tap Done.").format(max=top)
        return _("Choose all that apply, then tap Done.")
    if isinstance(question, SingleChoice) and len(view.offered()) > LONG_LIST:
        return _("Choose one of the buttons, or type the name of your choice.")
    if isinstance(question, TextQuestion):
        return _("Type your answer (at most {max} characters).").format(max=question.max_length)
    if isinstance(question, IntegerQuestion | DecimalQuestion):
        unit = pick(question.unit, locale)
        if question.min is not None and question.max is not None:
            text = _("Type a number from {min} to {max}.").format(
                min=_num(question.min), max=_num(question.max)
            )
        else:
            text = _("Type a number.")
        return f"{text} ({unit})" if unit else text
    if isinstance(question, DateQuestion):
        return _("Type the date as day/month/year, for example 1/10/2025.")
    if isinstance(question, LocationQuestion):
        return _(
            "Tap “📍 Send my location” below, or type the coordinates, for example -8.65, 115.22."
        )
    if isinstance(question, ScaleQuestion):
        ends = [f"{k} = {pick(v, locale)}" for k, v in sorted(question.labels.items())]
        return "; ".join(ends)
    if isinstance(question, RegionQuestion):
        province = session.pending.get("province")
        if province:
            return _("Province: {name}. Choose your regency or city, or type its name.").format(
                name=region_name(province)
            )
        if question.level == "province":
            return _("Choose your province, or type its name.")
        return _("Choose your province, or type the name of your regency or city, e.g. Kupang.")
    return ""


def _page_note(view: _View, matches: list[regions.Region] | None, _: Gettext) -> str:
    """Which page of a long list is showing: said in the text, where it is no button that
    looks tappable and does nothing."""
    if isinstance(view.question, RegionQuestion) and not matches:
        _shown, number, pages = _region_page(view.session)
    elif isinstance(view.question, ChoiceQuestion):
        _page, number, pages = _choice_page(view, view.offered())
    else:
        return ""
    return _("Page {n} of {total}").format(n=number + 1, total=pages) if pages > 1 else ""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _answer_rows(
    view: _View, _: Gettext, matches: list[regions.Region] | None
) -> list[list[Button]]:
    question, session = view.question, view.session
    current = session.answers.get(view.key)
    if isinstance(question, SingleChoice):
        chosen = current.value if current else None
        return _choice_rows(view, Action.CHOOSE, lambda c: "✅ " if c.id == chosen else "", _)
    if isinstance(question, MultiChoice):
        picked = session.pending.get("picked")
        if picked is None:
            picked = current.value if current and isinstance(current.value, list) else []
        rows = _choice_rows(view, Action.TOGGLE, lambda c: "✅ " if c.id in picked else "⬜ ", _)
        rows.append([_button(_("Done ({n} chosen)").format(n=len(picked)), session, Action.DONE)])
        return rows
    if isinstance(question, YesNoQuestion):
        return [
            [
                _button(_("Yes"), session, Action.YES),
                _button(_("No"), session, Action.NO),
            ]
        ]
    if isinstance(question, AnotherRound):
        label = lowered(view.text(question.text))
        return [
            [
                _button(_("➕ Add {label}").format(label=label), session, Action.YES),
                _button(_("Done"), session, Action.NO),
            ]
        ]
    if isinstance(question, AcknowledgeQuestion):
        return [[_button(_("✅ OK"), session, Action.ACKNOWLEDGE)]]
    if isinstance(question, ScaleQuestion):
        return [
            [
                _button(str(v), session, Action.SCALE, v)
                for v in range(question.min, question.max + 1)
            ]
        ]
    if isinstance(question, RegionQuestion):
        return _region_rows(question, session, _, matches)
    return []


def _choice_page(view: _View, offered: Sequence[Choice]) -> tuple[Sequence[Choice], int, int]:
    """The choices on the page showing, the page's number (from 0) and the number of pages.
    Without a page asked for, the page of the answer given before."""
    if len(offered) <= LONG_LIST:
        return offered, 0, 1
    pages = -(-len(offered) // CHOICE_PAGE)
    if "page" in view.session.pending:
        number = int(view.session.pending["page"])
    else:
        current = view.session.answers.get(view.key)
        chosen = current.value if current else None
        ids = [c.id for c in offered]
        number = ids.index(chosen) // CHOICE_PAGE if chosen in ids else 0
    number = max(0, min(number, pages - 1))
    return offered[number * CHOICE_PAGE : (number + 1) * CHOICE_PAGE], number, pages


def _choice_rows(
    view: _View, action: Action, mark: Callable[[Choice], str], _: Gettext
) -> list[list[Button]]:
    question = view.question
    assert isinstance(question, ChoiceQuestion)
    offered = view.offered()
    shown, number, pages = _choice_page(view, offered)
    filtered = question.choice_filter is not None
    # Buttons name a choice by its place in the whole list when its id does not fit one, or
    # when a cascading list uses the id twice.
    places = {id(c): i for i, c in enumerate(question.choices)}
    names = [c.id for c in question.choices] if filtered else []
    rows = [
        [
            _named_button(
                mark(c) + view.text(c.label),
                view.session,
                action,
                c.id,
                places[id(c)],
                filtered and names.count(c.id) > 1,
            )
        ]
        for c in shown
    ]
    if pages > 1:
        rows.append(_paging(view.session, number, pages, _))
    return rows


def _region_rows(
    question: RegionQuestion, session: Session, _: Gettext, matches: list[regions.Region] | None
) -> list[list[Button]]:
    province = session.pending.get("province")
    if matches:
        rows = [
            [
                _button(
                    region_name(r.code),
                    session,
                    Action.REGENCY if "." in r.code else Action.PROVINCE,
                    r.code,
                )
            ]
            for r in matches
        ]
        # None of these? The list is one tap away (Back would leave the question).
        listed = _("📋 List of regencies and cities") if province else _("📋 List of provinces")
        rows.append([_button(listed, session, Action.PAGE, session.pending.get("page", 0))])
        return rows
    action = Action.REGENCY if province else Action.PROVINCE
    shown, number, pages = _region_page(session)
    rows = [
        [_button(r.name, session, action, r.code) for r in shown[i : i + 2]]
        for i in range(0, len(shown), 2)
    ]
    rows.append(_paging(session, number, pages, _))
    return rows


def _paging(session: Session, number: int, pages: int, _: Gettext) -> list[Button]:
    """« Previous / Next » under a list shown a page at a time (regions, long choice lists,
    a long review). Words, not ◀️ ▶️: the ◀️ of Back sits just below, and the two were taken
    for each other."""
    paging = []
    if number > 0:
        paging.append(_button(_("« Previous"), session, Action.PAGE, number - 1))
    if number < pages - 1:
        paging.append(_button(_("Next »"), session, Action.PAGE, number + 1))
    return paging


def _region_page(session: Session) -> tuple[tuple[regions.Region, ...], int, int]:
    """The provinces, or the chosen province's kabupaten/kota, on the page showing: the
    regions, the page's number (from 0) and the number of pages."""
    province = session.pending.get("province")
    items = regions.regencies(province) if province else regions.provinces()
    shown, pages = regions.page(items, int(session.pending.get("page", 0)))
    return shown, min(int(session.pending.get("page", 0)), pages - 1), pages


def _default_row(view: _View, _: Gettext) -> list[Button]:
    """The form's default as a one-tap answer, while the question is unanswered."""
    question, session = view.question, view.session
    if question.default is None or view.key in session.answers or session.pending:
        return []
    shown = question.default
    if isinstance(question, ChoiceQuestion):
        names = shown.split() if isinstance(question, MultiChoice) else [shown]
        labels = [view.text(c.label) for n in names if (c := question.choice(n)) is not None]
        shown = ", ".join(labels) or shown
    elif isinstance(question, DateQuestion):
        with contextlib.suppress(ValueError):  # a default that is no date: shown as written
            shown = long_date(date.fromisoformat(shown), view.locale)
    label = _("✓ {answer}").format(answer=_shorten(shown, 40))
    return [_button(label, session, Action.DEFAULT)]


def _nav_row(view: _View, _: Gettext) -> list[Button]:
    session, question = view.session, view.question
    row = []
    in_step = bool(session.pending.get("other_of") or session.pending.get("province"))
    if in_step or _has_previous(view):
        row.append(_button(_("◀️ Back"), session, Action.BACK))
    # A question required only when its required_if holds offers Skip: when it holds, the
    # tap answers with the form's required_message.
    optional = not question.required or question.required_if is not None
    if optional and not in_step and not isinstance(question, AnotherRound):
        row.append(_button(_("Skip ⏭"), session, Action.SKIP))
    if view.key in session.answers and not in_step:
        row.append(_button(_("Keep ▶️"), session, Action.KEEP))
    return row


def _has_previous(view: _View) -> bool:
    if view.survey.plain:
        # The first question never has skip logic (it can only look back), so it always shows
        # and every later question has one before it.
        return view.survey.index(view.question.id) > 0
    return engine.previous_question(view.survey, view.session.answers, view.key) is not None


# -- review and the end ------------------------------------------------------------------------


def review_screen(
    survey: Survey, session: Session, locale: str, _: Gettext
) -> tuple[str, Keyboard]:
    """Every answer, each with its ✏️ button; a long form's review a page at a time, so that
    it fits one message (a review that fits is shown whole, as it always was)."""
    view = _ReviewView(survey, session, locale)
    shown = engine.asked(survey, session.answers)
    entries = [_review_line(view, number, slot, _) for number, slot in enumerate(shown, start=1)]
    notes = _notes(view, REVIEW_NOTES_BUDGET, REVIEW)
    head = [*notes, ""] if notes else []
    head.append("<b>" + escape(_("Please check your answers")) + "</b>")
    foot = ["", escape(_("Tap ✏️ and a number to change an answer, or Submit if all is correct."))]
    whole = sum(len(line) + 1 for line in [*entries, *head, *foot])
    if whole <= MESSAGE_BUDGET and len(entries) <= REVIEW_WHOLE:
        first, number, pages, page = 0, 0, 1, shown
    else:
        pages = -(-len(entries) // REVIEW_PAGE)
        keys = [slot.key for slot in shown]
        changed = session.pending.get("changed")
        if "page" not in session.pending and changed in keys:
            number = keys.index(changed) // REVIEW_PAGE  # back from changing that answer
        else:
            number = max(0, min(int(session.pending.get("page", 0)), pages - 1))
        first = number * REVIEW_PAGE
        page = shown[first : first + REVIEW_PAGE]
        where = _("Page {n} of {total}").format(n=number + 1, total=pages)
        head.append("<i>" + escape(where) + "</i>")
    lines = [*head, "", *entries[first : first + len(page)], *foot]
    edits = [
        _named_button(f"✏️ {first + i + 1}", session, Action.EDIT, slot.key, first + i)
        for i, slot in enumerate(page)
    ]
    rows = [edits[i : i + 5] for i in range(0, len(edits), 5)]
    if pages > 1:
        rows.append(_paging(session, number, pages, _))
    rows.append(
        [
            _button(_("◀️ Back"), session, Action.BACK),
            _button(_("✅ Submit"), session, Action.SUBMIT),
        ]
    )
    return "\n".join(lines), keyboard(rows)


class _ReviewView(_View):
    """The review: no question on screen, texts filled in as each line's own slot sees them."""

    def __init__(self, survey: Survey, session: Session, locale: str) -> None:
        self.survey, self.session, self.locale = survey, session, locale
        self.key = REVIEW


def _review_line(view: _ReviewView, number: int, slot: Slot, _: Gettext) -> str:
    question = slot.question
    answers = view.session.answers
    answer = answers.get(slot.key)
    value = describe(question, answer, view.locale, _) if answer else _("(not answered)")
    if question.short:
        title = pick(question.short, view.locale)
        if question.repeat:
            rounds = rounds_label(view.survey, answers, slot.key, view.locale, _)
            title = f"{rounds} › {title}"
    else:
        title = asked_as(view.survey, answers, slot, view.locale, _)
    # The end of a long title is what tells lines apart inside a repeat: the rounds stay.
    title = _shorten(title, 90 if question.repeat else 60)
    return f"{number}. {escape(title)}\n    <b>{escape(_shorten(value, REVIEW_LINE_LIMIT))}</b>"


def _shorten(text: str, limit: int) -> str:
    """The text, or as many whole words of it as fit with "…": a word cut in two ("pek…")
    reads as a typo. A single word longer than the limit is the one thing cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]  # room for the "…"
    if not text[limit - 1].isspace() and " " in head.strip():
        head = head.rsplit(maxsplit=1)[0]  # the word that does not fit whole goes
    return head.rstrip(" ,.;:–-(") + "…"


def screen(
    survey: Survey,
    session: Session,
    locale: str,
    _: Gettext,
    matches: list[regions.Region] | None = None,
) -> tuple[str, Keyboard]:
    """Whatever the session is waiting for: a /batal confirmation, the review, or a question."""
    if session.pending.get("confirm_cancel"):
        return confirm_cancel_screen(survey, session, locale, _)
    if session.cursor == REVIEW:
        return review_screen(survey, session, locale, _)
    return question_screen(survey, session, locale, _, matches)


def confirm_cancel_screen(
    survey: Survey, session: Session, locale: str, _: Gettext
) -> tuple[str, Keyboard]:
    text = _("Stop the survey “{title}”? The answers you gave so far will be deleted.").format(
        title=pick(survey.title, locale)
    )
    markup = keyboard(
        [
            [
                _button(_("Yes, stop"), session, Action.STOP),
                _button(_("No, carry on"), session, Action.CARRY_ON),
            ]
        ]
    )
    return escape(text), markup


def question_of(survey: Survey | None, session: Session | None) -> Question | None:
    if survey is None or session is None or session.cursor == REVIEW:
        return None
    return survey.question(session.cursor)


def asks_location(survey: Survey | None, session: Session | None) -> bool:
    """Whether the screen waits for a location: Telegram's location button belongs under it."""
    if session is None or session.pending.get("confirm_cancel"):
        return False
    return isinstance(question_of(survey, session), LocationQuestion)
