"""A person's rights over their data (UU PDP No. 27/2022): withdraw consent to one purpose, or
have everything erased.

Each purpose (surveys, event registration, event notices) was agreed to on its own, so each can
be withdrawn on its own: its data goes with it, the rest stays. Someone left with no purpose at
all is erased entirely: nothing is kept about a person who agreed to nothing.

Before their data goes, what it holds for others is passed on: a seat at an event goes to the
first person waiting, as a cancellation would give it.
"""

from __future__ import annotations

from bot.services.awaiting import AwaitingService
from bot.services.events import EventService
from bot.services.people import EVENTS_PURPOSE, SURVEY_PURPOSE, PeopleService
from bot.services.surveys import SurveyService


class DataRights:
    def __init__(
        self,
        people: PeopleService,
        surveys: SurveyService,
        events: EventService,
        awaiting: AwaitingService,
    ) -> None:
        self.people = people
        self.surveys = surveys
        self.events = events
        self.awaiting = awaiting

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
        return False

    async def erase(self, user_id: int) -> None:
        """Delete everything kept about the person."""
        await self.events.give_up_all(user_id)
        await self.people.erase(user_id)
        self.surveys.forget(user_id)
        self.awaiting.forget(user_id)
