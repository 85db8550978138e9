"""What one tap or typed message does to a session. Pure: no storage, no Telegram.

Each function takes the session as it stands (already stamped with the new revision, time and
update id) and returns the decision: the session moved (store it), the response is submitted or
cancelled, or the action does not fit what is on screen. A bad answer raises `Invalid`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.core import regions
from bot.core.survey import engine, parse
from bot.core.survey.actions import Action
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.model import (
    AcknowledgeQuestion,
    AnotherRound,
    Choice,
    ChoiceQuestion,
    LocationQuestion,
    MultiChoice,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    YesNoQuestion,
)
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session


@dataclass(frozen=True)
class Moved:
    """The session changed; `answered` names the question whose answer is new, if any."""

    session: Session
    answered: str | None = None
    matches: list[regions.Region] = field(default_factory=list)


@dataclass(frozen=True)
class Submit:
    session: Session
    # Answers to questions the skip logic now hides: not kept (UU PDP, collect what is needed).
    drop: list[str]
    # An imported form's calculations, worked out from the answers kept: stored with them.
    computed: dict[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancel:
    session: Session


@dataclass(frozen=True)
class Unfit:
    """A button that does not belong to what is on screen (an old keyboard, forged data)."""


Step = Moved | Submit | Cancel | Unfit


def tap(survey: Survey, session: Session, action: Action, arg: str) -> Step:
    """A button on the current question, review or confirmation: what it does, and its argument."""
    if action is Action.STOP:
        return Cancel(session)
    if action is Action.CARRY_ON:
        return _show(session, pending=_without(session.pending, "confirm_cancel"))
    if session.pending.get("confirm_cancel"):
        raise Invalid("confirm.buttons")
    if session.cursor == REVIEW:
        return _tap_review(survey, session, action, arg)
    key = session.cursor
    question = survey.question(key)
    assert question is not None
    if action is Action.BACK:
        if session.pending.get("other_of") or session.pending.get("province"):
            return _show(session, pending={})  # back out of the follow-up, same question
        previous = engine.previous_question(survey, session.answers, key)
        return _show(session, cursor=previous or key, pending={})
    if action is Action.KEEP and key in session.answers:
        return _show(session, cursor=engine.next_question(survey, session.answers, key), pending={})
    if action is Action.SKIP:
        if engine.is_required(survey, session.answers, key):
            if question.required_if is None:
                return Unfit()  # no skip button is drawn for a required question
            raise Invalid("required", {"message": question.required_message})
        return _answered(survey, session, key, Answer(None))
    if action is Action.CHOOSE and isinstance(question, SingleChoice):
        choice = _choice_at(survey, session, question, arg)
        if choice.other:
            return _show(session, pending={"other_of": key, "value": choice.id})
        return _answered(survey, session, key, Answer(choice.id))
    if action is Action.TOGGLE and isinstance(question, MultiChoice):
        choice = _choice_at(survey, session, question, arg)
        picked = parse.toggle(question, _picked(session, question), choice.id)
        return _show(session, pending={**_page_only(session), "picked": picked})
    if action is Action.DONE and isinstance(question, MultiChoice):
        return _done(survey, session, question)
    if action is Action.PAGE and isinstance(question, ChoiceQuestion):
        page = _number(arg)
        if page is None:
            return Unfit()
        return _show(session, pending={**session.pending, "page": page})
    if action in {Action.YES, Action.NO} and isinstance(question, YesNoQuestion | AnotherRound):
        return _answered(survey, session, key, Answer(action is Action.YES))
    if action is Action.ACKNOWLEDGE and isinstance(question, AcknowledgeQuestion):
        return _answered(survey, session, key, Answer(ACKNOWLEDGED))
    if action is Action.DEFAULT and question.default is not None:
        value = _default(question, question.default)
        if isinstance(question, ChoiceQuestion) and question.choice_filter:
            offered = {c.id for c in engine.choices_for(survey, session.answers, key)}
            if any(v not in offered for v in (value if isinstance(value, list) else [value])):
                raise Invalid("choice.buttons")  # the filter no longer offers the default
        return _answered(survey, session, key, Answer(value))
    if action is Action.SCALE and isinstance(question, ScaleQuestion):
        value = _number(arg)
        if value is None or not question.min <= value <= question.max:
            raise Invalid("scale.range", {"min": question.min, "max": question.max})
        return _answered(survey, session, key, Answer(value))
    if isinstance(question, RegionQuestion):
        return _tap_region(survey, session, question, action, arg)
    return Unfit()


# What an acknowledge question stores, as ODK does.
ACKNOWLEDGED = "OK"


def located(
    survey: Survey, session: Session, latitude: float, longitude: float, accuracy: float = 0.0
) -> Step:
    """A location shared with Telegram's button, while a location question is on screen."""
    if session.pending.get("confirm_cancel"):
        raise Invalid("confirm.buttons")
    question = None if session.cursor == REVIEW else survey.question(session.cursor)
    if not isinstance(question, LocationQuestion):
        raise Invalid("location.unexpected")
    value = parse.geopoint(latitude, longitude, accuracy)
    return _answered(survey, session, session.cursor, Answer(value))


