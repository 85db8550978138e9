"""The people an announcement goes to, beyond subscribers: an event's registrants and a
survey's respondents, as SQL the outbox fills its delivery rows from (INSERT ... SELECT, so a
large audience is never a list in Python), and the counts staff see before confirming.

Each query leaves out people who withdrew the consent the data was collected under (their
rows are deleted with it, and the check keeps a half-done withdrawal from reaching anyone)
and people Telegram said cannot be reached (`unreachable`), so a count is who will be sent to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

_REACHABLE = "AND {who} NOT IN (SELECT person FROM unreachable)"
_CONSENTED = (
    "EXISTS (SELECT 1 FROM consents c WHERE c.user_id = {who} AND c.purpose = ? "
    "AND c.withdrawn_at IS NULL)"
)


@dataclass(frozen=True)
class Recipients:
    """A query selecting one column of person ids, and its parameters."""

    sql: str
    params: tuple[Any, ...]


def registrants(event_id: int, purpose: str) -> Recipients:
    """Who holds a seat (confirmed) at the event: not the waiting list, not cancellations."""
    sql = (
        "SELECT r.user_id FROM registrations r WHERE r.event_id = ? AND r.status = 'confirmed' "
        f"AND {_CONSENTED.format(who='r.user_id')} {_REACHABLE.format(who='r.user_id')}"
    )
    return Recipients(sql, (event_id, purpose))


def respondents(survey_id: str, purpose: str) -> Recipients:
    """Who submitted the survey (any version of it)."""
    sql = (
        "SELECT DISTINCT r.user_id FROM responses r WHERE r.survey_id = ? "
        f"AND r.status = 'submitted' AND {_CONSENTED.format(who='r.user_id')} "
        f"{_REACHABLE.format(who='r.user_id')}"
    )
    return Recipients(sql, (survey_id, purpose))


def unfinished(survey_id: str, purpose: str) -> Recipients:
    """Who started the survey and never submitted it: still answering, or whose answers
    expired. Not those who stopped it with /batal: they chose to, and a nudge would not be
    welcome."""
    sql = (
        "SELECT DISTINCT r.user_id FROM responses r WHERE r.survey_id = ? "
        "AND r.status IN ('in_progress', 'expired') AND NOT EXISTS (SELECT 1 FROM responses d "
        "WHERE d.user_id = r.user_id AND d.survey_id = r.survey_id AND d.status = 'submitted') "
        f"AND {_CONSENTED.format(who='r.user_id')} {_REACHABLE.format(who='r.user_id')}"
    )
    return Recipients(sql, (survey_id, purpose))


class AudienceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self, sql: str, params: Sequence[Any]) -> int:
        """How many deliveries `Outbox.create` would write for this query: each person once,
        less the unreachable."""
        row = await self.db.fetchone(
            f"WITH picked(person) AS ({sql}) SELECT COUNT(DISTINCT person) FROM picked "
            "WHERE person NOT IN (SELECT person FROM unreachable)",
            tuple(params),
        )
        return int(row[0]) if row else 0

    async def members(self, sql: str, params: Sequence[Any]) -> list[int]:
        """The person ids, sorted (tests and audits; the outbox never lists them)."""
        found = await self.db.fetchall(
            f"WITH picked(person) AS ({sql}) SELECT DISTINCT person FROM picked ORDER BY person",
            tuple(params),
        )
        return [int(r[0]) for r in found]

    async def broadcast_of_draft(self, staff: int, draft: int) -> tuple[int, int] | None:
        """The broadcast already made from this staff member's draft, and its deliveries: a
        confirm handled twice (an update handled again after a crash) finds it here instead
        of making a second one."""
        row = await self.db.fetchone(
            "SELECT b.id, (SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id) "
            "FROM broadcasts b WHERE b.created_by = ? "
            "AND json_extract(b.audience, '$.draft') = ? ORDER BY b.id DESC LIMIT 1",
            (staff, draft),
        )
        return (int(row[0]), int(row[1])) if row else None
