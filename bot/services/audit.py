"""The audit log: who did what, and when (issue 8, "Staff roles and audit").

Every export, event change, role change, data request and deletion is recorded here by the
service that does it; broadcasts record their own actions (broadcast_actions) and are read
with these. An entry holds a short detail only: never a message's contents or an answer.

To record something new, call `record(actor, Action.X, subject=..., detail=...)` where it
happens; `statement(...)` gives the same entry as a statement to run inside the write it
records, so the two commit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.sheet import csv_bytes
from bot.services.clock import Clock
from bot.storage.audit import AuditRepository, Entry
from bot.storage.database import Statement

# Admins read the log a page at a time, newest first.
PAGE_SIZE = 10


class Action(StrEnum):
    """What an entry records; the value is what the table and the CSV hold."""

    ROLE_GRANTED = "role_granted"  # subject: the person's Telegram id
    ROLE_REVOKED = "role_revoked"
    EXPORT = "export"  # subject: the survey; detail: the format and how many responses
    EVENT_CREATED = "event_created"  # subject: the event's slug
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    EVENTS_IMPORTED = "events_imported"  # detail: how many were added and changed
    DATA_REQUEST = "data_request"  # /dataku: actor is the person (deleted with them)
    DATA_WITHDRAWN = "data_withdrawn"  # one purpose's data deleted: actor is the person
    DATA_ERASED = "data_erased"  # /hapusdata: no actor, nothing that points at the person
    AUDIT_EXPORTED = "audit_exported"  # the whole log taken as a file
    SURVEY_IMPORTED = "survey_imported"  # subject: the survey id; detail: version, file
    SURVEY_PUBLISHED = "survey_published"  # detail: the version, and the one it replaced
    SURVEY_DISCARDED = "survey_discarded"  # a draft version staff did not want


# Entries a person makes about their own data: erased with them (see AuditRepository.forget).
PERSONAL_ACTIONS = frozenset({Action.DATA_REQUEST, Action.DATA_WITHDRAWN})

CSV_HEADER = ("at_utc", "actor", "action", "subject", "detail")


class AuditService:
    def __init__(self, repository: AuditRepository, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock

    def statement(
        self, actor: int | None, action: Action, subject: object = "", detail: str = ""
    ) -> Statement:
        """The entry as a statement, to commit inside the write it records."""
        return self.repository.insert(self._entry(actor, action, subject, detail))

    async def record(
        self, actor: int | None, action: Action, subject: object = "", detail: str = ""
    ) -> None:
        """Record that `actor` (a Telegram id; None for the command line) did `action` to
        `subject`, now. `detail` is short and never holds message contents or answers."""
        await self.repository.record(self._entry(actor, action, subject, detail))

    def _entry(self, actor: int | None, action: Action, subject: object, detail: str) -> Entry:
        return Entry(self.clock.now(), actor, str(action), str(subject), detail[:200])

    async def page(self, number: int) -> tuple[list[Entry], int]:
        """Page `number` (0: the newest), and how many pages there are (at least one)."""
        total = await self.repository.count()
        pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(number, 0), pages - 1)
        return await self.repository.page(number * PAGE_SIZE, PAGE_SIZE), pages

    async def csv(self) -> bytes:
        """The whole log, newest first, as a CSV Excel opens (UTF-8 with BOM) where no cell
        can start a formula: a detail is typed by staff (an event's slug, say)."""
        rows = [
            (e.at.isoformat(timespec="seconds"), e.actor or "", e.action, e.subject, e.detail)
            async for e in self.repository.everything()
        ]
        return csv_bytes(CSV_HEADER, rows)

    async def purge(self, kept: timedelta) -> int:
        """Delete entries older than `kept` (retention: staff ids are personal data too)."""
        return await self.repository.purge(self.clock.now() - kept)

    async def erased(self, person: int) -> None:
        """A person erased everything: their own request entries go, and the erasure is
        recorded with no actor, in one write (so no row refers to them afterwards)."""
        await self.repository.db.write(
            self.repository.forget(person), self.statement(None, Action.DATA_ERASED)
        )

    def now(self) -> datetime:
        return self.clock.now()
