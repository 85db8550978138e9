"""Settings: every one documented, bad values explained in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.testing.fake_telegram import TEST_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields == documented


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("ADMIN_IDS", " 12, 34 ,")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.bot_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.bot_api_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert (settings.default_locale, settings.timezone) == ("id", "Asia/Jakarta")
    assert TEST_TOKEN not in repr(settings)  # SecretStr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "hello"),
        ("ADMIN_IDS", "alice,bob"),
        ("TIMEZONE", "Asia/Atlantis"),
        ("DEFAULT_LOCALE", "fr"),
        ("RESPONSE_EXPIRY_HOURS", "0"),
        ("TELEGRAM_API_URL", "ftp://x"),
    ],
)
def test_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert name in message and "\n" not in message
    assert value not in message or name != "TELEGRAM_BOT_TOKEN"
