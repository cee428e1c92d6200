"""How much work one file may take: the limits (sizes, pages, passages, tasks, OCR pages) and the
time budget. The defaults are sane for real directives; a deployment changes them through its
settings (bot.core.config), and the core hands them to ingest as one `Limits`.

Each refusal names the limit and the CONGVAN_* setting that sets it, so whoever runs congvan can
tell a file that is too big from a limit set too low.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields

from .errors import OverTime

# The environment variable of each limit; bot.core.config declares settings of these names.
SETTINGS = {
    "file_mb": "CONGVAN_MAX_FILE_MB",
    "chars": "CONGVAN_MAX_CHARS",
    "pages": "CONGVAN_MAX_PAGES",
    "ocr_pages": "CONGVAN_MAX_OCR_PAGES",
    "passages": "CONGVAN_MAX_PASSAGES",
    "tasks": "CONGVAN_MAX_TASKS",
    "seconds": "CONGVAN_FILE_SECONDS",
}


@dataclass(frozen=True)
class Limits:
    # Scanned directives run to a few MB a page at most and Telegram hands bots files of 20 MB or less.
    file_mb: int = 40
    # The longest real directives (a circular with its appendices) are ~300,000 characters. Every
    # 100,000 characters are ~150 passages to embed, 30-60 s of a shared 2-core machine's CPU.
    chars: int = 500_000
    # A PDF's pages are read one by one (0.1-0.5 s each): a circular with its appendices has a
    # hundred or two; thousands of pages are a book or a scan archive, not a directive.
    pages: int = 300
    # tesseract reads a page in 5-10 s on one core: 20 pages is a minute or two on this machine.
    ocr_pages: int = 20
    # Each passage costs an embedding (~0.1-0.4 s on a shared 2-core machine). Real directives
    # within `chars` give under 1,000; 10,000 one-line articles would give 10,000.
    passages: int = 2000
    # A year's plan of a large school lists a few hundred tasks; thousands of dated lines (a log,
    # an exported timetable) are not tasks anyone is to be reminded of. Extra ones are dropped.
    tasks: int = 3000
    # Reading, OCR and embedding of one file; a file that needs more is refused, nothing saved.
    seconds: float = 120

    def setting(self, name: str) -> str:
        return SETTINGS[name]

    def budget(self, now: Callable[[], float] = time.monotonic) -> Budget:
        return Budget(self.seconds, now)


assert set(SETTINGS) == {f.name for f in fields(Limits)}


class Budget:
    """The time one file may take, checked cooperatively where work can run long (between
    stages, and per page, OCR page, top-level paragraph and embedding batch): `check` raises
    OverTime once it is spent. `now` is a monotonic clock in seconds (a test's fake)."""

    def __init__(self, seconds: float, now: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._now = now
        self._deadline = now() + seconds

    def remaining(self) -> float:
        return max(0.0, self._deadline - self._now())

    def check(self, doing: str) -> None:
        """`doing`: what was under way, in Vietnamese ("đọc trang 12/300")."""
        if self._now() >= self._deadline:
            seconds = f"{self.seconds:g}".replace(".", ",")
            raise OverTime(f"Tệp vượt quá thời gian xử lý cho phép ({seconds} giây, đặt bằng "
                           f"{SETTINGS['seconds']}) khi đang {doing}; không lưu gì từ tệp này. "
                           "Hãy tách thành các tệp nhỏ hơn")


def number(value: int) -> str:
    """1.000.000: Vietnamese groups thousands with dots."""
    return f"{value:,}".replace(",", ".")
