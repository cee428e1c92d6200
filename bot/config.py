"""Settings of the chat bots, read from the environment or a `.env` file beside where they start."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from dotenv import load_dotenv

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass
class TelegramSettings:
    token: str
    admins: frozenset[int] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    reminder_days: int = 3
    broadcast_time: time = time(7, 0)  # local time of the monthly digest and the deadline reminders
    # Webhook mode when webhook_url is set; long polling otherwise.
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    # A self-hosted Bot API server (or the tests' fake one); empty means Telegram's.
    api_url: str = ""
    file_url: str = ""

    @property
    def broadcast_at(self) -> time:
        return self.broadcast_time.replace(tzinfo=self.timezone)


def load_telegram_settings(env_file: str | Path | None = None,
                           environ: dict[str, str] | None = None) -> TelegramSettings:
    """Settings from `environ` (default os.environ), after filling it from a .env file; a variable
    already set in the environment wins over the file."""
    if environ is None:
        load_dotenv(env_file or Path.cwd() / ".env", override=False)
        environ = dict(os.environ)
    env = {k: v.strip() for k, v in environ.items()}
    token = env.get("CONGVAN_TELEGRAM_TOKEN", "")
    if not token:
        raise SettingsError("Thiếu CONGVAN_TELEGRAM_TOKEN (mã bot do @BotFather cấp), "
                            "đặt trong biến môi trường hoặc tệp .env.")
    webhook_url = env.get("CONGVAN_TELEGRAM_WEBHOOK_URL", "")
    secret = env.get("CONGVAN_TELEGRAM_WEBHOOK_SECRET", "")
    if webhook_url and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise SettingsError("Chế độ webhook cần CONGVAN_TELEGRAM_WEBHOOK_SECRET: 1-256 ký tự A-Z, a-z, 0-9, _ hoặc -.")
    return TelegramSettings(
        token=token,
        admins=_admins(env.get("CONGVAN_TELEGRAM_ADMINS", "")),
        timezone=_timezone(env.get("CONGVAN_TIMEZONE") or DEFAULT_TIMEZONE),
        reminder_days=_int(env, "CONGVAN_REMINDER_DAYS", 3, minimum=0),
        broadcast_time=_clock(env.get("CONGVAN_BROADCAST_TIME") or "07:00"),
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=env.get("CONGVAN_TELEGRAM_WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=_int(env, "CONGVAN_TELEGRAM_WEBHOOK_PORT", 8443, minimum=1),
        api_url=env.get("CONGVAN_TELEGRAM_API_URL", ""),
        file_url=env.get("CONGVAN_TELEGRAM_FILE_URL", ""),
    )


def _admins(text: str) -> frozenset[int]:
    ids = [part for part in re.split(r"[\s,;]+", text) if part]
    bad = [part for part in ids if not re.fullmatch(r"-?\d+", part)]
    if bad:
        raise SettingsError(f"CONGVAN_TELEGRAM_ADMINS phải là các mã số người dùng Telegram, cách nhau bởi dấu phẩy "
                            f"(không hiểu: {', '.join(bad)}).")
    return frozenset(int(part) for part in ids)


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception as error:
        raise SettingsError(f"CONGVAN_TIMEZONE: không có múi giờ {name!r}.") from error


def _int(env: dict[str, str], key: str, default: int, minimum: int) -> int:
    value = env.get(key, "")
    if not value:
        return default
    if not re.fullmatch(r"\d+", value) or int(value) < minimum:
        raise SettingsError(f"{key} phải là số nguyên ≥ {minimum} (đang là {value!r}).")
    return int(value)


def _clock(value: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:h](\d{2})", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SettingsError(f"CONGVAN_BROADCAST_TIME phải có dạng HH:MM (đang là {value!r}).")
    return time(int(match.group(1)), int(match.group(2)))
