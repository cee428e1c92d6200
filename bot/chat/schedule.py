"""When the bots push: the month's digest on the 1st, reminders every day for deadlines coming up
within the lead time, both at the configured local time (CONGVAN_BROADCAST_TIME); a run missed at
that time (the bot was down) happens when the bot starts again the same day; what a run could not
send is tried again every RETRY_MINUTES. A channel calls `run_day` from its daily job and at
start-up when `missed_today`, and `Outbox.deliver` on the retry interval."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from bot.core.clock import Clock

from .outbox import Outbox, Sender

RETRY_MINUTES = 10


class Schedule:
    def __init__(self, outbox: Outbox, clock: Clock, broadcast_time: time):
        self.outbox = outbox
        self.clock = clock
        self.broadcast_time = broadcast_time

    def plan_day(self, today: date) -> int:
        """Write down what today owes: the digests on the 1st, the reminders due every day."""
        planned = self.outbox.plan_digests(today) if today.day == 1 else 0
        return planned + self.outbox.plan_reminders(today)

    def missed_today(self) -> bool:
        """Started after today's run time: today's run may not have happened (the log keeps it
        from happening twice)."""
        return self.clock.now().time() >= self.broadcast_time

    async def run_day(self, sender: Sender, keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
        today = self.clock.today()
        self.plan_day(today)
        return await self.outbox.deliver(sender, today, keep_going)

    async def deliver_owed(self, sender: Sender, keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
        return await self.outbox.deliver(sender, self.clock.today(), keep_going)
