"""What a person's next typed message is for, when a feature other than the survey asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.storage.database import Database
from bot.storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Awaiting:
    feature: str
    updated_at: datetime
    state: dict[str, Any] = field(default_factory=dict)


class AwaitingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> Awaiting | None:
        row = await self.db.fetchone(
            "SELECT feature, state, updated_at FROM awaiting WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return Awaiting(row["feature"], from_db(row["updated_at"]), json.loads(row["state"]))

    async def put(self, user_id: int, awaiting: Awaiting) -> None:
        await self.db.write(
            (
                "INSERT INTO awaiting (user_id, feature, state, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET feature = excluded.feature, "
                "state = excluded.state, updated_at = excluded.updated_at",
                (
                    user_id,
                    awaiting.feature,
                    json.dumps(awaiting.state, ensure_ascii=False),
                    to_db(awaiting.updated_at),
                ),
            )
        )

    async def clear(self, user_id: int, feature: str) -> None:
        await self.db.write(
            ("DELETE FROM awaiting WHERE user_id = ? AND feature = ?", (user_id, feature))
        )
