"""`python -m bot simulate [SURVEY]`: try a survey in the terminal, no token, no network.
`python -m bot simulate --xlsform FILE [--without-unsupported]` tries an XLSForm the same way.

The real handlers run against the in-process fake Telegram the tests use. Buttons are shown
numbered: type the number to tap one, or type text as a respondent would. Commands work as in
Telegram (/batal, /bahasa, ...). `:sticker` sends a sticker, `:lokasi -8.65 115.22` shares a
location (Telegram's 📍 button); `:q` or Ctrl-D quits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_settings
from bot.core.survey.loader import SurveyFileError
from bot.services.survey_catalog import Outcome, describe
from bot.testing.fake_telegram import TEST_TOKEN
from bot.testing.harness import FakeUser, running_bot

PROMPT = "> "


def _render(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    buttons = [
        b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
    ]
    lines = ["", "─" * 60, str(message["text"])]
    if buttons:
        lines.append("")
        lines.extend(f"  [{i}] {b['text']}" for i, b in enumerate(buttons, start=1))
    return "\n".join(lines), buttons


class Screen:
    """Prints what changed in the chat since the last look, like a phone would show it."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.seen: dict[int, str] = {}
        self.buttons: list[dict[str, Any]] = []
        self.message: dict[str, Any] | None = None
        self.keyboard: dict[str, Any] | None = None

    def refresh(self, out: Any) -> None:
        for message in sorted(self.user.messages, key=lambda m: m["message_id"]):
            snapshot = json.dumps([message["text"], message.get("reply_markup")], sort_keys=True)
            if self.seen.get(message["message_id"]) != snapshot:
                self.seen[message["message_id"]] = snapshot
                text, buttons = _render(message)
                print(text, file=out)
                if buttons:
                    self.buttons, self.message = buttons, message
        calls = self.user.telegram.calls_to("answerCallbackQuery")
        if calls and calls[-1].params.get("text") and not calls[-1].params.get("_shown"):
            calls[-1].params["_shown"] = True
            print(f"  (notification: {calls[-1].params['text']})", file=out)
        keyboard = self.user.telegram.chat(self.user.id).keyboard
        if keyboard != self.keyboard:  # a reply keyboard (the location button) came or went
            self.keyboard = keyboard
            shown = [b.get("text", "") for row in (keyboard or {}).get("keyboard", []) for b in row]
            note = f"[{' | '.join(shown)}]: type :lokasi LAT LON" if shown else "(keyboard gone)"
            print(f"  {note}", file=out)


async def _share_location(user: FakeUser, line: str, out: Any) -> None:
    """`:lokasi LAT LON`: what Telegram's location button sends."""
    try:
        latitude, longitude = (float(x) for x in line.split()[1:])
    except ValueError:
        print("  usage: :lokasi -8.65 115.22", file=out)
        return
    place = {"latitude": latitude, "longitude": longitude}
    await user.deliver(user.other_update("location", location=place))


async def _import(bot: Any, path: Path, without: bool, out: Any) -> str | int:
    """Import and publish an XLSForm in the simulator's throwaway database, as staff would in
    the chat: the report first. The survey's id; or, when it cannot run (said why), the exit
    status of `python -m bot surveys import`: 1 for parts chat cannot run, 2 for no form."""
    result = await bot.services.survey_catalog.import_file(
        path, by=None, without_unsupported=without
    )
    if result.report is None:
        print(f"{path.name} cannot be imported: {result.reason}", file=sys.stderr)
        return 2
    for line in describe(result.report, left_out=without):
        print(line, file=out)
    if result.outcome is Outcome.UNSUPPORTED:
        print(
            "Nothing was imported. Try it without the parts listed: --without-unsupported",
            file=sys.stderr,
        )
        return 1
    if result.form is None:  # not a survey the bot can run, or its id is a YAML survey's
        why = result.reason or f"its id is already used by {result.taken_by!r}"
        print(f"{path.name} cannot be imported: {why}", file=sys.stderr)
        return 2
    await bot.services.survey_catalog.publish(result.form, by=None)
    return str(result.form.survey_id)


async def simulate(
    survey: str | None,
    language: str,
    out: Any = sys.stdout,
    *,
    xlsform: Path | None = None,
    without_unsupported: bool = False,
) -> int:
    with tempfile.TemporaryDirectory(prefix="berdaya-sim-") as tmp:
        try:
            settings = load_settings(
                telegram_bot_token=TEST_TOKEN, database_path=Path(tmp) / "simulator.sqlite3"
            )
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            context = running_bot(settings)
            bot = await context.__aenter__()
        except SurveyFileError as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            if xlsform is not None:
                imported = await _import(bot, xlsform, without_unsupported, out)
                if isinstance(imported, int):
                    return imported
                survey = imported
            if survey and bot.services.surveys.survey_for_payload(survey) is None:
                known = ", ".join(sorted(bot.services.surveys.surveys))
                print(f"Unknown survey {survey!r}. Surveys: {known}", file=sys.stderr)
                return 2
            user = bot.user(10_001, language)
            screen = Screen(user)
            print(__doc__.split("\n\n")[1], file=out)
            await user.send(f"/start {survey}" if survey else "/start")
            screen.refresh(out)
            while True:
                try:
                    line = await asyncio.to_thread(input, PROMPT)
                except EOFError:
                    break
                line = line.strip()
                if line in {":q", ":quit"}:
                    break
                if line == ":sticker":
                    await user.send_other("sticker")
                elif line.startswith(":lokasi"):
                    await _share_location(user, line, out)
                elif line.isdigit() and 1 <= int(line) <= len(screen.buttons) and screen.message:
                    button = screen.buttons[int(line) - 1]
                    await user.deliver(
                        user.callback_update(button["callback_data"], screen.message)
                    )
                elif line:
                    await user.send(line)
                screen.refresh(out)
        finally:
            await context.__aexit__(None, None, None)
    print("\nBye.", file=out)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot simulate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("survey", nargs="?", help="survey id or start payload, e.g. bpjs")
    parser.add_argument(
        "--xlsform", type=Path, help="an XLSForm (.xlsx / .xls) to import and try instead"
    )
    parser.add_argument(
        "--without-unsupported",
        action="store_true",
        help="import the XLSForm without the parts chat cannot run (listed in its report)",
    )
    parser.add_argument(
        "--lang", default="id", choices=["id", "en"], help="the respondent's Telegram language"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.xlsform is not None and args.survey:
        parser.error("give a survey or --xlsform, not both")
    if args.xlsform is not None and not args.xlsform.is_file():
        print(f"There is no file at {args.xlsform}.", file=sys.stderr)
        return 2
    return asyncio.run(
        simulate(
            args.survey,
            args.lang,
            xlsform=args.xlsform,
            without_unsupported=args.without_unsupported,
        )
    )
