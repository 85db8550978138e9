"""Subscriptions to announcements (/langganan): an opt-in of its own (UU PDP: the purpose
"announcements", agreed to apart from surveys and events), to topics and regions.

Nothing is stored before the person agrees to the announcements notice; agreeing stores an
empty subscription (no topic yet: nothing is sent until they choose one). /berhenti and
/hapusdata withdraw the consent, which deletes the subscription with it (PURPOSE_DATA).

Who an announcement reaches (`audience`), by its topic and region:
- no topic: every subscriber who chose at least one topic; a topic: those who chose it;
- no region (all of Indonesia): every one of them, wherever they chose;
- a region: those who chose all of Indonesia, that region, or a place overlapping it. A
  subscriber to a kabupaten/kota hears a province-wide announcement of its province (it
  concerns where they are), and a subscriber to a whole province hears one for any
  kabupaten/kota in it; a subscriber to another kabupaten/kota of the same province does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import announcements, regions
from bot.services.clock import Clock
from bot.services.people import ANNOUNCEMENTS_PURPOSE, PeopleService
from bot.storage.subscriptions import Subscription, SubscriptionRepository


@dataclass(frozen=True)
class Audience:
    """A query selecting the user ids (one column, `user_id`) an announcement goes to, to be
    used as a subquery (`... WHERE user_id IN (<sql>)`) or read in chunks by the sender."""

    sql: str
    params: tuple[str, ...]


class SubscriptionService:
    def __init__(self, repo: SubscriptionRepository, people: PeopleService, clock: Clock) -> None:
        self.repo = repo
        self.people = people
        self.clock = clock

    async def current(self, user_id: int) -> Subscription | None:
        """The person's choices, or None if they have not agreed to announcements (or have
        stopped them). Agreed but nothing saved yet (a crash between the two) reads as empty."""
        if not await self.people.has_consented(user_id, ANNOUNCEMENTS_PURPOSE):
            return None
        return await self.repo.get(user_id) or Subscription(user_id, (), ())

    async def start(self, user_id: int, locale: str) -> Subscription:
        """Record consent to announcements, then the (empty) subscription."""
        await self.people.consent(user_id, locale, ANNOUNCEMENTS_PURPOSE)
        found = await self.repo.get(user_id)
        if found is not None:
            return found
        empty = Subscription(user_id, (), ())
        await self.repo.save(empty, self.clock.now())
        return empty

    async def toggle_topic(self, user_id: int, topic: str) -> Subscription | None:
        """None for a topic we do not have or someone not subscribed (an old button)."""
        found = await self.current(user_id)
        if found is None or topic not in announcements.TOPICS:
            return None
        changed = Subscription(
            user_id, announcements.toggle_topic(found.topics, topic), found.regions
        )
        await self.repo.save(changed, self.clock.now())
        return changed

    async def toggle_region(self, user_id: int, code: str) -> Subscription | None:
        found = await self.current(user_id)
        if found is None or regions.by_code(code) is None:
            return None
        changed = Subscription(
            user_id, found.topics, announcements.toggle_region(found.regions, code)
        )
        await self.repo.save(changed, self.clock.now())
        return changed

    async def everywhere(self, user_id: int) -> Subscription | None:
        """All of Indonesia: the chosen regions are cleared."""
        found = await self.current(user_id)
        if found is None:
            return None
        changed = Subscription(user_id, found.topics, ())
        await self.repo.save(changed, self.clock.now())
        return changed

    @staticmethod
    def audience(topic: str | None, region: str | None) -> Audience:
        """Active subscribers an announcement of `topic` in `region` reaches (see the module's
        docstring). Subscribers are those with a subscription row and an unwithdrawn consent
        to announcements (withdrawing deletes the row as well; the check costs little and
        keeps a half-done withdrawal from reaching anyone), less those Telegram said cannot be
        reached (blocked the bot: the outbox's `unreachable`), so that counts shown to staff
        are the people a broadcast will really go to."""
        sql = (
            "SELECT s.user_id FROM subscriptions s WHERE EXISTS (SELECT 1 FROM consents c "
            "WHERE c.user_id = s.user_id AND c.purpose = ? AND c.withdrawn_at IS NULL) "
            "AND s.user_id NOT IN (SELECT person FROM unreachable)"
        )
        params: list[str] = [ANNOUNCEMENTS_PURPOSE]
        if topic is None:
            sql += " AND json_array_length(s.topics) > 0"
        else:
            sql += " AND EXISTS (SELECT 1 FROM json_each(s.topics) t WHERE t.value = ?)"
            params.append(topic)
        if region is not None:
            # Their own place, its province, or (for a province) any place inside it.
            sql += (
                " AND (json_array_length(s.regions) = 0 OR EXISTS (SELECT 1 FROM "
                "json_each(s.regions) r WHERE r.value IN (?, ?) OR r.value LIKE ?))"
            )
            params += [region, region.split(".")[0], f"{region}.%"]
        return Audience(sql, tuple(params))

    async def members(self, topic: str | None, region: str | None) -> list[int]:
        """The user ids of `audience`, sorted: for counts and tests (the sender streams)."""
        found = self.audience(topic, region)
        return sorted(await self.repo.members(found.sql, found.params))
