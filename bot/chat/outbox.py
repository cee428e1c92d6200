"""Messages the bots push: the monthly digest, deadline reminders, notices of new directives.

Each is written to the broadcast log as data before it is sent, keyed by channel, chat, kind and
period ("digest" "2023-12", "reminder" "<task key>:2023-12-15", "document" "<id>"), with a JSON
payload (the digest {unit, month}, a reminder {unit, task}, a notice {document}). At delivery the
payload becomes a reply (bot/chat/replies.py) that the channel's `Sender` renders in its own
format. Planning again is a no-op, so a run that is repeated (a restart, the start-up catch-up
and the daily job on the same day) sends nothing twice; a run interrupted half-way sends the rest
when the bot comes back; a row whose sending was cut off is "unknown" and never sent again.
"""
from __future__ import annotations

import asyncio
import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from index.units import scope

from . import store as log
from .replies import Legacy, Message, Reply
from .store import ChatKey, ChatStore
from .tasklist import due_date, reminder_message, task_key, task_message

logger = logging.getLogger(__name__)

# What a channel's sender reports for one message.
DELIVERED, BLOCKED, RETRY, UNKNOWN, FAILED, DEFERRED = (
    "delivered", "blocked", "retry", "unknown", "failed", "deferred")
_STATE = {DELIVERED: log.SENT, BLOCKED: log.BLOCKED, RETRY: log.PLANNED, UNKNOWN: log.UNKNOWN, FAILED: log.FAILED,
          DEFERRED: log.DEFERRED}

NOTICE_DAYS = 7  # a notice of a new directive not delivered within a week is dropped
_TASK_FIELDS = ("id", "document_id", "text", "due", "deadline_label", "deadline_text", "title", "issuer",
                "number", "school_year", "unit")


@dataclass(frozen=True)
class Delivery:
    outcome: str  # DELIVERED: arrived · BLOCKED: the user blocked the bot or left (stop writing to them) ·
    #               RETRY: proven not delivered, try on the next run · UNKNOWN: may have arrived, never
    #               resend · FAILED: refused, or cut off after some parts (resending would repeat them) ·
    #               DEFERRED: may not be sent now (outside Zalo OA's reply window): owed again when the
    #               user next writes (ChatService.seen), unless it expired meanwhile
    error: str = ""


class Sender(Protocol):
    """One channel's way of sending a reply to a chat, its errors mapped to a `Delivery`."""
    channel: str

    async def send(self, chat_id: str, reply: Reply) -> Delivery: ...


