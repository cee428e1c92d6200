"""Everything congvan reads from the environment, in one settings object.

Each setting is a CONGVAN_* variable, set in the environment or in a `.env` file (by default the
one in the folder congvan starts in; a variable set in the environment wins over the file):

    CONGVAN_HOME                    the data folder (default: the user data folder)
    CONGVAN_EMBEDDER                the embedding model (index.embed.load_embedder)
    CONGVAN_TIMEZONE                where the users are: what "today" is (Asia/Ho_Chi_Minh)
    CONGVAN_REMINDER_DAYS           how many days ahead a deadline is reminded (3)
    CONGVAN_BROADCAST_TIME          local time of the monthly digest and the reminders (07:00)
    CONGVAN_TELEGRAM_TOKEN          the bot's token from @BotFather
    CONGVAN_TELEGRAM_ADMINS         Telegram user ids who may upload and remove, comma separated
    CONGVAN_TELEGRAM_WEBHOOK_URL    webhook mode when set (long polling otherwise), with
    CONGVAN_TELEGRAM_WEBHOOK_SECRET   its secret token,
    CONGVAN_TELEGRAM_WEBHOOK_LISTEN   address (0.0.0.0)
    CONGVAN_TELEGRAM_WEBHOOK_PORT     and port (8443)
    CONGVAN_TELEGRAM_API_URL        a self-hosted Bot API server (or the tests' fake one)
    CONGVAN_TELEGRAM_FILE_URL       its file URL, when not derived from the API URL

A bad value stops congvan with a SettingsError that says, in Vietnamese, which variable and why.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "CONGVAN_"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Settings(BaseModel):
    """The settings themselves. Built directly, as tests do, they read nothing from the
    environment; `load` and `settings` read it."""
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, arbitrary_types_allowed=True)

    home: Path | None = None
    embedder: str | None = None
    timezone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE)
    reminder_days: int = 3
    broadcast_time: time = time(7, 0)
    telegram_token: str = ""
    # NoDecode: a list typed by hand ("12, 34"), not JSON.
    telegram_admins: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_api_url: str = ""
    telegram_file_url: str = ""

    @property
    def broadcast_at(self) -> time:
        return self.broadcast_time.replace(tzinfo=self.timezone)

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: Any) -> ZoneInfo:
        if isinstance(value, ZoneInfo):
            return value
        try:
            return ZoneInfo(str(value).strip())
        except Exception as error:
            raise ValueError(f"không có múi giờ {value!r} (viết như Asia/Ho_Chi_Minh)") from error

    @field_validator("reminder_days", "telegram_webhook_port", mode="before")
    @classmethod
    def _whole_number(cls, value: Any, info) -> int:
        minimum = 1 if info.field_name == "telegram_webhook_port" else 0
        text = str(value).strip()
        if not re.fullmatch(r"\d+", text) or int(text) < minimum:
            raise ValueError(f"phải là số nguyên ≥ {minimum} (đang là {value!r})")
        return int(text)

    @field_validator("broadcast_time", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> time:
        if isinstance(value, time):
            return value
        match = re.fullmatch(r"(\d{1,2})[:h](\d{2})", str(value).strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(f"phải có dạng HH:MM, ví dụ 07:00 (đang là {value!r})")
        return time(int(match.group(1)), int(match.group(2)))

    @field_validator("telegram_admins", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> frozenset[int]:
        if not isinstance(value, str):
            return frozenset(value)
        ids = [part for part in re.split(r"[\s,;]+", value) if part]
        bad = [part for part in ids if not re.fullmatch(r"-?\d+", part)]
        if bad:
            raise ValueError("phải là các mã số người dùng Telegram, cách nhau bởi dấu phẩy "
                             f"(không hiểu: {', '.join(bad)})")
        return frozenset(int(part) for part in ids)

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        if self.telegram_webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.telegram_webhook_secret):
            raise ValueError("Chế độ webhook cần CONGVAN_TELEGRAM_WEBHOOK_SECRET: 1-256 ký tự A-Z, a-z, 0-9, _ hoặc -.")
        return self


class _FromEnvironment(BaseSettings, Settings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8",
                                      env_ignore_empty=True, extra="ignore")


_current: Settings | None = None


def settings() -> Settings:
    """This process's settings: read once, from the environment and ./.env, unless `load` read
    them from another file first."""
    if _current is None:
        return load()
    return _current


def load(env_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (a mapping of CONGVAN_* variables), else from the environment and
    `env_file` (default ./.env), which then become this process's settings: a `serve` started
    with --env-file finds its home there too."""
    global _current
    try:
        if environ is not None:
            return Settings.model_validate({key[len(PREFIX):].lower(): value for key, value in environ.items()
                                            if key.startswith(PREFIX) and value.strip()})
        _current = _FromEnvironment(_env_file=env_file or Path.cwd() / ".env")
        return _current
    except ValidationError as error:
        raise SettingsError("\n".join(_explain(e) for e in error.errors())) from None


def load_telegram_settings(env_file: str | Path | None = None,
                           environ: Mapping[str, str] | None = None) -> Settings:
    """`load`, for the Telegram bot, which cannot start without its token."""
    loaded = load(env_file, environ)
    if not loaded.telegram_token:
        raise SettingsError("Thiếu CONGVAN_TELEGRAM_TOKEN (mã bot do @BotFather cấp), "
                            "đặt trong biến môi trường hoặc tệp .env.")
    return loaded


def _explain(error: dict) -> str:
    """One pydantic error in words for whoever edits the .env file."""
    if not error["loc"]:  # a rule across settings says everything itself
        return str(error.get("ctx", {}).get("error") or error["msg"])
    name = PREFIX + str(error["loc"][0]).upper()
    if error["type"] == "value_error":
        return f"{name} {error['ctx']['error']}."
    return f"{name}: giá trị {error.get('input')!r} không hợp lệ."
