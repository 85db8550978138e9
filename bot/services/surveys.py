"""Taking a survey: every step a respondent can take, each stored before it is answered.

The Telegram layer calls one method per tap or message and renders the `Outcome`. Sessions
are cached in memory after their first load (the most recently active people only), but only
ever changed after the database has committed the change (write-through), so a restart finds
exactly what the person saw. Every write names the revision it was made from: if the stored
response has moved on (the expiry sweep closed it, or a second process wrote it), the write is
refused, the cached copy dropped, and the step is decided again from what is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from cachetools import LRUCache

from bot.core import regions
from bot.core.survey import engine, steps
from bot.core.survey.actions import Action
from bot.core.survey.fit import fits
from bot.core.survey.model import (
    Survey,
)
from bot.core.survey.parse import Invalid
from bot.core.survey.session import Session
from bot.services.clock import Clock
from bot.storage.database import Conflict
from bot.storage.responses import ResponseRepository, SubmittedResponse
from bot.storage.survey_forms import SurveyFormRepository

_REDELIVERY_WINDOW = timedelta(days=1)
# People whose open session (or its absence) is kept in memory; the rest are read when they
# come back. Enough for every active respondent at a large event.
CACHED_PEOPLE = 20_000
# A staff member trying an imported draft answers a copy of it whose id starts so. No survey
# id can (ids are [a-z0-9_-]), so whatever counts or exports a survey's responses by its id
# never meets a preview's; and a preview is never submitted: it ends as if cancelled.
PREVIEW = "preview:"


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
    # Shown again after a break (restart, days of silence): say "welcome back". With INVALID:
    # what was typed after the break was not saved, and the person is told so.
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
        forms: SurveyFormRepository | None = None,
    ) -> None:
        # The live surveys by id: the YAML files, and the live version of each imported form
        # (`put_live`). One dict, shared with exports and results, so it is changed in place.
        self.surveys = surveys
        # The YAML surveys: a session on one is shown as the file says now. An imported survey
        # is versioned instead: a session stays on the version it started on.
        self.files = frozenset(surveys)
        self.forms = forms
        self._versions: dict[tuple[str, int], Survey] = {}
        self.responses = responses
        self.clock = clock
        self.expiry = expiry
        self.resume_after = resume_after
        # "today" for date questions is the respondent's day, not UTC's.
        self.zone = zone
        self._open: LRUCache[int, Session | None] = LRUCache(CACHED_PEOPLE)
        self._shown: LRUCache[int, int] = LRUCache(CACHED_PEOPLE)
        # The location question whose Telegram location button is under a person's chat.
        self._keyboards: LRUCache[int, str] = LRUCache(CACHED_PEOPLE)
        self._payloads = {p: s.id for s in surveys.values() for p in s.payloads()}
        # Drafts being tried by staff, by their preview id (conversations/surveys_admin),
        # and how to make one again after a restart (None: the draft is gone).
        self.previews: dict[str, Survey] = {}
        self.preview_loader: Callable[[str], Awaitable[Survey | None]] | None = None

    # -- finding surveys and sessions ----------------------------------------------------

    def survey_for_payload(self, payload: str | None) -> Survey | None:
        survey_id = self._payloads.get(payload or "") or self._payloads.get((payload or "").lower())
        return self.surveys.get(survey_id) if survey_id else None

    def survey_of(self, session: Session) -> Survey:
        """The survey as the session started it: a YAML survey as its file says now; an
        imported one in the version the session started on (`current` has loaded it)."""
        live = self.surveys.get(session.survey_id)
        if live is not None and (
            session.survey_id in self.files or live.version == session.survey_version
        ):
            return live
        started_on = self._versions.get((session.survey_id, session.survey_version))
        return started_on or self.previews[session.survey_id]

    async def version_of(self, survey_id: str, version: int) -> Survey | None:
        """The survey a response was begun on: a YAML survey as its file says now (None if the
        file is gone); an imported one in that version, live or since replaced (read back from
        the catalog: whoever is half-way through a version finishes on it, after a restart
        too, and /dataku shows answers to a retired version's questions)."""
        live = self.surveys.get(survey_id)
        if live is not None and (survey_id in self.files or live.version == version):
            return live
        key = (survey_id, version)
        if key not in self._versions:
            found = await self.forms.definition(*key) if self.forms is not None else None
            if found is None:
                return None
            self._versions[key] = Survey.model_validate_json(found)
        return self._versions[key]

    def put_live(self, survey: Survey) -> None:
        """An imported survey's newly published version: whoever starts it from now on gets
        this one. The version it replaces stays at hand for those half-way through it."""
        before = self.surveys.get(survey.id)
        if before is not None and before.version != survey.version:
            self._versions[(before.id, before.version)] = before
        self.surveys[survey.id] = survey
        for payload in survey.payloads():
            self._payloads[payload] = survey.id

    async def _preview_at_hand(self, preview_id: str) -> bool:
        """Whether a preview's draft can be shown: tried since the start, or (after a
        restart) still a draft, made again by the loader."""
        if preview_id in self.previews:
            return True
        found = await self.preview_loader(preview_id) if self.preview_loader else None
        if found is not None:
            self.previews[preview_id] = found
        return found is not None

    def drop_preview(self, preview_id: str) -> None:
        """A draft no longer to be tried (published or discarded): whoever is trying it
        finds the preview ended at their next step."""
        self.previews.pop(preview_id, None)
        for user_id, session in list(self._open.items()):
            if session is not None and session.survey_id == preview_id:
                self.forget(user_id)

    async def current(
        self, user_id: int, now: datetime | None = None
    ) -> tuple[Session | None, bool]:
        """The open session, if any, and whether one had just expired."""
        now = now or self.clock.now()
        if user_id in self._open:
            session = self._open[user_id]
        else:
            session = await self.responses.open_session(user_id)
            if session is not None and session.survey_id.startswith(PREVIEW):
                if not await self._preview_at_hand(session.survey_id):
                    # A preview outlived its draft (published or discarded): it was a
                    # try-out, so it ends, its answers deleted.
                    await self.responses.cancel(session, now, session.rev)
                    session = None
            elif (
                session is not None
                and await self.version_of(session.survey_id, session.survey_version) is None
            ):
                session = None  # the survey file was removed; nothing sensible to show
            if session is not None:
                upgraded = _as_the_file_says_now(self.survey_of(session), session)
                if upgraded is not session:
                    # Stored at once, with a new revision: buttons drawn for the old file
                    # (a question since removed) are stale from here on.
                    await self.responses.save(upgraded, [], session.rev)
                    session = upgraded
            self._open[user_id] = session
        if session is not None and now - session.updated_at > self.expiry:
            try:
                await self.responses.expire(session, now)
            except Conflict:  # it moved on after all: read it again
                self.forget(user_id)
                return await self.current(user_id, now)
            self._open[user_id] = None
            return None, True
        return session, False

    def remember_message(self, user_id: int, message_id: int) -> None:
        """The message now showing the question. Kept in memory and stored with the next change:
        it only decides whether a stale tap came from that message."""
        self._shown[user_id] = message_id

    def shown_message(self, session: Session) -> int | None:
        return self._shown.get(session.user_id, session.message_id)

    def remember_keyboard(self, user_id: int, key: str | None) -> None:
        """The location question (its answer key) that Telegram's location button was put
        under the chat for, or None once it is taken away. Only in memory: after a restart the
        button is put there again, or taken away when someone shares a place no question asks."""
        if key is None:
            self._keyboards.pop(user_id, None)
        else:
            self._keyboards[user_id] = key

    def keyboard_for(self, user_id: int) -> str | None:
        return self._keyboards.get(user_id)

    def forget(self, user_id: int) -> None:
        self._open.pop(user_id, None)
        self._shown.pop(user_id, None)
        self._keyboards.pop(user_id, None)

    async def submitted(self, user_id: int) -> list[SubmittedResponse]:
        """What the person has submitted, with answers, for "my data"."""
        return await self.responses.submitted(user_id)

    async def purge_old(self, retention: timedelta) -> int:
        """Delete submitted responses older than the retention period the notice promises."""
        return await self.responses.purge_submitted(self.clock.now() - retention)

    async def expire_idle(self) -> int:
        now = self.clock.now()
        users = await self.responses.expire_idle(now - self.expiry, now)
        for user_id in users:
            self.forget(user_id)
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
        first = engine.first_question(survey)
        try:
            session = await self.responses.start(
                user_id, survey.id, survey.version, source, first, update_id, self.clock.now()
            )
        except Conflict:  # one was opened meanwhile (another process): show that one
            self.forget(user_id)
            return await self.resume(user_id)
        self._open[user_id] = session
        return Outcome(Kind.SHOW, session, survey, expired=expired)

    async def resume(self, user_id: int) -> Outcome:
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
        if recent and update_id < session.last_update_id:
            return Outcome(Kind.DUPLICATE, session, survey)
        if recent and update_id == session.last_update_id:
            # The last change was stored but the process was killed before (or while) replying:
            # show where the person is, once more, rather than leave them waiting.
            return Outcome(Kind.SHOW, session, survey)
        return session, survey

    async def tap(
        self, user_id: int, rev: int, action: Action, arg: str, update_id: int, message_id: int
    ) -> Outcome:
        """A button on the question message: `rev` says which version of it was tapped."""
        return await self._fresh_on_conflict(
            user_id, lambda: self._tap(user_id, rev, action, arg, update_id, message_id)
        )

    async def _tap(
        self, user_id: int, rev: int, action: Action, arg: str, update_id: int, message_id: int
    ) -> Outcome:
        now = self.clock.now()
        found = await self._for_update(user_id, update_id, now)
        if isinstance(found, Outcome):
            return found
        session, survey = found
        if rev != session.rev:
            return Outcome(Kind.STALE, session, survey)
        moved = session.moved(message_id=message_id, updated_at=now, last_update_id=update_id)
        try:
            return await self._apply(survey, steps.tap(survey, moved, action, arg), session)
        except Invalid as error:
            return Outcome(Kind.INVALID, session, survey, error=error)

    async def typed(
        self,
        user_id: int,
        text: str,
        locale: str,
        update_id: int,
        sent_at: datetime | None = None,
    ) -> Outcome:
        """A text message, sent at `sent_at` (Telegram's date of the message)."""
        return await self._fresh_on_conflict(
            user_id, lambda: self._typed(user_id, text, locale, update_id, sent_at)
        )

    async def _typed(
        self, user_id: int, text: str, locale: str, update_id: int, sent_at: datetime | None
    ) -> Outcome:
        now = self.clock.now()
        found = await self._for_update(user_id, update_id, now)
        if isinstance(found, Outcome):
            return found
        session, survey = found
        # Silence is measured to when the message was sent, not to when it is handled: answers
        # typed ahead and handled late (a backlog, a restart) are not "after a break".
        after_break = min(sent_at or now, now) - session.updated_at > self.resume_after
        moved = session.moved(
            updated_at=now, last_update_id=update_id, message_id=self.shown_message(session)
        )
        today = now.astimezone(self.zone).date()
        try:
            step = steps.typed(survey, moved, text, locale, today)
            return await self._apply(survey, step, session)
        except Invalid as error:
            if not after_break:
                return Outcome(Kind.INVALID, session, survey, error=error)
            # After a break a message that does not fit the question on screen was most likely
            # meant for something else: it is not thrown away in silence, the person is told it
            # was not saved and why, under the question shown afresh. The break is over: the
            # time is stored, so the next message is read as an answer again.
            resumed = session.moved(updated_at=now, last_update_id=update_id)
            await self._save(resumed, session.rev)
            return Outcome(Kind.INVALID, resumed, survey, error=error, resumed=True)

    async def located(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        update_id: int,
        accuracy: float = 0.0,
    ) -> Outcome:
        """A place shared with Telegram's location button (or a live location's first point, or
        a venue's), as the answer to a location question."""
        return await self._fresh_on_conflict(
            user_id, lambda: self._located(user_id, latitude, longitude, update_id, accuracy)
        )

    async def _located(
        self, user_id: int, latitude: float, longitude: float, update_id: int, accuracy: float
    ) -> Outcome:
        now = self.clock.now()
        found = await self._for_update(user_id, update_id, now)
        if isinstance(found, Outcome):
            return found
        session, survey = found
        moved = session.moved(
            updated_at=now, last_update_id=update_id, message_id=self.shown_message(session)
        )
        try:
            step = steps.located(survey, moved, latitude, longitude, accuracy)
            return await self._apply(survey, step, session)
        except Invalid as error:
            # Sharing a place is never a message meant for something else: no "after a break".
            return Outcome(Kind.INVALID, session, survey, error=error)

    async def not_text(self, user_id: int) -> Outcome:
        """A sticker, photo or voice note where an answer was expected."""
        session, expired = await self.current(user_id)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        return Outcome(Kind.INVALID, session, self.survey_of(session), error=Invalid("not_text"))

    async def ask_cancel(self, user_id: int, update_id: int) -> Outcome:
        return await self._fresh_on_conflict(user_id, lambda: self._ask_cancel(user_id, update_id))

    async def _ask_cancel(self, user_id: int, update_id: int) -> Outcome:
        session, expired = await self.current(user_id)
        if session is None:
            return Outcome(Kind.NO_SESSION, expired=expired)
        before = session
        session = session.moved(
            pending={**session.pending, "confirm_cancel": True},
            updated_at=self.clock.now(),
            last_update_id=max(update_id, session.last_update_id),
        )
        await self._save(session, before.rev)
        return Outcome(Kind.CONFIRM_CANCEL, session, self.survey_of(session))

    # -- internals -------------------------------------------------------------------------

    async def _apply(self, survey: Survey, step: steps.Step, before: Session) -> Outcome:
        """Store what a step decided, then say what to show. Nothing is cached before commit."""
        if isinstance(step, steps.Submit) and step.session.survey_id.startswith(PREVIEW):
            # A staff member's try-out of a draft: no response to count, and nothing of it
            # kept; closed as a cancelled response is (its answers deleted).
            await self.responses.cancel(step.session, step.session.updated_at, before.rev)
            self._open[step.session.user_id] = None
            return Outcome(Kind.SUBMITTED, step.session, survey)
        if isinstance(step, steps.Submit):
            await self.responses.submit(
                step.session, step.drop, step.session.updated_at, before.rev, step.computed
            )
            self._open[step.session.user_id] = None
            return Outcome(Kind.SUBMITTED, step.session, survey)
        if isinstance(step, steps.Cancel):
            await self.responses.cancel(step.session, step.session.updated_at, before.rev)
            self._open[step.session.user_id] = None
            return Outcome(Kind.CANCELLED, step.session, survey)
        if isinstance(step, steps.Unfit):
            # A button that fits nothing on screen is treated like one from an old message.
            return Outcome(Kind.STALE, before, survey)
        await self._save(step.session, before.rev, [step.answered] if step.answered else [])
        return Outcome(Kind.SHOW, step.session, survey, matches=step.matches)

    async def _save(
        self, session: Session, prior_rev: int, changed: list[str] | None = None
    ) -> None:
        await self.responses.save(session, changed or [], prior_rev)
        # Only after the commit: the cache never holds what the database does not.
        self._open[session.user_id] = session

    async def _fresh_on_conflict(
        self, user_id: int, attempt: Callable[[], Awaitable[Outcome]]
    ) -> Outcome:
        """Run a step; if its write found the stored response moved on, drop the cached copy
        and decide the step again from what is stored (once: a second conflict is a fault)."""
        try:
            return await attempt()
        except Conflict:
            self.forget(user_id)
            return await attempt()


def _as_the_file_says_now(survey: Survey, session: Session) -> Session:
    """An open response read back after its survey file changed: answers the file would no
    longer take are set aside (asked again, or dropped at submit), and a position on a question
    the file no longer has moves to the next one still to answer. Unchanged when nothing is
    off, which is nearly always."""
    kept = {
        qid: answer
        for qid, answer in session.answers.items()
        if (question := survey.question(qid)) is not None and fits(question, answer)
    }
    if len(kept) == len(session.answers) and (
        session.cursor == engine.REVIEW or survey.question(session.cursor) is not None
    ):
        return session
    # Half-given input (ticked boxes, a province picked) belonged to the old screen.
    return session.moved(answers=kept, cursor=engine.next_question(survey, kept, None), pending={})
