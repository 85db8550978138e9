"""Who is staff: the admins named in ADMIN_IDS, and the people given a role in the `staff` table.

Asked on every update that a staff command or staff button would take, so the answer is held
in memory: read once at start-up and changed only through this service, which is safe because
one process owns the database. A role taken away counts from the very next update.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.staff import StaffRepository

ADMIN = "admin"


class StaffService:
    def __init__(self, admin_ids: Iterable[int], repository: StaffRepository) -> None:
        self.admin_ids = frozenset(admin_ids)
        self.repository = repository
        self._roles: dict[int, str] = {}

    async def load(self) -> None:
        self._roles = await self.repository.roles()

    def role(self, user_id: int) -> str | None:
        if user_id in self.admin_ids:
            return ADMIN
        return self._roles.get(user_id)

    def is_staff(self, user_id: int) -> bool:
        return self.role(user_id) is not None