class Outbox:
    def __init__(self, congvan, chats: ChatStore, reminder_days: int):
        self.congvan = congvan
        self.chats = chats
        self.reminder_days = reminder_days
        self._delivering: dict[str, asyncio.Lock] = {}

    # -- planning: decide who is owed what, and write it down --------------------------------

    def plan_digests(self, today: date) -> int:
        """The month's tasks for each subscriber's unit; a unit with no tasks that month gets none."""
        month = today.strftime("%Y-%m")
        last_day = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        has_tasks: dict[str, bool] = {}
        planned = 0
        for chat in self.chats.subscribers():
            unit = chat["unit"]
            if not unit:
                continue
            if unit not in has_tasks:
                has_tasks[unit] = bool(self.congvan.tasks(month=month, unit=unit, today=today))
            if has_tasks[unit]:
                planned += self.chats.plan(chat["key"], "digest", month, {"unit": unit, "month": month},
                                           last_day.isoformat())
        return planned

    def plan_reminders(self, today: date) -> int:
        """One reminder per task whose deadline falls within the lead time, the first day it does."""
        horizon = today + timedelta(days=self.reminder_days)
        by_unit: dict[str, list[dict]] = {}
        planned = 0
        for chat in self.chats.subscribers():
            unit = chat["unit"]
            if not unit:
                continue
            if unit not in by_unit:
                tasks = self.congvan.tasks(unit=unit, upcoming_days=self.reminder_days, today=today)
                by_unit[unit] = [t for t in tasks if (due := due_date(t)) and today <= due <= horizon]
            for task in by_unit[unit]:
                due = due_date(task).isoformat()
                payload = {"unit": unit, "days_before": self.reminder_days,
                           "task": {k: task.get(k) for k in _TASK_FIELDS}}
                planned += self.chats.plan(chat["key"], "reminder", f"{task_key(task)}:{due}", payload, due)
        return planned

    def plan_new_document(self, document: dict, today: date) -> int:
        """A notice to the subscribers whose unit the new directive concerns."""
        facts = {k: document.get(k) for k in ("id", "title", "issuer", "number", "date")}
        planned = 0
        for chat in self.chats.subscribers():
            if concerns(self.congvan, document, chat["unit"]):
                planned += self.chats.plan(chat["key"], "document", str(document["id"]), {"document": facts},
                                           (today + timedelta(days=NOTICE_DAYS)).isoformat())
        return planned

    # -- delivery --------------------------------------------------------------------------

    def content(self, row: dict, today: date) -> Reply | None:
        """What a planned row says today, as a reply to render; None when nothing is left to say."""
        payload = row["payload"]
        if "telegram_html" in payload:
            return Legacy(format="telegram", text=payload["telegram_html"])
        if row["kind"] == "digest":
            tasks = self.congvan.tasks(month=payload["month"], unit=payload["unit"], today=today)
            return task_message(tasks, kind="digest", unit=payload["unit"], month=payload["month"]) if tasks else None
        if row["kind"] == "reminder":
            return reminder_message(payload["task"], payload["unit"], today)
        if row["kind"] == "document":
            return Message(template="new_document", params={"doc": payload["document"]})
        return None

    async def deliver(self, sender: Sender, today: date, keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
        """Send every message planned for the sender's channel, one at a time. Stops early when
        `keep_going()` turns false (the bot is shutting down) or the channel cannot be reached:
        what is left stays planned for the next run."""
        counts = {state: 0 for state in (log.SENT, log.FAILED, log.BLOCKED, log.EXPIRED, log.UNKNOWN, log.PLANNED,
                                         log.DEFERRED)}
        async with self._delivering.setdefault(sender.channel, asyncio.Lock()):
            self.chats.forget_in_flight(sender.channel)
            for row in self.chats.planned(sender.channel):
                if not keep_going():
                    break
                chat = self.chats.chat(row["key"])
                reply = None
                if row["expires_on"] and row["expires_on"] < today.isoformat():
                    state, error = log.EXPIRED, ""
                elif chat is None or not chat["active"]:
                    state, error = log.BLOCKED, "chat inactive"
                elif (reply := self.content(row, today)) is None:
                    state, error = log.EXPIRED, "nothing left to send"
                else:
                    self.chats.set_state(row, log.SENDING)
                    delivery = await sender.send(row["chat_id"], reply)
                    state, error = _STATE[delivery.outcome], delivery.error
                    if delivery.outcome == BLOCKED:
                        self.chats.mark_inactive(row["key"], error or "blocked")
                self.chats.set_state(row, state, error)
                counts[state] += 1
                if state == log.PLANNED:
                    break
        if any(counts.values()):
            logger.info("broadcast (%s): %s", sender.channel, {k: v for k, v in counts.items() if v})
        return counts


def concerns(congvan, document: dict, unit: str | None) -> bool:
    """Whether a directive is for a unit: its own, or for a school its district office's."""
    if not unit:
        return True  # no unit chosen: every new directive may concern them
    units = congvan.units()
    mine = next((u for u in units if u["name"] == unit), None)
    return mine is not None and document["id"] in scope(mine, units)


__all__ = ["BLOCKED", "DEFERRED", "DELIVERED", "FAILED", "RETRY", "UNKNOWN", "ChatKey", "Delivery", "Outbox", "Sender",
           "concerns"]
