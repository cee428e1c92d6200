"""Messages the bot pushes: the monthly digest, deadline reminders, notices of new directives.

Every message is written to the broadcast log before it is sent, keyed by chat, kind and period
("digest" "2023-12", "reminder" "<task key>:2023-12-15", "document" "<id>"). Planning again is a
no-op, so a run that is repeated (a restart, the start-up catch-up and the 07:00 job on the same
day) sends nothing twice; a run interrupted half-way sends the rest when the bot comes back.
"""
from __future__ import annotations

import asyncio
import calendar
import hashlib
import logging
from collections.abc import Callable
from datetime import date, timedelta

import httpx
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from index.units import scope

from bot.chat import subscribers as log
from bot.chat.subscribers import ChatStore
from .telegram_html import render, split_message

logger = logging.getLogger(__name__)


class Broadcaster:
    def __init__(self, congvan, chats: ChatStore, reminder_days: int):
        self.congvan = congvan
        self.chats = chats
        self.reminder_days = reminder_days
        self._delivering = asyncio.Lock()

    # -- planning: decide who is owed what, and write it down --------------------------------

    def plan_digests(self, today: date) -> int:
        """The month's tasks for each subscriber's unit; a unit with no tasks that month gets none."""
        month = today.strftime("%Y-%m")
        last_day = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        texts: dict[str, str | None] = {}
        planned = 0
        for chat in self.chats.subscribers():
            unit = chat["unit"]
            if not unit:
                continue
            if unit not in texts:
                tasks = self.congvan.tasks(month=month, unit=unit, today=today)
                texts[unit] = tasks_html(tasks, kind="digest", unit=unit, month=month) if tasks else None
            if texts[unit]:
                planned += self.chats.plan(chat["chat_id"], "digest", month, texts[unit], last_day.isoformat())
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
                due = due_date(task)
                text = render("telegram_reminder", task=task_view(task, today), unit=unit)
                planned += self.chats.plan(chat["chat_id"], "reminder", f"{task_key(task)}:{due.isoformat()}",
                                           text, due.isoformat())
        return planned

    def plan_new_document(self, document: dict, today: date) -> int:
        """A notice to the subscribers whose unit the new directive concerns."""
        text = render("telegram_new_document", doc=document)
        planned = 0
        for chat in self.chats.subscribers():
            if concerns(self.congvan, document, chat["unit"]):
                planned += self.chats.plan(chat["chat_id"], "document", str(document["id"]), text,
                                           (today + timedelta(days=7)).isoformat())
        return planned

    # -- delivery --------------------------------------------------------------------------

    async def deliver(self, bot, today: date, keep_going: Callable[[], bool] = lambda: True) -> dict[str, int]:
        """Send every planned message, one at a time, through the bot's rate limiter. Stops early
        when `keep_going()` turns false (the bot is shutting down) or Telegram cannot be reached:
        what is left stays planned for the next run."""
        counts = {state: 0 for state in (log.SENT, log.FAILED, log.BLOCKED, log.EXPIRED, log.UNKNOWN, log.PLANNED)}
        async with self._delivering:
            self.chats.forget_in_flight()
            for row in self.chats.planned():
                if not keep_going():
                    break
                chat = self.chats.chat(row["chat_id"])
                if row["expires_on"] and row["expires_on"] < today.isoformat():
                    state, error = log.EXPIRED, ""
                elif chat is None or not chat["active"]:
                    state, error = log.BLOCKED, "chat inactive"
                else:
                    self.chats.set_state(row, log.SENDING)
                    state, error = await self._send(bot, row)
                self.chats.set_state(row, state, error)
                counts[state] += 1
                if state == log.PLANNED:
                    break
        if any(counts.values()):
            logger.info("broadcast: %s", {k: v for k, v in counts.items() if v})
        return counts

    async def _send(self, bot, row: dict) -> tuple[str, str]:
        parts_sent = 0
        try:
            for part in split_message(row["text"]):
                await bot.send_message(row["chat_id"], part)
                parts_sent += 1
        except Forbidden as error:
            # Blocked, kicked from the group, account deleted: stop writing to them, keep the run going.
            self.chats.mark_inactive(row["chat_id"], error.message)
            return log.BLOCKED, error.message
        except TelegramError as error:
            reason = f"{type(error).__name__}: {error}"
            logger.warning("broadcast to %s: %s", row["chat_id"], reason)
            if parts_sent:
                return log.FAILED, f"after {parts_sent} part(s): {reason}"  # resending would repeat them
            if _not_delivered(error):
                return log.PLANNED, reason  # try again on the next run
            if isinstance(error, NetworkError):
                return log.UNKNOWN, reason  # may have arrived: never sent twice
            return log.FAILED, reason
        return log.SENT, ""


def _not_delivered(error: TelegramError) -> bool:
    """Errors that prove Telegram did not take the message: still rate limited after the
    limiter's retries, no connection, or our own HTTP client already shut down."""
    if isinstance(error, RetryAfter):
        return True
    cause = error.__cause__
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, RuntimeError))


def due_date(task: dict) -> date | None:
    """The day a task next falls due (Congvan.tasks works it out, recurring ones included)."""
    return date.fromisoformat(task["due"]) if task.get("due") else None


def task_key(task: dict) -> str:
    # Task ids change when a document is loaded again; its issuer and wording do not.
    raw = f"{task.get('issuer', '')}\n{task.get('number', '')}\n{task['text']}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def task_view(task: dict, today: date | None = None) -> dict:
    """What a template shows for a task: its text, how its deadline reads, days left."""
    due = due_date(task)
    return {**task, "deadline": task.get("deadline_label") or "", "due": due, "due_label": _dmy(due) if due else "",
            "days_left": (due - today).days if due and today else None,
            "weekday": _WEEKDAYS[due.weekday()] if due else ""}


def tasks_html(tasks: list[dict], kind: str, unit: str | None, month: str = "", today: date | None = None,
               days: int = 0) -> str:
    """/thang, /han and the digest: tasks grouped by document (by date for deadlines)."""
    views = [task_view(t, today) for t in tasks]
    groups: dict[tuple, dict] = {}
    for view in views:
        key = (view.get("document_id"), view.get("title", ""))
        groups.setdefault(key, {"title": view.get("title", ""), "issuer": view.get("issuer", ""),
                                "school_year": view.get("school_year", ""), "tasks": []})["tasks"].append(view)
    dated = sorted((v for v in views if v["due"]), key=lambda v: (v["due"], v.get("issuer", "")))
    return render("telegram_tasks", kind=kind, unit=unit, month=_month_label(month) if month else "",
                  groups=list(groups.values()), dated=dated, today=_dmy(today) if today else "", days=days)


def concerns(congvan, document: dict, unit: str | None) -> bool:
    """Whether a directive is for a unit: its own, or for a school its district office's."""
    if not unit:
        return True  # no unit chosen: every new directive may concern them
    units = congvan.units()
    mine = next((u for u in units if u["name"] == unit), None)
    return mine is not None and document["id"] in scope(mine, units)


_WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{int(number)}/{year}"
