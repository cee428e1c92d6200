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
    CONGVAN_ZALO_OA_APP_ID          the Zalo app linked to the Official Account (developers.zalo.me)
    CONGVAN_ZALO_OA_APP_SECRET        its secret key (sent when refreshing the access token)
    CONGVAN_ZALO_OA_SECRET_KEY        the OA secret key of its webhook (signs each event)
    CONGVAN_ZALO_OA_ACCESS_TOKEN      the first access token and
    CONGVAN_ZALO_OA_REFRESH_TOKEN     refresh token (afterwards kept in the home; a new one here wins)
    CONGVAN_ZALO_OA_ADMINS            Zalo user ids (as the OA sees them) who may upload files
    CONGVAN_ZALO_OA_WEBHOOK_LISTEN    where the webhook server listens (0.0.0.0),
    CONGVAN_ZALO_OA_WEBHOOK_PORT        its port (8444)
    CONGVAN_ZALO_OA_WEBHOOK_PATH        and path (/zalo-oa)
    CONGVAN_ZALO_OA_REPLY_WINDOW_HOURS  broadcasts only to users who wrote this recently (48; Zalo refuses after 168)
    CONGVAN_ZALO_OA_API_URL           the OA API (https://openapi.zalo.me) and
    CONGVAN_ZALO_OA_OAUTH_URL           the token server (https://oauth.zaloapp.com), or the tests' fakes
    CONGVAN_ZALO_BOT_TOKEN          the token of a Zalo Bot (Zalo Bot Manager)
    CONGVAN_ZALO_BOT_WEBHOOK_URL    webhook mode when set (long polling otherwise), with
    CONGVAN_ZALO_BOT_WEBHOOK_SECRET   its secret token,
    CONGVAN_ZALO_BOT_WEBHOOK_LISTEN   address (0.0.0.0)
    CONGVAN_ZALO_BOT_WEBHOOK_PORT     and port (8445)
    CONGVAN_ZALO_BOT_API_URL        the Bot API (https://bot-api.zaloplatforms.com), or the tests' fake
    CONGVAN_MAX_FILE_MB             the largest file ingested, in MB (40)
    CONGVAN_MAX_CHARS               the longest text, in characters (500000)
    CONGVAN_MAX_PAGES               the most pages of a PDF (300)
    CONGVAN_MAX_OCR_PAGES           the most pages without text read by OCR in one PDF (20; the rest skipped, and said)
    CONGVAN_MAX_PASSAGES            the most passages one document may give (2000)
    CONGVAN_MAX_TASKS               the most tasks kept from one document (3000)
    CONGVAN_FILE_SECONDS            the time one file may take to read, OCR and embed (120 s)

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

from ingest.limits import Limits

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
    zalo_oa_app_id: str = ""
    zalo_oa_app_secret: str = ""
    zalo_oa_secret_key: str = ""
    zalo_oa_access_token: str = ""
    zalo_oa_refresh_token: str = ""
    # Zalo ids are strings of digits too long for some JSON readers; kept as text.
    zalo_oa_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    zalo_oa_webhook_listen: str = "0.0.0.0"
    zalo_oa_webhook_port: int = 8444
    zalo_oa_webhook_path: str = "/zalo-oa"
    zalo_oa_reply_window_hours: int = 48
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_bot_token: str = ""
    zalo_bot_webhook_url: str = ""
    zalo_bot_webhook_secret: str = ""
    zalo_bot_webhook_listen: str = "0.0.0.0"
    zalo_bot_webhook_port: int = 8445
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    max_file_mb: int = Limits.file_mb
    max_chars: int = Limits.chars
    max_pages: int = Limits.pages
    max_ocr_pages: int = Limits.ocr_pages
    max_passages: int = Limits.passages
    max_tasks: int = Limits.tasks
    file_seconds: int = int(Limits.seconds)

    @property
    def limits(self) -> Limits:
        """What one file may take, as ingest receives it."""
        return Limits(file_mb=self.max_file_mb, chars=self.max_chars, pages=self.max_pages,
                      ocr_pages=self.max_ocr_pages, passages=self.max_passages, tasks=self.max_tasks,
                      seconds=self.file_seconds)

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

    @field_validator("reminder_days", "telegram_webhook_port", "zalo_oa_webhook_port", "zalo_bot_webhook_port",
                     "zalo_oa_reply_window_hours", "max_file_mb", "max_chars", "max_pages", "max_ocr_pages",
                     "max_passages", "max_tasks", "file_seconds", mode="before")
    @classmethod
    def _whole_number(cls, value: Any, info) -> int:
        # A limit of 0 would refuse every file; 0 OCR pages only turns OCR off.
        minimum = 0 if info.field_name in ("reminder_days", "max_ocr_pages") else 1
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

    @field_validator("zalo_oa_admins", mode="before")
    @classmethod
    def _zalo_admins(cls, value: Any) -> frozenset[str]:
        if not isinstance(value, str):
            return frozenset(str(v) for v in value)
        ids = [part for part in re.split(r"[\s,;]+", value) if part]
        bad = [part for part in ids if not re.fullmatch(r"\d+", part)]
        if bad:
            raise ValueError("phải là các mã người dùng Zalo (dãy số OA nhận được), cách nhau bởi dấu phẩy "
                             f"(không hiểu: {', '.join(bad)})")
        return frozenset(ids)

    @field_validator("zalo_oa_reply_window_hours")
    @classmethod
    def _within_zalo_limit(cls, value: int) -> int:
        if value > 168:
            raise ValueError(f"tối đa 168 (7 ngày): sau 7 ngày Zalo từ chối tin nhắn (đang là {value})")
        return value

    @field_validator("zalo_oa_webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        return "/" + value.lstrip("/")

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        if self.telegram_webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.telegram_webhook_secret):
            raise ValueError("Chế độ webhook cần CONGVAN_TELEGRAM_WEBHOOK_SECRET: 1-256 ký tự A-Z, a-z, 0-9, _ hoặc -.")
        if self.zalo_bot_webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{8,256}", self.zalo_bot_webhook_secret):
            raise ValueError("Chế độ webhook của Zalo Bot cần CONGVAN_ZALO_BOT_WEBHOOK_SECRET: 8-256 ký tự "
                             "A-Z, a-z, 0-9, _ hoặc -.")
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


def load_zalo_oa_settings(env_file: str | Path | None = None,
                          environ: Mapping[str, str] | None = None) -> Settings:
    """`load`, for the Zalo Official Account channel: its app, secrets and first tokens."""
    loaded = load(env_file, environ)
    missing = [f"{PREFIX}{name.upper()} ({what})" for name, what in [
        ("zalo_oa_app_id", "ID ứng dụng trên developers.zalo.me"),
        ("zalo_oa_app_secret", "khóa bí mật của ứng dụng"),
        ("zalo_oa_secret_key", "OA Secret Key ở mục Webhook của ứng dụng"),
        ("zalo_oa_refresh_token", "refresh token của OA, cấp cùng access token"),
    ] if not getattr(loaded, name)]
    if missing:
        raise SettingsError("Thiếu " + "; ".join(missing) + ", đặt trong biến môi trường hoặc tệp .env.")
    return loaded


def load_zalo_bot_settings(env_file: str | Path | None = None,
                           environ: Mapping[str, str] | None = None) -> Settings:
    """`load`, for the Zalo Bot channel, which cannot start without its token."""
    loaded = load(env_file, environ)
    if not loaded.zalo_bot_token:
        raise SettingsError("Thiếu CONGVAN_ZALO_BOT_TOKEN (mã bot do Zalo Bot Manager cấp), "
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
