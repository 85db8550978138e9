"""Settings, read once at start-up from the environment and `.env`.

Every setting is documented in `.env.example`. A bad value stops the bot with one clear line
(see `bot.__main__`), never a traceback.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.quiet import QuietHours

BUNDLED_SURVEYS = Path(__file__).parent / "surveys"
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")

# What to tell a person who got a setting wrong: the fix, not the pydantic jargon.
HOW_TO_FIX = {
    "TELEGRAM_BOT_TOKEN": "set it to the token @BotFather gave you (looks like 123456:ABC-...)",
    "TELEGRAM_API_URL": "use a root URL such as https://api.telegram.org",
    "DATABASE_PATH": "use a file path such as data/bot.sqlite3",
    "ADMIN_IDS": "use comma-separated numeric Telegram user ids, e.g. 12345,67890",
    "DEFAULT_LOCALE": "use 'id' or 'en'",
    "TIMEZONE": "use an IANA zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura",
    "SURVEYS_DIR": "point it at a folder of survey .yaml files",
    "RESPONSE_EXPIRY_HOURS": "use a whole number of hours, at least 1",
    "RESUME_AFTER_MINUTES": "use a whole number of minutes, at least 1",
    "RETENTION_DAYS": "use a whole number of days, at least 1",
    "LOG_LEVEL": "use DEBUG, INFO, WARNING or ERROR",
    "CONTROLLER_NAME": "name the data controller in full, e.g. Kementerian Koordinator Bidang Pemberdayaan Masyarakat",
    "CONTROLLER_CONTACT": "give an e-mail address, a phone number or a Telegram @username people can write to",
    "MAX_MESSAGES_PER_SECOND": "use a number of messages per second from 1 to 1000 (Telegram allows about 30)",
    "RESULTS_MIN_GROUP": "use a whole number of people from 2 to 1000 (default 5): smaller groups are never broken down in results",
    "BROADCAST_PER_SECOND": "use a number of broadcast messages per second from 1 to 1000 (Telegram allows about 30)",
    "QUIET_HOURS": "use a span of local hours such as 21-6 (21.00 to 06.00), or leave it empty for none",
    "FLOOD_LIMIT": "use a whole number of messages one person may send in 10 seconds (0: no limit)",
    "EVENT_REMINDERS": "use up to 3 comma-separated numbers of hours before an event, e.g. 24,1 (0.5 is 30 minutes)",
    "WEBHOOK_URL": "use the public https URL Telegram should post updates to, e.g. https://bot.example.go.id/telegram, or leave it empty to poll",
    "WEBHOOK_SECRET": "set 16 to 256 letters, digits, _ or - (e.g. from `openssl rand -hex 32`); it is required with WEBHOOK_URL",
    "WEBHOOK_LISTEN": "use the address to listen on, e.g. 127.0.0.1 behind a reverse proxy on the same machine, 0.0.0.0 in a container",
    "WEBHOOK_PORT": "use a port number from 1 to 65535",
}


class StorageSettings(BaseSettings):
    """What commands that only touch the database need (`python -m bot events ...`): they run
    on a staff laptop or beside the bot without a bot token."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_path: Path = Path("data/bot.sqlite3")


