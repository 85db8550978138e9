"""`python -m bot` as a real process: polling over HTTP, a whole survey, SIGTERM, bad settings.

The bot runs unmodified in its own process and talks HTTP to `LoopbackServer`, which fronts the
same `FakeTelegram` the in-process tests use. Waits poll for a condition with a deadline; the
process is always killed in `finally`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.config import Settings
from bot.logging_setup import RedactingFormatter, redact
from bot.testing.fake_telegram import BOT_ID, TEST_TOKEN, FakeTelegram
from bot.testing.harness import FakeUser
from bot.testing.loopback import LoopbackServer

REPO = Path(__file__).resolve().parent.parent
SECRET = TEST_TOKEN.split(":", 1)[1]
USER_ID = 424242
WAIT = 20.0  # seconds for one step of the conversation; a healthy bot needs milliseconds
EXIT_WAIT = 15.0
T = TypeVar("T")

# Three questions, one per kind of input: a button, a typed number, yes/no.
MINI_SURVEY = """\
id: mini
title: {id: "Survei mini", en: "Mini survey"}
questions:
  - id: peran
    type: single
    text: {id: "Q1 pekerjaan utama", en: "Q1 main work"}
    choices:
      - {id: ojol, label: {id: "Ojek online", en: "Ride-hailing"}}
      - {id: umkm, label: {id: "Pemilik UMKM", en: "MSME owner"}}
  - id: umur
    type: integer
    min: 15
    max: 100
    text: {id: "Q2 umur", en: "Q2 age"}
  - id: bpjs
    type: yes_no
    text: {id: "Q3 punya BPJS", en: "Q3 has BPJS"}
"""

# A question whose show_if points forward: the loader must refuse the file.
FORWARD_REFERENCE_SURVEY = """\
id: broken
title: {id: "Rusak"}
questions:
  - id: first
    type: yes_no
    show_if: {question: second, equals: true}
    text: {id: "Pertama?"}
  - id: second
    type: yes_no
    text: {id: "Kedua?"}
"""


def bot_env(**settings: str) -> dict[str, str]:
    """The environment for `python -m bot`: none of the developer's bot settings leak in."""
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    # The test runs the process outside the repo (no .env there); the package must still import.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


def printed(log: Path) -> str:
    """What the bot wrote to stdout and stderr (one file; small, so read synchronously)."""
    return log.read_text(encoding="utf-8", errors="replace")


async def wait_until(
    condition: Callable[[], T],
    what: str,
    proc: asyncio.subprocess.Process,
    log: Path,
    within: float = WAIT,
) -> T:
    """Poll `condition` until it returns something truthy; fail fast if the bot has died."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = condition()
        if result:
            return result
        if proc.returncode is not None:
            pytest.fail(f"the bot exited ({proc.returncode}) before {what}:\n{printed(log)}")
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def button(
    telegram: FakeTelegram, chat_id: int, prefix: str, suffix: str = ""
) -> tuple[dict[str, Any], str] | None:
    """The newest bot message with a button whose callback data has this prefix and suffix,
    and that data. Found by data, not label: labels get translated, data does not."""
    for message in sorted(telegram.bot_messages(chat_id), key=lambda m: -m["message_id"]):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                data = b.get("callback_data") or ""
                if data.startswith(prefix) and data.endswith(suffix):
                    return message, data
    return None


def showing(telegram: FakeTelegram, chat_id: int, text: str) -> dict[str, Any] | None:
    """The newest bot message showing `text`: our survey file's wording, never translated."""
    found = [m for m in telegram.bot_messages(chat_id) if text in m["text"]]
    return max(found, key=lambda m: m["message_id"]) if found else None


def read_db(path: Path) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """(survey_id, status) of every response and the decoded answers, read-only."""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        responses = db.execute("SELECT survey_id, status FROM responses").fetchall()
        answers = {
            q: json.loads(v) for q, v in db.execute("SELECT question_id, value FROM answers")
        }
        return responses, answers
    finally:
        db.close()


