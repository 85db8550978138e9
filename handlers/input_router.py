"""The one owner of typed input: every new message that is not a command (text, or a sticker,
photo, voice note or location where text was expected) comes here, and goes to the feature
that is waiting for input from this person (`AwaitingService`), or else to the survey.

Features claim their name with `claim(app, feature, consumer)` in their own `register(app)`;
nothing here knows what they are. Edited messages are not input (see the survey flow).

What nobody wants (no feature awaits it, and the survey has no question waiting) is offered
to the features that read free text, with `claim_leftover(app, consumer)`: questions about
events, for one. The survey asks `leftover(...)` before its usual "no survey in progress"
reply, so a survey in progress always has the text as its answer, and the survey knows nothing
of who else reads text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.storage.awaiting import Awaiting
from handlers.common import Who, personal, services

Consumer = Callable[[Update, ContextTypes.DEFAULT_TYPE, Who, Awaiting | None], Awaitable[None]]

# Offered a message nobody wants; returns whether it took it (answered the person).
Leftover = Callable[[Update, ContextTypes.DEFAULT_TYPE, Who], Awaitable[bool]]

# The feature that owns typed input when no other waits for it.
DEFAULT = "survey"
_KEY = "input_consumers"
_LEFTOVER_KEY = "input_leftovers"


def claim(app: Application, feature: str, consumer: Consumer) -> None:
    """`consumer` receives the person's messages while `feature` awaits their input."""
    consumers: dict[str, Consumer] = app.bot_data.setdefault(_KEY, {})
    if feature in consumers:
        raise ValueError(f"input for {feature!r} is claimed twice")
    consumers[feature] = consumer


def claim_leftover(app: Application, consumer: Leftover) -> None:
    """`consumer` is offered the messages no feature wants, after those claimed before it."""
    consumers: list[Leftover] = app.bot_data.setdefault(_LEFTOVER_KEY, [])
    if consumer in consumers:
        raise ValueError(f"leftover input is claimed twice by {consumer!r}")
    consumers.append(consumer)


async def leftover(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> bool:
    """Offer a message nobody wants to the features that read free text; whether one took it
    (if none did, the caller gives its usual reply)."""
    for consumer in context.application.bot_data.get(_LEFTOVER_KEY, []):
        if await consumer(update, context, w):
            return True
    return False


@personal
async def route(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    consumers: dict[str, Consumer] = context.application.bot_data[_KEY]
    awaiting = await services(context).awaiting.current(w.user_id)
    # A feature removed from the bot since it asked (an upgrade): the survey takes over.
    consumer = consumers.get(awaiting.feature) if awaiting else None
    if consumer is None:
        consumer, awaiting = consumers[DEFAULT], None
    await consumer(update, context, w, awaiting)


def register(app: Application) -> None:
    # New messages only: an edited message is not new input. Service messages (someone
    # joined, a pinned message) are nobody's input.
    message = filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(message, route))