def typed(survey: Survey, session: Session, text: str, locale: str, today: date) -> Step:
    """A text message while a question (or the review, or a confirmation) is on screen."""
    if session.pending.get("confirm_cancel"):
        raise Invalid("confirm.buttons")
    if session.cursor == REVIEW:
        raise Invalid("review.buttons")
    key = session.cursor
    question = survey.question(key)
    assert question is not None
    if session.pending.get("other_of") == key:
        answer = Answer(session.pending["value"], parse.check_other(text))
        return _answered(survey, session, key, answer)
    if isinstance(question, RegionQuestion):
        matches = regions.search(text, session.pending.get("province"))
        if question.level == "province":
            # A kabupaten, a city or a capital typed for a province question names its province.
            matches = _provinces_of(matches)
        if not matches:
            raise Invalid("region.not_found", {"text": parse.clean(text)[:_ECHOED]})
        return Moved(session, matches=matches)
    if isinstance(question, AnotherRound):
        return _answered(survey, session, key, Answer(parse.yes_or_no(text)))
    if isinstance(question, AcknowledgeQuestion):
        if parse.clean(text).casefold().rstrip(".!") not in {"ok", "oke", "okay", "siap", "ya"}:
            raise Invalid("choice.buttons")
        return _answered(survey, session, key, Answer(ACKNOWLEDGED))
    value = _numbered(survey, session, question, text)
    if value is None:
        value = parse.parse_typed(question, text, locale, today)
    if isinstance(question, ChoiceQuestion):
        offered = {c.id for c in engine.choices_for(survey, session.answers, key)}
        if any(v not in offered for v in (value if isinstance(value, list) else [value])):
            raise Invalid("choice.buttons")
        choice = question.choice(value)
        if choice is not None and choice.other:
            return _show(session, pending={"other_of": key, "value": value})
    return _answered(survey, session, key, Answer(value))


def _done(survey: Survey, session: Session, question: MultiChoice) -> Step:
    key = session.cursor
    picked = _picked(session, question)
    parse.check_picked(question, picked, engine.is_required(survey, session.answers, key))
    if not picked:
        return _answered(survey, session, key, Answer(None))
    if any(c.other for c in question.choices if c.id in picked):
        return _show(session, pending={"other_of": key, "value": picked})
    return _answered(survey, session, key, Answer(picked))


def _tap_region(
    survey: Survey, session: Session, question: RegionQuestion, action: Action, arg: str
) -> Step:
    if action is Action.PAGE:  # another page of the list being shown
        number = _number(arg)
        if number is None:
            return Unfit()  # no button of ours says that
        return _show(session, pending={**session.pending, "page": number})
    region = regions.by_code(arg)
    if action is Action.PROVINCE and region is not None and "." not in region.code:
        if question.level == "province":
            return _answered(survey, session, session.cursor, Answer(region.code))
        return _show(session, pending={"province": region.code, "page": 0})
    if action is Action.REGENCY and region is not None and "." in region.code:
        return _answered(survey, session, session.cursor, Answer(region.code))
    return Unfit()  # no button of ours carries a region that is not one


def _provinces_of(found: list[regions.Region]) -> list[regions.Region]:
    provinces = (regions.by_code(r.province_code) for r in found)
    return list(dict.fromkeys(p for p in provinces if p is not None))


