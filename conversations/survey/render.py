"""What a survey step looks like in the chat: message text and buttons.

Every button is a `SurveyTap` (handlers/buttons.py): the session's revision when the screen
was drawn, what the button does (an `Action`) and its argument.
"""

from __future__ import annotations

from datetime import date
from html import escape

from bot.core import regions
from bot.core.formatting import long_date
from bot.core.survey import engine
from bot.core.survey.actions import Action
from bot.core.survey.display import describe, region_name
from bot.core.survey.engine import REVIEW
from bot.core.survey.model import (
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
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
from bot.core.text import pick
from bot.i18n import N_, Gettext
from handlers.buttons import SurveyTap
from handlers.send import Button, Keyboard, button, keyboard

REVIEW_LINE_LIMIT = 90

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
}
UNCLEAR = N_("Sorry, I didn't understand that.")


def _button(text: str, session: Session, action: Action, arg: object = "") -> Button:
    return button(text, SurveyTap(session.rev, action, str(arg)).pack())


def error_text(error: Invalid, question: Question | None, locale: str, _: Gettext) -> str:
    """The polite explanation of what was wrong, in the person's language."""
    if question is not None and question.error and error.code not in {"not_text", "text.too_long"}:
        return escape(pick(question.error, locale))
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


def question_screen(
    survey: Survey,
    session: Session,
    locale: str,
    _: Gettext,
    matches: list[regions.Region] | None = None,
) -> tuple[str, Keyboard]:
    question = survey.question(session.cursor)
    assert question is not None
    position, total = engine.progress(survey, session.answers, question.id)
    lines = [
        "<i>" + escape(_("Question {n} of {total}").format(n=position, total=total)) + "</i>",
        "<b>" + escape(pick(question.text, locale)) + "</b>",
    ]
    if question.hint:
        lines.append("<i>" + escape(pick(question.hint, locale)) + "</i>")
    other_of = session.pending.get("other_of") == question.id
    if other_of:
        lines.append("")
        lines.append(escape(_("You chose “Other”. Please type it in a few words.")))
    else:
        instruction = _instruction(question, session, locale, _)
        if instruction:
            lines.append("")
            lines.append(escape(instruction))
        if isinstance(question, RegionQuestion) and not matches:
            # Which page of the list is showing: said in the text, where it is no button
            # that looks tappable and does nothing.
            _shown, number, pages = _region_page(session)
            if pages > 1:
                where = _("Page {n} of {total}").format(n=number + 1, total=pages)
                lines.append("<i>" + escape(where) + "</i>")
    current = session.answers.get(question.id)
    if current is not None and not other_of:
        lines.append("")
        lines.append(
            escape(
                _("Your answer now: {answer}").format(answer=describe(question, current, locale, _))
            )
        )
    rows = [] if other_of else _answer_rows(question, session, locale, _, matches)
    rows.append(_nav_row(survey, session, question, _))
    return "\n".join(lines), keyboard([r for r in rows if r])


def _instruction(question: Question, session: Session, locale: str, _: Gettext) -> str:
    if isinstance(question, MultiChoice):
        top = question.max_choices or len(question.choices)
        if top < len(question.choices):
            return _("Choose up to {max}, then tap Done.").format(max=top)
        return _("Choose all that apply, then tap Done.")
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


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _answer_rows(
    question: Question,
    session: Session,
    locale: str,
    _: Gettext,
    matches: list[regions.Region] | None,
) -> list[list[Button]]:
    current = session.answers.get(question.id)
    if isinstance(question, SingleChoice):
        chosen = current.value if current else None
        return [
            [
                _button(
                    ("✅ " if c.id == chosen else "") + pick(c.label, locale),
                    session,
                    Action.CHOOSE,
                    c.id,
                )
            ]
            for c in question.choices
        ]
    if isinstance(question, MultiChoice):
        picked = session.pending.get("picked")
        if picked is None:
            picked = current.value if current and isinstance(current.value, list) else []
        rows = [
            [
                _button(
                    ("✅ " if c.id in picked else "⬜ ") + pick(c.label, locale),
                    session,
                    Action.TOGGLE,
                    c.id,
                )
            ]
            for c in question.choices
        ]
        rows.append([_button(_("Done ({n} chosen)").format(n=len(picked)), session, Action.DONE)])
        return rows
    if isinstance(question, YesNoQuestion):
        return [
            [
                _button(_("Yes"), session, Action.YES),
                _button(_("No"), session, Action.NO),
            ]
        ]
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
    # Words, not ◀️ ▶️: the ◀️ of Back sits just below, and the two were taken for each other.
    paging = []
    if number > 0:
        paging.append(_button(_("« Previous"), session, Action.PAGE, number - 1))
    if number < pages - 1:
        paging.append(_button(_("Next »"), session, Action.PAGE, number + 1))
    rows.append(paging)
    return rows


def _region_page(session: Session) -> tuple[tuple[regions.Region, ...], int, int]:
    """The provinces, or the chosen province's kabupaten/kota, on the page showing: the
    regions, the page's number (from 0) and the number of pages."""
    province = session.pending.get("province")
    items = regions.regencies(province) if province else regions.provinces()
    shown, pages = regions.page(items, int(session.pending.get("page", 0)))
    return shown, min(int(session.pending.get("page", 0)), pages - 1), pages


def _nav_row(survey: Survey, session: Session, question: Question, _: Gettext) -> list[Button]:
    row = []
    in_step = bool(session.pending.get("other_of") or session.pending.get("province"))
    # The first question never has skip logic (it can only look back), so it always shows and
    # every later question has one before it.
    if in_step or survey.index(question.id) > 0:
        row.append(_button(_("◀️ Back"), session, Action.BACK))
    if not question.required and not in_step:
        row.append(_button(_("Skip ⏭"), session, Action.SKIP))
    if question.id in session.answers and not in_step:
        row.append(_button(_("Keep ▶️"), session, Action.KEEP))
    return row


# -- review and the end ------------------------------------------------------------------------


def review_screen(
    survey: Survey, session: Session, locale: str, _: Gettext
) -> tuple[str, Keyboard]:
    shown = engine.asked(survey, session.answers)
    lines = ["<b>" + escape(_("Please check your answers")) + "</b>", ""]
    for number, slot in enumerate(shown, start=1):
        question = slot.question
        answer = session.answers.get(slot.key)
        value = describe(question, answer, locale, _) if answer else _("(not answered)")
        short = getattr(question, "short", None)
        title = pick(short, locale) if short else _shorten(pick(question.text, locale), 60)
        lines.append(
            f"{number}. {escape(title)}\n    <b>{escape(_shorten(value, REVIEW_LINE_LIMIT))}</b>"
        )
    lines.append("")
    lines.append(escape(_("Tap ✏️ and a number to change an answer, or Submit if all is correct.")))
    edits = [_button(f"✏️ {i + 1}", session, Action.EDIT, q.id) for i, q in enumerate(shown)]
    rows = [edits[i : i + 5] for i in range(0, len(edits), 5)]
    rows.append(
        [
            _button(_("◀️ Back"), session, Action.BACK),
            _button(_("✅ Submit"), session, Action.SUBMIT),
        ]
    )
    return "\n".join(lines), keyboard(rows)


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
