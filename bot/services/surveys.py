"""Taking a survey: every step a respondent can take, each stored before it is answered.

The Telegram layer calls one method per tap or message and renders the `Outcome`. Sessions
are cached in memory after their first load, but only ever changed after the database has
committed the change (write-through), so a restart finds exactly what the person saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from bot.core import regions
from bot.core.survey import engine, parse
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.model import (
    ChoiceQuestion,
    MultiChoice,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    YesNoQuestion,
)
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session
from bot.services.clock import Clock
from bot.storage.responses import ResponseRepository

_REDELIVERY_WINDOW = timedelta(days=1)


class Kind(StrEnum):
    SHOW = "show"  # show the session's current question (or the review)
    INVALID = "invalid"  # explain what was wrong, then ask again
    STALE = "stale"  # a button from an older message
    DUPLICATE = "duplicate"  # this update was already applied (redelivered after a restart)
    NO_SESSION = "no_session"  # nothing in progress
    CONFIRM_CANCEL = "confirm_cancel"
    CANCELLED = "cancelled"
    SUBMITTED = "submitted"
    ALREADY_DONE = "already_done"
    BUSY = "busy"  # another survey is in progress


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    session: Session | None = None
    survey: Survey | None = None
    error: Invalid | None = None
    # Shown again after a break (restart, days of silence): say "welcome back".
    resumed: bool = False
    # A previous response had expired when the person came back.
    expired: bool = False
    # Regions matching what the person typed on a region question.
    matches: list[regions.Region] = field(default_factory=list)


class SurveyService:
    def __init__(
        self,
        surveys: dict[str, Survey],
        responses: ResponseRepository,
        clock: Clock,
        expiry: timedelta,
        resume_after: timedelta,
        zone: tzinfo = UTC,
    ) -> None:
        self.surveys = surveys
        self.responses = responses
        self.clock = clock
        self.expiry = expiry
        self.resume_after = resume_after
        # "today" for date questions is the respondent's day, not UTC's.
        self.zone = zone
        self._open: dict[int, Session | None] = {}
        self._payloads = {p: s.id for s in surveys.values() for p in s.payloads()}

    # -- finding surveys and sessions ----------------------------------------------------

    def survey_for_payload(self, payload: str | None) -> Survey | None:
        survey_id = self._payloads.get(payload or "") or self._payloads.get((payload or "").lower())
        return self.surveys.get(survey_id) if survey_id else None

    def survey_of(self, session: Session) -> Survey:
        return self.surveys[session.survey_id]

    async def current(
        self, user_id: int, now: datetime | None = None
    ) -> tuple[Session | None, bool]:
        """The open session, if any, and whether one had just expired."""
        now = now or self.clock.now()
        if user_id in self._open:
            session = self._open[user_id]
        else:
            session = await self.responses.open_session(user_id)
            if session is not None and session.survey_id not in self.surveys:
                session = None  # the survey file was removed; nothing sensible to show
            self._open[user_id] = session
        if session is not None and now - session.updated_at > self.expiry:
            await self.responses.expire(session, now)
            self._open[user_id] = None
            return None, True
        return session, False

    def remember_message(self, user_id: int, message_id: int) -> None:
        """The message now showing the question. Kept in memory and stored with the next change:
        it only decides whether a stale tap came from that message."""
        session = self._open.get(user_id)
        if session is not None:
            self._open[user_id] = replace(session, message_id=message_id)

    def forget(self, user_id: int) -> None:
        self._open.pop(user_id, None)

    async def expire_idle(self) -> int:
        now = self.clock.now()
        users = await self.responses.expire_idle(now - self.expiry, now)
        for user_id in users:
            self._open[user_id] = None
        return len(users)

    # -- starting --------------------------------------------------------------------------

    async def begin(
        self, user_id: int, survey: Survey, source: str | None, update_id: int
    ) -> Outcome:
        session, expired = await self.current(user_id)
        if session is not None:
            kind = Kind.SHOW if session.survey_id == survey.id else Kind.BUSY
            return Outcome(kind, session, self.survey_of(session), resumed=True)
        if not survey.allow_multiple and await self.responses.submitted_count(user_id, survey.id):
            return Outcome(Kind.ALREADY_DONE, survey=survey)
        session = await self.responses.start(
            user_id,
            survey.id,
            survey.version,
            source,
            engine.first_question(survey),
            update_id,
            self.clock.now(),
        )
        self._open[user_id] = session
        return Outcome(Kind.SHOW, session, survey, expired=expired)

    async def resume(self, user_id: int, update_id: int) -> Outcome:
        """Show the current question again (after /start, /survei or a long break)."""
        session, expired = await self.current(user_id)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        return Outcome(Kind.SHOW, session, self.survey_of(session), resumed=True)

    # -- answering -------------------------------------------------------------------------

    async def _for_update(
        self, user_id: int, update_id: int, now: datetime
    ) -> tuple[Session, Survey] | Outcome:
        """The session an update applies to, or the outcome when there is none to apply it to."""
        session, expired = await self.current(user_id, now)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        survey = self.survey_of(session)
        # Telegram restarts update ids at random after a week without updates, so "already
        # applied" is only trusted soon after the last change (redelivery after a crash).
        recent = now - session.updated_at < _REDELIVERY_WINDOW
        if recent and update_id <= session.last_update_id:
            return Outcome(Kind.DUPLICATE, session, survey)
        return session, survey

    async def tap(
        self, user_id: int, rev: int, action: str, arg: str, update_id: int, message_id: int
    ) -> Outcome:
        """A button on the question message: `rev` says which version of it was tapped."""
        now = self.clock.now()
        found = await self._for_update(user_id, update_id, now)
        if isinstance(found, Outcome):
            return found
        session, survey = found
        if rev != session.rev:
            return Outcome(Kind.STALE, session, survey)
        session = session.moved(message_id=message_id, updated_at=now, last_update_id=update_id)
        try:
            return await self._tap(survey, session, action, arg, update_id)
        except Invalid as error:
            return Outcome(Kind.INVALID, self._open[user_id], survey, error=error)

    async def typed(self, user_id: int, text: str, locale: str, update_id: int) -> Outcome:
        now = self.clock.now()
        found = await self._for_update(user_id, update_id, now)
        if isinstance(found, Outcome):
            return found
        session, survey = found
        if now - session.updated_at > self.resume_after:
            # After a break the first message brings the question back rather than answering
            # it: "25" typed days later is rarely meant for the question on screen.
            session = session.moved(updated_at=now, last_update_id=update_id)
            await self._save(session)
            return Outcome(Kind.SHOW, session, survey, resumed=True)
        try:
            return await self._typed(survey, session, text, locale, update_id, now)
        except Invalid as error:
            return Outcome(Kind.INVALID, session, survey, error=error)

    async def not_text(self, user_id: int) -> Outcome:
        """A sticker, photo or voice note where an answer was expected."""
        session, expired = await self.current(user_id)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        return Outcome(Kind.INVALID, session, self.survey_of(session), error=Invalid("not_text"))

    async def ask_cancel(self, user_id: int, update_id: int) -> Outcome:
        session, expired = await self.current(user_id)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        session = session.moved(
            pending={**session.pending, "confirm_cancel": True},
            updated_at=self.clock.now(),
            last_update_id=max(update_id, session.last_update_id),
        )
        await self._save(session)
        return Outcome(Kind.CONFIRM_CANCEL, session, self.survey_of(session))

    # -- internals -------------------------------------------------------------------------

    async def _typed(
        self,
        survey: Survey,
        session: Session,
        text: str,
        locale: str,
        update_id: int,
        now: datetime,
    ) -> Outcome:
        # What every change made by this message records: when, which update, a new revision.
        stamp: dict[str, Any] = {
            "updated_at": now,
            "last_update_id": update_id,
            "rev": session.rev + 1,
        }
        if session.pending.get("confirm_cancel"):
            raise Invalid("confirm.buttons")
        if session.cursor == REVIEW:
            raise Invalid("review.buttons")
        question = survey.question(session.cursor)
        assert question is not None
        other_of = session.pending.get("other_of")
        if other_of == question.id:
            answer = Answer(session.pending["value"], parse.check_other(text))
            return await self._answered(survey, session, question.id, answer, **stamp)
        if isinstance(question, RegionQuestion):
            province = session.pending.get("province")
            matches = regions.search(text, province)
            if question.level == "province":
                matches = [m for m in matches if "." not in m.code]
            if not matches:
                raise Invalid("region.not_found")
            session = replace(session, **stamp)
            await self._save(session)
            return Outcome(Kind.SHOW, session, survey, matches=matches)
        today = now.astimezone(self.zone).date()
        value = parse.parse_typed(question, text, locale, today)
        if isinstance(question, ChoiceQuestion):
            choice = question.choice(value)
            if choice is not None and choice.other:
                session = replace(
                    session, pending={"other_of": question.id, "value": value}, **stamp
                )
                await self._save(session)
                return Outcome(Kind.SHOW, session, survey)
        return await self._answered(survey, session, question.id, Answer(value), **stamp)

    async def _tap(
        self, survey: Survey, session: Session, action: str, arg: str, update_id: int
    ) -> Outcome:
        if action == "xy":
            await self.responses.cancel(session, self.clock.now())
            self._open[session.user_id] = None
            return Outcome(Kind.CANCELLED, session, survey)
        if action == "xn":
            return await self._show(
                survey, session, pending=_without(session.pending, "confirm_cancel")
            )
        if session.pending.get("confirm_cancel"):
            raise Invalid("confirm.buttons")
        if session.cursor == REVIEW:
            return await self._tap_review(survey, session, action, arg)
        question = survey.question(session.cursor)
        assert question is not None
        if action == "b":
            if session.pending.get("other_of") or session.pending.get("province"):
                return await self._show(survey, session, pending={})
            previous = engine.previous_question(survey, session.answers, question.id)
            return await self._show(survey, session, cursor=previous or question.id, pending={})
        if action == "f" and question.id in session.answers:
            return await self._show(
                survey,
                session,
                cursor=engine.next_question(survey, session.answers, question.id),
                pending={},
            )
        if action == "s" and not question.required:
            return await self._answered(survey, session, question.id, Answer(None))
        if action == "c" and isinstance(question, SingleChoice):
            choice = _choice_at(question, arg)
            if choice.other:
                return await self._show(
                    survey, session, pending={"other_of": question.id, "value": choice.id}
                )
            return await self._answered(survey, session, question.id, Answer(choice.id))
        if action == "t" and isinstance(question, MultiChoice):
            picked = parse.toggle(
                question, _picked(session, question), _choice_at(question, arg).id
            )
            return await self._show(survey, session, pending={"picked": picked})
        if action == "d" and isinstance(question, MultiChoice):
            picked = _picked(session, question)
            parse.check_picked(question, picked, question.required)
            if not picked:
                return await self._answered(survey, session, question.id, Answer(None))
            if any(question.choice(c).other for c in picked):  # type: ignore[union-attr]
                return await self._show(
                    survey, session, pending={"other_of": question.id, "value": picked}
                )
            return await self._answered(survey, session, question.id, Answer(picked))
        if action in {"y", "n"} and isinstance(question, YesNoQuestion):
            return await self._answered(survey, session, question.id, Answer(action == "y"))
        if action == "v" and isinstance(question, ScaleQuestion):
            value = int(arg) if arg.isdigit() else -1
            if not question.min <= value <= question.max:
                raise Invalid("scale.range", {"min": question.min, "max": question.max})
            return await self._answered(survey, session, question.id, Answer(value))
        if isinstance(question, RegionQuestion):
            return await self._tap_region(survey, session, question, action, arg)
        return Outcome(Kind.STALE, self._open[session.user_id], survey)

    async def _tap_region(
        self, survey: Survey, session: Session, question: RegionQuestion, action: str, arg: str
    ) -> Outcome:
        if action == "pg":  # another page of the list being shown
            return await self._show(survey, session, pending={**session.pending, "page": _int(arg)})
        region = regions.by_code(arg)
        if action == "pv" and region is not None and "." not in region.code:
            if question.level == "province":
                return await self._answered(survey, session, question.id, Answer(region.code))
            return await self._show(survey, session, pending={"province": region.code, "page": 0})
        if action == "rg" and region is not None and "." in region.code:
            return await self._answered(survey, session, question.id, Answer(region.code))
        raise Invalid("region.not_found")

    async def _tap_review(self, survey: Survey, session: Session, action: str, arg: str) -> Outcome:
        if action == "b":
            previous = engine.previous_question(survey, session.answers, REVIEW)
            return await self._show(survey, session, cursor=previous or REVIEW, pending={})
        if action == "e":
            shown = engine.visible(survey, session.answers)
            index = _int(arg)
            if not 0 <= index < len(shown):
                raise Invalid("review.buttons")
            return await self._show(survey, session, cursor=shown[index].id, pending={})
        if action == "ok":
            missing = engine.missing_required(survey, session.answers)
            if missing:
                return await self._show(survey, session, cursor=missing[0], pending={})
            keep = engine.relevant_answers(survey, session.answers)
            drop = [q for q in session.answers if q not in keep]
            await self.responses.submit(session, drop, self.clock.now())
            self._open[session.user_id] = None
            return Outcome(Kind.SUBMITTED, session, survey)
        raise Invalid("review.buttons")

    async def _answered(
        self, survey: Survey, session: Session, qid: str, answer: Answer, **changes: Any
    ) -> Outcome:
        answers = {**session.answers, qid: answer}
        cursor = engine.next_question(survey, answers, qid)
        session = replace(session, answers=answers, cursor=cursor, pending={}, **changes)
        await self._save(session, changed=[qid])
        return Outcome(Kind.SHOW, session, survey)

    async def _show(self, survey: Survey, session: Session, **changes: Any) -> Outcome:
        session = replace(session, **changes)
        await self._save(session)
        return Outcome(Kind.SHOW, session, survey)

    async def _save(self, session: Session, changed: list[str] | None = None) -> None:
        await self.responses.save(session, changed or [])
        # Only after the commit: the cache never holds what the database does not.
        self._open[session.user_id] = session


def _choice_at(question: ChoiceQuestion, arg: str) -> Any:
    index = _int(arg)
    if not 0 <= index < len(question.choices):
        raise Invalid("choice.buttons")
    return question.choices[index]


def _picked(session: Session, question: MultiChoice) -> list[str]:
    if "picked" in session.pending:
        return list(session.pending["picked"])
    answer = session.answers.get(question.id)
    return list(answer.value) if answer and isinstance(answer.value, list) else []


def _int(text: str) -> int:
    return int(text) if text.lstrip("-").isdigit() else -1


def _without(pending: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in pending.items() if k != key}
