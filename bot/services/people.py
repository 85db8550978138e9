"""Who someone is to the bot: their language and whether they agreed to the data notice.

Until a person taps "Setuju", nothing about them is written to the database: a language picked
before that lives in memory only (UU PDP: no consent, no stored personal data).
"""

from __future__ import annotations

from datetime import date

from cachetools import LRUCache

from bot.services.clock import Clock
from bot.storage.users import User, UserRepository

SURVEY_PURPOSE = "survey"
# Bump when the wording of the consent notice changes: consent is recorded per version, so
# whoever agreed to an older notice is asked again. The notice shows the version and its date
# ("Versi 2 · 2 Desember 2026"). Version 2 names the controller with a contact, who receives the
# data, the rights with their commands, and asks "18 or over?" as part of agreeing.
CONSENT_VERSION = "2"
CONSENT_DATE = date(2026, 12, 2)
# Registering for events is a purpose of its own (UU PDP: a separate consent per purpose), with
# its own notice and version; bump it when that notice's wording changes. "2": agreeing now
# says "I am 18 or over" as well.
EVENTS_PURPOSE = "events"
EVENTS_CONSENT_VERSION = "2"
# Wishes ("tell me when such an event is published") are a purpose of their own too.
WISHES_PURPOSE = "wishes"
WISHES_CONSENT_VERSION = "2"
# Announcements (/langganan: topics and regions to hear about) are a purpose of their own.
ANNOUNCEMENTS_PURPOSE = "announcements"
ANNOUNCEMENTS_CONSENT_VERSION = "1"
# People kept in memory (language, consent); the rest are read when they come back. Bounded so
# that a bot that has met a million people does not keep them all.
CACHED_PEOPLE = 20_000


class PeopleService:
    def __init__(
        self, users: UserRepository, clock: Clock, consent_version: str | None = None
    ) -> None:
        self.users = users
        self.clock = clock
        self.consent_version = consent_version or CONSENT_VERSION
        self._known: LRUCache[int, User | None] = LRUCache(CACHED_PEOPLE)
        self._versions = {
            SURVEY_PURPOSE: self.consent_version,
            EVENTS_PURPOSE: EVENTS_CONSENT_VERSION,
            WISHES_PURPOSE: WISHES_CONSENT_VERSION,
            ANNOUNCEMENTS_PURPOSE: ANNOUNCEMENTS_CONSENT_VERSION,
        }
        # By person and purpose.
        self._agreed_to_current: LRUCache[tuple[int, str], bool] = LRUCache(CACHED_PEOPLE)
        # Not stored before consent (UU PDP), so a choice evicted here is simply asked again.
        self._chosen_before_consent: LRUCache[int, str] = LRUCache(CACHED_PEOPLE)

    async def get(self, user_id: int) -> User | None:
        if user_id not in self._known:
            self._known[user_id] = await self.users.get(user_id)
        return self._known[user_id]

    async def locale(self, user_id: int, fallback: str) -> str:
        user = await self.get(user_id)
        if user is not None:
            return user.locale
        return self._chosen_before_consent.get(user_id, fallback)

    async def has_consented(self, user_id: int, purpose: str = SURVEY_PURPOSE) -> bool:
        """Agreed to the notice of `purpose` as it reads now: a reworded notice is shown and
        agreed to again. Asked often (every survey step), so kept in memory."""
        key = (user_id, purpose)
        if key not in self._agreed_to_current:
            agreed = await self.get(user_id) is not None and await self.users.has_consent(
                user_id, purpose, self._versions[purpose]
            )
            self._agreed_to_current[key] = agreed
        return self._agreed_to_current[key]

    async def consent(self, user_id: int, locale: str, purpose: str = SURVEY_PURPOSE) -> None:
        """Record consent to `purpose`; someone new to the bot is stored from here on, with
        this consent only (each other purpose is still asked before it is used)."""
        await self.users.create_with_consent(
            user_id, locale, purpose, self._versions[purpose], self.clock.now()
        )
        self._chosen_before_consent.pop(user_id, None)
        known = await self.get(user_id)  # an existing person keeps their language
        self._known[user_id] = known if known is not None else User(user_id, locale)
        self._agreed_to_current[(user_id, purpose)] = True

    async def purposes(self, user_id: int) -> list[str]:
        """What the person has agreed to and not withdrawn."""
        return await self.users.purposes(user_id) if await self.get(user_id) else []

    async def withdraw(self, user_id: int, purpose: str) -> None:
        """Withdraw consent to one purpose; its data goes with it (UserRepository.withdraw)."""
        await self.users.withdraw(user_id, purpose, self.clock.now())
        self._agreed_to_current[(user_id, purpose)] = False

    async def set_locale(self, user_id: int, locale: str) -> None:
        if await self.get(user_id) is None:
            self._chosen_before_consent[user_id] = locale
            return
        await self.users.set_locale(user_id, locale, self.clock.now())
        self._known[user_id] = User(user_id, locale)

    async def erase(self, user_id: int) -> None:
        """Delete everything stored about the person (UU PDP right to erasure)."""
        await self.users.delete(user_id)
        self._known[user_id] = None
        for purpose in self._versions:
            self._agreed_to_current[(user_id, purpose)] = False
        self._chosen_before_consent.pop(user_id, None)