def _tap_review(survey: Survey, session: Session, action: Action, arg: str) -> Step:
    if action is Action.BACK:
        previous = engine.previous_question(survey, session.answers, REVIEW)
        return _show(session, cursor=previous or REVIEW, pending={})
    if action is Action.EDIT:
        keys = [slot.key for slot in engine.asked(survey, session.answers)]
        if arg.startswith("#") and (place := _number(arg[1:])) is not None and place < len(keys):
            arg = keys[place]
        if arg not in keys:
            raise Invalid("review.buttons")
        return _show(session, cursor=arg, pending={})
    if action is Action.SUBMIT:
        missing = engine.missing_required(survey, session.answers)
        if missing:
            return _show(session, cursor=missing[0], pending={})
        keep = engine.relevant_answers(survey, session.answers)
        drop = [q for q in session.answers if q not in keep]
        return Submit(session, drop, engine.computed(survey, keep))
    if action is Action.PAGE:  # another page of a long form's review
        page = _number(arg)
        if page is None:
            return Unfit()
        return _show(session, pending={"page": page})
    raise Invalid("review.buttons")


# How much of what was typed a "not found" repeats: enough to see a typo, never a pasted page.
_ECHOED = 40


def _answered(survey: Survey, session: Session, key: str, answer: Answer) -> Moved:
    if not survey.plain and not engine.constraint_holds(survey, session.answers, key, answer.value):
        question = survey.question(key)
        raise Invalid("constraint", {"message": question.constraint_message if question else None})
    answers = {**session.answers, key: answer}
    cursor = engine.next_question(survey, answers, key, before=session.answers)
    # Back on the review of a long form after changing an answer: it opens at that answer's
    # page, not the first.
    changed = cursor == REVIEW and key in session.answers and not survey.plain
    pending = {"changed": key} if changed else {}
    return Moved(replace(session, answers=answers, cursor=cursor, pending=pending), answered=key)


def _numbered(survey: Survey, session: Session, question: Any, text: str) -> str | None:
    """A single choice typed as its number when a choice_filter leaves only some: the number
    counts what the person sees, the choices offered, not the whole list."""
    if not isinstance(question, SingleChoice) or not question.choice_filter:
        return None
    typed = parse.ascii_digits(parse.clean(text))
    place = _number(typed)
    if place is None:
        return None  # a label, perhaps
    offered = engine.choices_for(survey, session.answers, session.cursor)
    if not 1 <= place <= len(offered):
        raise Invalid("choice.buttons")
    return offered[place - 1].id


def _default(question: Any, default: str) -> Any:
    """A question's default as the answer it stands for (XLSForm writes a multiple choice's
    default as its names, separated by spaces)."""
    if isinstance(question, MultiChoice):
        return [c.id for c in question.choices if c.id in default.split()]
    if isinstance(question, ChoiceQuestion):
        if question.choice(default) is None:
            raise Invalid("choice.buttons")
        return default
    return parse.parse_typed(question, default, "en", date.today())


def _show(session: Session, **changes: Any) -> Moved:
    return Moved(replace(session, **changes))


def _choice_at(survey: Survey, session: Session, question: ChoiceQuestion, arg: str) -> Choice:
    """The choice a button names: by id, or "#N" (its place in the list) when the id is too
    long for a button; only a choice the list offers now (a choice_filter may leave fewer)."""
    choice = question.choice(arg)
    if choice is None and arg.startswith("#"):
        place = _number(arg[1:])
        if place is not None and place < len(question.choices):
            choice = question.choices[place]
    if choice is None:
        raise Invalid("choice.buttons")
    if question.choice_filter and choice.id not in {
        c.id for c in engine.choices_for(survey, session.answers, session.cursor)
    }:
        raise Invalid("choice.buttons")
    return choice


def _page_only(session: Session) -> dict[str, Any]:
    return {"page": session.pending["page"]} if "page" in session.pending else {}


def _picked(session: Session, question: MultiChoice) -> list[str]:
    if "picked" in session.pending:
        return list(session.pending["picked"])
    answer = session.answers.get(session.cursor)
    return list(answer.value) if answer and isinstance(answer.value, list) else []


# Numbers the bot itself puts in buttons: a point of a scale, a page of a list. ASCII digits
# only (str.isdigit() also takes "²", which int() refuses) and short, so forged data cannot
# store a page number of fifty digits either.
_BUTTON_NUMBER = re.compile(r"[0-9]{1,4}")


def _number(text: str) -> int | None:
    return int(text) if _BUTTON_NUMBER.fullmatch(text) else None


def _without(pending: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in pending.items() if k != key}
