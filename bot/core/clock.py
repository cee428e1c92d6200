"""What time it is where the users are (CONGVAN_TIMEZONE): the one "now" and "today" that the
school year, the deadlines due, the month's digest and the reminders are counted from, whatever
zone the server runs in."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .config import settings


class Clock:
    """`source`: where the time comes from instead of the system (a test's fixed or settable
    time); a naive datetime from it is taken as local time in `zone`."""

    def __init__(self, zone: ZoneInfo, source: Callable[[], datetime] | None = None):
        self.zone = zone
        self._source = source

    @classmethod
    def fixed(cls, moment: datetime, zone: ZoneInfo | None = None) -> Clock:
        return cls(zone or moment.tzinfo or settings().timezone, lambda: moment)

    def now(self) -> datetime:
        if self._source is None:
            return datetime.now(self.zone)
        moment = self._source()
        return moment.replace(tzinfo=self.zone) if moment.tzinfo is None else moment.astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()


def clock() -> Clock:
    """The system's clock in the configured zone."""
    return Clock(settings().timezone)
