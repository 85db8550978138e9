"""Subscriptions to announcements, and who they make the audience of one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.storage.timefmt import to_db


@dataclass(frozen=True)
class Subscription:
    user_id: int
    topics: tuple[str, ...]
    regions: tuple[str, ...]  # Kemendagri codes; empty: all of Indonesia


class SubscriptionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> Subscription | None:
        row = await self.db.fetchone(
            "SELECT topics, regions FROM subscriptions WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return Subscription(
            user_id, tuple(json.loads(row["topics"])), tuple(json.loads(row["regions"]))
        )

    async def save(self, subscription: Subscription, now: datetime) -> None:
        """Insert or replace the person's choices. Needs their users row (consent first)."""
        stamp = to_db(now)
        await self.db.write(
            (
                "INSERT INTO subscriptions (user_id, topics, regions, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "topics = excluded.topics, regions = excluded.regions, "
                "updated_at = excluded.updated_at",
                (
                    subscription.user_id,
                    json.dumps(list(subscription.topics)),
                    json.dumps(list(subscription.regions)),
                    stamp,
                    stamp,
                ),
            )
        )

    async def members(self, sql: str, params: tuple[str, ...]) -> list[int]:
        """The user ids an audience query selects (tests and counts; the sender streams)."""
        return [row[0] for row in await self.db.fetchall(sql, params)]