async def test_polling_bot_completes_a_survey_and_stops_on_sigterm(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "mini.yaml").write_text(MINI_SURVEY, encoding="utf-8")
    db_path = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    telegram = FakeTelegram()
    # Only the update builders are used; they never touch the application.
    user = FakeUser(None, telegram, USER_ID)  # type: ignore[arg-type]

    async with LoopbackServer(telegram) as server:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=TEST_TOKEN,
            TELEGRAM_API_URL=server.url,
            DATABASE_PATH=str(db_path),
            SURVEYS_DIR=str(surveys),
            # DEBUG makes the leak check meaningful: every library logs the most it can.
            LOG_LEVEL="DEBUG",
        )
        with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the bot
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=sink, stderr=sink
            )
        try:

            async def until(condition: Callable[[], T], what: str) -> T:
                return await wait_until(condition, what, proc, log)

            await until(lambda: telegram.calls_to("getUpdates"), "the first getUpdates")
            telegram.queue_update(user.message_update("/start mini"))

            consent, data = await until(
                lambda: button(telegram, USER_ID, "cs:y:"), "the consent buttons"
            )
            assert data == "cs:y:mini"  # the deep-link payload rides in the button
            telegram.queue_update(user.callback_update(data, consent))

            first, data = await until(
                lambda: button(telegram, USER_ID, "q:", ":c:umkm"), "question 1 and its choices"
            )
            assert "Q1 pekerjaan utama" in first["text"]
            telegram.queue_update(user.callback_update(data, first))  # "Pemilik UMKM"

            await until(lambda: showing(telegram, USER_ID, "Q2 umur"), "question 2")
            telegram.queue_update(user.message_update("42"))

            third, data = await until(lambda: button(telegram, USER_ID, "q:", ":y:"), "question 3")
            assert "Q3 punya BPJS" in third["text"]
            telegram.queue_update(user.callback_update(data, third))

            review, data = await until(
                lambda: button(telegram, USER_ID, "q:", ":ok:"), "the review"
            )
            telegram.queue_update(user.callback_update(data, review))
            # The thanks replace the review's buttons, and answers are committed before replies.
            await until(
                lambda: not button(telegram, USER_ID, "q:", ":ok:"), "the submit to be confirmed"
            )

            responses, answers = read_db(db_path)
            assert responses == [("mini", "submitted")]
            assert answers == {"peran": "umkm", "umur": 42, "bpjs": True}
            assert set(telegram.commands) == {None, "en"}
            assert not server.errors

            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), EXIT_WAIT)
            assert code == 0, printed(log)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    # Still there after the shutdown closed the database.
    assert read_db(db_path)[0] == [("mini", "submitted")]
    output = printed(log)
    assert "getUpdates" in output, "DEBUG logging was not on; the leak check proves nothing"
    leaks = [line for line in output.splitlines() if SECRET in line]
    assert not leaks, "the token secret was printed:\n" + "\n".join(leaks[:5])
    assert "Traceback" not in output, output


def run_bot(cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env=bot_env(**settings),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "ADMIN_IDS": "abc"}, "ADMIN_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_URL": "notaurl"}, "TELEGRAM_API_URL"),
    ],
    ids=["missing-token", "bad-timezone", "bad-admin-ids", "bad-api-url"],
)
def test_bad_setting_stops_with_one_line(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    result = run_bot(tmp_path, DATABASE_PATH=str(tmp_path / "bot.sqlite3"), **settings)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before touching anything


def test_invalid_survey_file_stops_with_one_line(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "broken.yaml").write_text(FORWARD_REFERENCE_SURVEY, encoding="utf-8")
    result = run_bot(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        SURVEYS_DIR=str(surveys),
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "broken.yaml" in result.stderr
    assert "'first'" in result.stderr and "'second'" in result.stderr
    assert "Traceback" not in result.stderr


async def test_rejected_token_stops_without_printing_it(tmp_path: Path) -> None:
    wrong = f"{BOT_ID}:" + "WRONG-but-well-formed-" + "0" * 13  # built, not written whole
    async with LoopbackServer(FakeTelegram()) as server:  # answers 401 to any other token
        env = bot_env(
            TELEGRAM_BOT_TOKEN=wrong,
            TELEGRAM_API_URL=server.url,
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            raw, _ = await asyncio.wait_for(proc.communicate(), EXIT_WAIT)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    output = raw.decode()
    assert wrong.split(":", 1)[1] not in output
    assert "Traceback" not in output
    assert "TELEGRAM_BOT_TOKEN" in output
    assert proc.returncode == 2


def test_token_is_redacted_in_log_messages_and_exceptions() -> None:
    token = "123456:ABCdefGhIJKlmnoPQRstuVWXyz012345678"
    url = f"https://api.telegram.org/bot{token}/getMe"
    assert redact(url) == "https://api.telegram.org/bot<token>/getMe"
    assert (
        redact(repr(ValueError(f"token {token} rejected")))
        == "ValueError('token <token> rejected')"
    )

    formatter = RedactingFormatter("%(levelname)s %(name)s: %(message)s")
    try:
        raise ConnectionError(f"All connection attempts failed for {url}")
    except ConnectionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "httpx", logging.ERROR, __file__, 1, "HTTP Request: POST %s", (url,), exc_info
    )
    text = formatter.format(record)
    assert "ABCdefGhIJKlmnoPQRstuVWXyz012345678" not in text
    assert text.count("bot<token>/getMe") == 2  # the message and the exception text
    assert "ConnectionError" in text  # redacted, not dropped
