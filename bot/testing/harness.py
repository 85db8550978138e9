"""Drive the real `Application` as people would: send texts, tap buttons by their label.

In the spirit of aiogram-dialog's BotClient: `FakeUser.tap("Ya")` finds the button on the
bot's latest message and sends Telegram's callback-query update for it; `last` is the latest
message the bot shows the person. Updates are real Bot API JSON, parsed by PTB itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build
from bot.config import Settings
from bot.services.clock import Clock
from bot.testing.fake_telegram import TEST_TOKEN, FakeRequest, FakeTelegram, Upload

_NOT_TEXT: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "stk",
            "file_unique_id": "stku",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "ph", "file_unique_id": "phu", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "vc", "file_unique_id": "vcu", "duration": 3}},
    "location": {"location": {"latitude": -10.17, "longitude": 123.6}},
}


class FakeUser:
    def __init__(
        self,
        app: Application,
        telegram: FakeTelegram,
        user_id: int,
        language_code: str = "id",
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.telegram = telegram
        self.id = user_id
        self.language_code = language_code
        # Message dates follow the bot's clock, so a test that moves time moves them too.
        self.clock = clock or Clock()

    # -- looking at the chat -------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.telegram.bot_messages(self.id)

    @property
    def last(self) -> dict[str, Any]:
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent user {self.id} nothing")
        return max(messages, key=lambda m: m["message_id"])

    @property
    def text(self) -> str:
        """The last message's text, or its caption for a document or photo."""
        last = self.last
        return str(last["text"] if "text" in last else last.get("caption", ""))

    def files(self) -> list[Upload]:
        """Every document and photo the bot sent this person, oldest first."""
        return [m["upload"] for m in self.messages if "upload" in m]

    def buttons(self, message: dict[str, Any] | None = None) -> list[str]:
        message = message or self.last
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [b["text"] for row in rows for b in row]

    def find_button(self, label: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        """The button whose label is `label`, or contains it (ignoring case and ticks)."""
        message = message or self._last_with_buttons()
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        for test in (
            lambda t: t == label,
            lambda t: t.removeprefix("✅ ").removeprefix("⬜ ") == label,
            lambda t: label.casefold() in t.casefold(),
        ):
            found = [b for b in buttons if test(b["text"])]
            if found:
                return found[0]
        raise AssertionError(f"no button {label!r} in {[b['text'] for b in buttons]}")

    def _last_with_buttons(self) -> dict[str, Any]:
        with_buttons = [m for m in self.messages if m.get("reply_markup")]
        if not with_buttons:
            raise AssertionError("no message with buttons")
        return max(with_buttons, key=lambda m: m["message_id"])

    # -- doing things --------------------------------------------------------------------

    def _person(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": f"User{self.id}",
            "language_code": self.language_code,
        }

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = self.telegram.chat(self.id)
        return {
            "message_id": next(chat.ids),
            "date": int(self.clock.now().timestamp()),
            "chat": {"id": self.id, "type": "private", "first_name": f"User{self.id}"},
            "from": self._person(),
            **content,
        }

    def message_update(self, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.telegram.next_update_id(), "message": self._message(**content)}

    def tap_update(self, label: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        message = message or self._last_with_buttons()
        button = self.find_button(label, message)
        return self.callback_update(button["callback_data"], message)

    def callback_update(self, data: str, message: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in message.items() if k != "html"}
        return {
            "update_id": self.telegram.next_update_id(),
            "callback_query": {
                "id": str(self.telegram.next_update_id()),
                "from": self._person(),
                "message": public,
                "chat_instance": f"ci{self.id}",
                "data": data,
            },
        }

    async def deliver(self, *updates: dict[str, Any]) -> None:
        """Hand updates to the running bot as polling does (stored in the inbox first), and
        wait until everything stored has been handled."""
        intake = self.app.bot_data["services"].intake
        await intake.accept(updates)
        await intake.idle()

    async def send(self, text: str) -> dict[str, Any]:
        await self.deliver(self.message_update(text))
        return self.last

    async def tap(self, label: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.deliver(self.tap_update(label, message))
        return self.last

    def other_update(self, kind: str, **extra: Any) -> dict[str, Any]:
        """A message that is not text: a sticker, photo, voice note or location (`extra` adds
        fields, such as a photo's caption)."""
        content = {**_NOT_TEXT[kind], **extra}
        return {"update_id": self.telegram.next_update_id(), "message": self._message(**content)}

    def document_update(
        self, filename: str, content: bytes, mime_type: str = "text/csv", caption: str = ""
    ) -> dict[str, Any]:
        """A file sent as a document (a CSV of events, say), as Telegram delivers it."""
        content_: dict[str, Any] = {
            "document": self.telegram.document(filename, content, mime_type)
        }
        if caption:
            content_["caption"] = caption
        return {"update_id": self.telegram.next_update_id(), "message": self._message(**content_)}

    async def send_document(
        self, filename: str, content: bytes, mime_type: str = "text/csv"
    ) -> dict[str, Any]:
        await self.deliver(self.document_update(filename, content, mime_type))
        return self.last

    async def send_other(self, kind: str) -> dict[str, Any]:
        await self.deliver(self.other_update(kind))
        return self.last


def test_settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TEST_TOKEN,
        "database_path": tmp / "bot.sqlite3",
        "_env_file": None,
        # Test people type at machine speed: flood control only where a test asks for it.
        "flood_limit": 0,
        # Tests run at any hour of the real day: quiet hours only where a test asks for them.
        "quiet_hours": "",
    }
    values.update(overrides)
    return Settings(**values)


class Bot:
    """A running application on a fake Telegram, with people to talk to it."""

    def __init__(self, app: Application, telegram: FakeTelegram, clock: Clock) -> None:
        self.app = app
        self.telegram = telegram
        self.clock = clock

    @property
    def services(self) -> Any:
        return self.app.bot_data["services"]

    def user(self, user_id: int, language_code: str = "id") -> FakeUser:
        return FakeUser(self.app, self.telegram, user_id, language_code, self.clock)

    async def deliver(self, *updates: dict[str, Any] | None) -> None:
        """Many people's updates at once, stored in one batch (as one getUpdates page would
        be), then handled; waits until all are. `None`s are skipped."""
        intake = self.services.intake
        await intake.accept([u for u in updates if u is not None])
        await intake.idle()


@asynccontextmanager
async def running_bot(
    settings: Settings, telegram: FakeTelegram | None = None, clock: Clock | None = None
) -> AsyncIterator[Bot]:
    """Start the real bot (no polling: updates are handed to its intake directly) and stop it."""
    telegram = telegram or FakeTelegram()
    clock = clock or Clock()
    runtime = build(settings, request=FakeRequest(telegram), clock=clock, rate_limit=False)
    try:
        await runtime.start()
        yield Bot(runtime.app, telegram, clock)
    finally:
        await runtime.stop()
