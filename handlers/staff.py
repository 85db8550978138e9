"""The staff guard: staff commands and staff buttons exist only for staff.

Every staff command and staff button is registered through `StaffCommandHandler` or
`StaffButtonHandler`, which take an update only when it comes from staff, checked on every
update. For anyone else the handler does not match, so the update goes on to the handlers that
answer what the bot does not know: a staff command gets exactly the reply an unknown command
gets (`handlers.unknown`), and a staff button the answer any unknown button gets. Nothing tells
an outsider that a staff command exists.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.services.staff import StaffService


def _from_staff(update: object, staff: StaffService, *, admin: bool = False) -> bool:
    if not isinstance(update, Update):
        return False
    user, chat = update.effective_user, update.effective_chat
    # Staff work one to one with the bot too: a staff command in a group is not taken.
    if user is None or chat is None or chat.type != "private":
        return False
    return staff.is_admin(user.id) if admin else staff.is_staff(user.id)


class _StaffOnly:
    """Takes the update only from staff (or, with `admins_only`, from admins); otherwise as the
    handler it is mixed into."""

    admins_only = False

    def __init__(self, staff: StaffService, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff

    def check_update(self, update: object) -> Any:
        if not _from_staff(update, self.staff, admin=self.admins_only):
            return None
        return super().check_update(update)  # type: ignore[misc]


class StaffCommandHandler(_StaffOnly, CommandHandler[Any, None]):
    """A command for staff; for anyone else it is a command the bot does not know."""


class StaffButtonHandler(_StaffOnly, CallbackQueryHandler[Any, None]):
    """A button for staff; for anyone else a button no longer active."""


class StaffMessageHandler(_StaffOnly, MessageHandler[Any, None]):
    """A message only staff send (a file of events); anyone else's goes on to the handlers
    after it, as if this one did not exist."""


# Managing roles and reading the audit log are for admins alone. These are staff handlers too
# (subclasses), so whatever checks every staff handler checks these; for staff who are not
# admins they answer exactly as for anyone else: as something the bot does not know.


class AdminCommandHandler(StaffCommandHandler):
    """A command for admins only."""

    admins_only = True


class AdminButtonHandler(StaffButtonHandler):
    """A button for admins only."""

    admins_only = True


class AdminMessageHandler(StaffMessageHandler):
    """A message only admins send (a person shared with the /staf picker)."""

    admins_only = True