class SurveySettings(StorageSettings):
    """What commands that read surveys and their answers need (`python -m bot export`): the
    database, the survey files and the zone times are written in; no bot token either."""

    timezone: str = "Asia/Jakarta"
    surveys_dir: Path = BUNDLED_SURVEYS

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Settings(SurveySettings):
    telegram_bot_token: SecretStr
    telegram_api_url: str = "https://api.telegram.org"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: Literal["id", "en"] = "id"
    # An unfinished response is deleted after this long without activity (UU PDP: keep no
    # more than needed). Two weeks lets a worker come back days later.
    response_expiry_hours: int = Field(default=14 * 24, ge=1)
    # Submitted answers are deleted this many days after submission (said in the consent notice).
    retention_days: int = Field(default=730, ge=1)
    # /hasil and the results shown to respondents never break down a group of fewer people
    # than this (a filter to one village must not show how its two respondents answered).
    results_min_group: int = Field(default=5, ge=2, le=1000)
    # After this much silence the first message re-shows the current question instead of
    # being taken as its answer: "25" typed days later is rarely meant for question 7.
    resume_after_minutes: int = Field(default=30, ge=1)
    # Sending pace for all chats together. Telegram allows about 30 messages a second to
    # different chats; above that it answers 429 and makes the bot wait.
    max_messages_per_second: float = Field(default=29, gt=0, le=1000)
    # Broadcast pace, paced apart from replies (which never queue behind a broadcast): just
    # under Telegram's limit of about 30 a second to different chats.
    broadcast_per_second: float = Field(default=28, gt=0, le=1000)
    # Telegram's paid broadcasts (allow_paid_broadcast: up to 1,000 a second, charged in
    # Stars): only for a bot whose owner enabled and funded them.
    broadcast_paid: bool = False
    # No announcement reaches a person between these local hours in their own zone (WIB, WITA
    # or WIT, from their region); they get it in the morning. Empty: no quiet hours. Staff can
    # send one urgent broadcast through the night.
    quiet_hours: str = "21-6"
    # Webhook mode instead of long polling when WEBHOOK_URL is set: Telegram posts updates to
    # that public https URL, which a reverse proxy forwards to WEBHOOK_LISTEN:WEBHOOK_PORT. Each
    # request must carry WEBHOOK_SECRET (Telegram sends it as a header) or it is refused.
    webhook_url: str = ""
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Messages one person may send in 10 seconds; past it the rest are skipped unread and the
    # person is asked, once, to slow down (bot/intake/flood.py). 0: no limit.
    flood_limit: int = Field(default=20, ge=0, le=10_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The data controller in full, and where a person reaches a human about their data (UU PDP:
    # the notice names both). Shown in the consent notice, /privasi and /bantuan.
    controller_name: str = "Kementerian Koordinator Bidang Pemberdayaan Masyarakat (Kemenko PM)"
    controller_contact: str = "pdp@kemenkopm.go.id"
    # Hours before an event's start at which registrants are reminded (and their calendar
    # file alerts): the day before and an hour before.
    event_reminders: Annotated[tuple[float, ...], NoDecode] = (24.0, 1.0)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError("not a bot token")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("not a list of numbers")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("event_reminders", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"\d{1,4}(\.\d{1,2})?", p) for p in parts):
                raise ValueError("not a list of numbers of hours")
            return tuple(float(p) for p in parts)
        return value

    @field_validator("event_reminders")
    @classmethod
    def _reminder_hours(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        # Whole minutes, so a reminder has one spelling in the database; a week at most.
        if len(value) > 3 or any(
            not 1 / 60 <= h <= 24 * 7 or abs(h * 60 - round(h * 60)) > 1e-6 for h in value
        ):
            raise ValueError("at most 3 numbers of hours, each from 1 minute to a week")
        return tuple(sorted(set(value), reverse=True))

    @field_validator("controller_name", "controller_contact")
    @classmethod
    def _named(cls, value: str) -> str:
        # One line a person can read in a notice: not empty, not a paragraph.
        value = " ".join(value.split())
        if not 3 <= len(value) <= 120:
            raise ValueError("empty or too long")
        return value

    @field_validator("default_locale", "log_level", mode="before")
    @classmethod
    def _normalise_case(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_span(cls, value: str) -> str:
        QuietHours.parse(value)  # ValueError names what is wrong
        return value.strip()

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https://[^/\s:]+(:(443|80|88|8443))?(/\S*)?$", value):
            raise ValueError("Telegram posts only to https URLs on port 443, 80, 88 or 8443")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -. We ask for 16 or
        # more: it is all that stands between the URL and anyone who finds it.
        if value is not None and not value.get_secret_value().strip():
            value = None
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError("required with WEBHOOK_URL")
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value().strip()):
            raise ValueError("16 to 256 letters, digits, _ or -")
        return SecretStr(value.get_secret_value().strip())

    @property
    def quiet(self) -> QuietHours | None:
        """QUIET_HOURS parsed; None when there are none."""
        return QuietHours.parse(self.quiet_hours)

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        """EVENT_REMINDERS as periods before the start, longest first."""
        return tuple(timedelta(minutes=round(h * 60)) for h in self.event_reminders)

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"


if TYPE_CHECKING:
    from bot.core.survey.model import Survey


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line meant for a person."""


def describe(error: ValidationError) -> str:
    """Turn pydantic's report into one line that names each bad setting and how to fix it."""
    parts = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        problem = "is missing" if item["type"] == "missing" else "is invalid"
        fix = HOW_TO_FIX.get(name, item["msg"])
        parts.append(f"{name} {problem}: {fix}")
    return "Configuration error: " + "; ".join(parts) + " (see .env.example)."


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


def load_storage_settings(**overrides: object) -> StorageSettings:
    try:
        return StorageSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


def load_survey_settings() -> tuple[SurveySettings, dict[str, Survey]]:
    """What the command lines that read surveys need: the settings and the YAML surveys.
    ConfigError (one line) for a bad setting or survey file."""
    from bot.core.survey.loader import SurveyFileError, load_surveys

    try:
        settings = SurveySettings()
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
    try:
        return settings, load_surveys(settings.surveys_dir)
    except SurveyFileError as exc:
        raise ConfigError(str(exc)) from None
