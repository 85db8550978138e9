"""A person's rights over their data (UU PDP No. 27/2022): withdraw consent to one purpose, or
have everything erased.

Each purpose (surveys, event registration, event notices) was agreed to on its own, so each can
be withdrawn on its own: its data goes with it, the rest stays. Someone left with no purpose at
all is erased entirely: nothing is kept about a person who agreed to nothing.

Before their data goes, what it holds for others is passed on: a seat at an event goes to the
first person waiting, as a cancellation would give it.

Results count the people who have not withdrawn: an erased person's answers leave every total
with them (UU PDP: withdrawn means deleted, and a count kept per answer would keep what they
said). No total is stored, so none can disagree with the answers that remain.

Requests are audited: /dataku and a withdrawal under the person's id (deleted with them), an
erasure with no actor and nothing that points at the person.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.services.audit import Action, AuditService
from bot.services.awaiting import AwaitingService
from bot.services.events import EventService
from bot.services.people import EVENTS_PURPOSE, SURVEY_PURPOSE, PeopleService
from bot.services.surveys import SurveyService
from bot.storage.personal import PersonalData

# Someone Telegram has said cannot be reached (blocked the bot, account deleted) for this long
# is taken as gone: their subscription and the mark are deleted (retention).
UNREACHABLE_KEPT = timedelta(days=90)


class DataRights:
    def __init__(
        self,
        people: PeopleService,
        surveys: SurveyService,
        events: EventService,
        awaiting: AwaitingService,
        audit: AuditService | None = None,
        personal: PersonalData | None = None,
    ) -> None:
        self.people = people
        self.surveys = surveys
        self.events = events
        self.awaiting = awaiting
        self.audit = audit
        self.personal = personal

    async def everything(self, user_id: int) -> dict[str, Any]:
        """Everything held about the person, by table, for /dataku's file; the request is
        audited (the entry goes with them if they later erase)."""
        held = await self.personal.of(user_id) if self.personal else {}
        if self.audit is not None:
            await self.audit.record(user_id, Action.DATA_REQUEST)
        return held

    async def purposes(self, user_id: int) -> list[str]:
        """The purposes the person has agreed to and not withdrawn."""
        return await self.people.purposes(user_id)

    async def withdraw(self, user_id: int, purpose: str) -> bool:
        """Withdraw consent to `purpose` with its data; True if nothing else was agreed to, so
        the person was erased altogether. An unknown purpose, or one not agreed to, changes
        nothing (an old button)."""
        held = await self.purposes(user_id)
        if purpose not in held:
            return False
        if held == [purpose]:
            await self.erase(user_id)
            return True
        if purpose == EVENTS_PURPOSE:
            await self.events.give_up_all(user_id)
        await self.people.withdraw(user_id, purpose)
        if purpose == SURVEY_PURPOSE:
            self.surveys.forget(user_id)  # the open response went with the answers
        if self.audit is not None:
            await self.audit.record(user_id, Action.DATA_WITHDRAWN, detail=purpose)
        return False

    async def erase(self, user_id: int) -> None:
        """Delete everything kept about the person."""
        await self.events.give_up_all(user_id)
        await self.people.erase(user_id)
        self.surveys.forget(user_id)
        self.awaiting.forget(user_id)
        if self.audit is not None:
            await self.audit.erased(user_id)

    async def purge_expired(self, kept: timedelta) -> dict[str, int]:
        """Retention for what no feature purges itself (see PersonalData.purge)."""
        if self.personal is None:
            return {}
        now = self.people.clock.now()
        counts = await self.personal.purge(now - kept, now - UNREACHABLE_KEPT)
        if self.audit is not None:
            counts["audit"] = await self.audit.purge(kept)
        return counts
