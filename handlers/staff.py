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


def _from_staff(update: object, staff: StaffService) -> bool:
    if not isinstance(update, Update):
        return False
    user, chat = update.effective_user, update.effective_chat
    # Staff work one to one with the bot too: a staff command in a group is not taken.
    return (
        user is not None and chat is not None and chat.type == "private" and staff.is_staff(user.id)
    )


class _StaffOnly:
    """Takes the update only from staff; otherwise as the handler it is mixed into."""

    def __init__(self, staff: StaffService, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff

    def check_update(self, update: object) -> Any:
        if not _from_staff(update, self.staff):
            return None
        return super().check_update(update)  # type: ignore[misc]


class StaffCommandHandler(_StaffOnly, CommandHandler[Any, None]):
    """A command for staff; for anyone else it is a command the bot does not know."""


class StaffButtonHandler(_StaffOnly, CallbackQueryHandler[Any, None]):
    """A button for staff; for anyone else a button no longer active."""


class StaffMessageHandler(_StaffOnly, MessageHandler[Any, None]):
    """A message only staff send (a file of events); anyone else's goes on to the handlers
    after it, as if this one did not exist."""
