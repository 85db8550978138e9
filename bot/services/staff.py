"""Who is staff: the admins named in ADMIN_IDS, and the people given a role in the `staff` table.

Asked on every update that a staff command or staff button would take, so the answer is held
in memory: read once at start-up and changed only through this service, which is safe because
one process owns the database. A role taken away counts from the very next update.

Staff run events, broadcasts and results; admins also manage roles and read the audit log.
Admins from ADMIN_IDS are set by whoever deploys the bot, so no one can revoke them from the
chat; the role an admin grants in the chat is staff ("editor" in the table).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.services.audit import Action, AuditService
from bot.services.clock import Clock
from bot.storage.database import Statement
from bot.storage.staff import Member, StaffRepository

ADMIN = "admin"
# The role granted from the chat (the table's CHECK names it "editor", from schema v1).
STAFF = "editor"


class Change(StrEnum):
    DONE = "done"
    ALREADY = "already"  # granted before, or revoked already: nothing changed
    ADMIN = "admin"  # an admin from ADMIN_IDS: not changed from the chat


class StaffService:
    def __init__(
        self,
        admin_ids: Iterable[int],
        repository: StaffRepository,
        audit: AuditService | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.admin_ids = frozenset(admin_ids)
        self.repository = repository
        self.audit = audit
        self.clock = clock or Clock()
        self._roles: dict[int, str] = {}

    async def load(self) -> None:
        self._roles = await self.repository.roles()

    def role(self, user_id: int) -> str | None:
        if user_id in self.admin_ids:
            return ADMIN
        return self._roles.get(user_id)

    def is_staff(self, user_id: int) -> bool:
        return self.role(user_id) is not None

    def is_admin(self, user_id: int) -> bool:
        return self.role(user_id) == ADMIN

    async def members(self) -> list[Member]:
        """Everyone with a role in the table, longest-serving first (not ADMIN_IDS)."""
        return await self.repository.members()

    async def grant(self, user_id: int, by: int) -> Change:
        if self.is_staff(user_id):
            return Change.ADMIN if user_id in self.admin_ids else Change.ALREADY
        entry = self._audit(by, Action.ROLE_GRANTED, user_id, STAFF)
        if not await self.repository.grant(user_id, STAFF, self.clock.now(), entry):
            return Change.ALREADY
        self._roles[user_id] = STAFF
        return Change.DONE

    async def revoke(self, user_id: int, by: int) -> Change:
        if user_id in self.admin_ids:
            return Change.ADMIN
        entry = self._audit(by, Action.ROLE_REVOKED, user_id, self._roles.get(user_id, ""))
        # Out of memory first: from this moment their next update is refused.
        self._roles.pop(user_id, None)
        if not await self.repository.revoke(user_id, entry):
            return Change.ALREADY
        return Change.DONE

    def _audit(self, by: int, action: Action, user_id: int, detail: str) -> Statement:
        if self.audit is None:  # no log wired (a tool's own service): a harmless statement
            return ("SELECT 1", ())
        return self.audit.statement(by, action, user_id, detail)
