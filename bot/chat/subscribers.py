"""Who talks to the bot and what it owes them: chats with their unit and subscription, the answers
given (so buttons under an answer still work after a restart), feedback, and the broadcast log.

The tables live in the index's congvan.db but on a connection of their own: an ingest holds a
transaction on the index's connection in a worker thread, and a user's feedback written meanwhile
must neither join nor wait for it to be rolled back.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

# Broadcast states: planned → sending (written just before the request) → sent | failed | blocked.
# A row still "sending" after a restart may or may not have reached the user: it becomes "unknown"
# and is never sent again, so nobody gets a message twice.
PLANNED, SENDING, SENT, FAILED, BLOCKED, UNKNOWN, EXPIRED = (
    "planned", "sending", "sent", "failed", "blocked", "unknown", "expired")


class ChatStore:
    def __init__(self, db_path: Path | str):
        self.db = sqlite_utils.Database(sqlite3.connect(db_path, check_same_thread=False, timeout=30))
        self.db.execute("PRAGMA journal_mode=WAL")
        _create_schema(self.db)

    # -- chats -----------------------------------------------------------------------------

    def seen(self, chat_id: int, chat_type: str, title: str) -> dict:
        """Record that a chat wrote to the bot: someone who writes again has unblocked it."""
        now = _now()
        with self.db.conn:
            if self.chat(chat_id) is None:
                self.db["telegram_chats"].insert({
                    "chat_id": chat_id, "chat_type": chat_type, "title": title, "unit": None,
                    "subscribed": 0, "active": 1, "inactive_reason": "", "first_seen": now, "last_seen": now})
            else:
                self.db["telegram_chats"].update(chat_id, {
                    "chat_type": chat_type, "title": title, "active": 1, "inactive_reason": "", "last_seen": now})
        return self.chat(chat_id)

    def chat(self, chat_id: int) -> dict | None:
        rows = list(self.db["telegram_chats"].rows_where("chat_id = ?", [chat_id]))
        return rows[0] if rows else None

    def set_unit(self, chat_id: int, unit: str | None) -> None:
        with self.db.conn:
            self.db["telegram_chats"].update(chat_id, {"unit": unit})

    def set_subscribed(self, chat_id: int, subscribed: bool) -> None:
        with self.db.conn:
            self.db["telegram_chats"].update(chat_id, {"subscribed": int(subscribed)})

    def subscribers(self) -> list[dict]:
        return list(self.db["telegram_chats"].rows_where("subscribed = 1 and active = 1", order_by="chat_id"))

    def mark_inactive(self, chat_id: int, reason: str) -> None:
        with self.db.conn:
            self.db.execute("update telegram_chats set active = 0, inactive_reason = ? where chat_id = ?",
                            [reason, chat_id])

    # -- answers and feedback --------------------------------------------------------------

    def save_answer(self, chat_id: int, user_id: int | None, question: str, answer: str,
                    abstained: bool, citations: list[dict]) -> int:
        with self.db.conn:
            return self.db["answers"].insert({
                "chat_id": chat_id, "user_id": user_id, "question": question, "answer": answer,
                "abstained": int(abstained), "citations": json.dumps(citations, ensure_ascii=False),
                "asked_at": _now()}).last_pk

    def answer(self, answer_id: int) -> dict | None:
        rows = list(self.db["answers"].rows_where("id = ?", [answer_id]))
        if not rows:
            return None
        row = rows[0]
        row["citations"] = json.loads(row["citations"])
        return row

    def record_feedback(self, answer_id: int, chat_id: int, user_id: int, verdict: str) -> None:
        """One verdict per user and answer: pressing the other button changes it."""
        answer = self.answer(answer_id)
        with self.db.conn:
            self.db["feedback"].upsert({
                "answer_id": answer_id, "user_id": user_id, "chat_id": chat_id, "verdict": verdict,
                "question": answer["question"] if answer else "", "answer": answer["answer"] if answer else "",
                "at": _now()}, pk=("answer_id", "user_id"))

    # -- broadcast log ---------------------------------------------------------------------

    def plan(self, chat_id: int, kind: str, period: str, text: str, expires_on: str) -> bool:
        """Write a message down before anything is sent; False when it was already planned."""
        with self.db.conn:
            cursor = self.db.execute(
                "insert or ignore into broadcast_log (chat_id, kind, period, text, state, expires_on, planned_at,"
                " attempts, error, sent_at) values (?, ?, ?, ?, ?, ?, ?, 0, '', '')",
                [chat_id, kind, period, text, PLANNED, expires_on, _now()])
        return cursor.rowcount == 1

    def planned(self) -> list[dict]:
        return list(self.db["broadcast_log"].rows_where("state = ?", [PLANNED], order_by="planned_at, chat_id"))

    def set_state(self, row: dict, state: str, error: str = "") -> None:
        changes = {"state": state, "error": error[:500]}
        if state == SENDING:
            changes["attempts"] = row.get("attempts", 0) + 1
        if state == SENT:
            changes["sent_at"] = _now()
        with self.db.conn:
            self.db["broadcast_log"].update((row["chat_id"], row["kind"], row["period"]), changes)

    def forget_in_flight(self) -> int:
        """Rows a previous run was sending when it stopped: their fate is unknown, so they stay unsent."""
        with self.db.conn:
            return self.db.execute("update broadcast_log set state = ?, error = ? where state = ?",
                                   [UNKNOWN, "bot stopped while sending", SENDING]).rowcount

    def broadcasts(self, kind: str | None = None) -> list[dict]:
        where, args = ("kind = ?", [kind]) if kind else (None, None)
        return list(self.db["broadcast_log"].rows_where(where, args, order_by="planned_at, chat_id"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _create_schema(db: sqlite_utils.Database) -> None:
    with db.conn:
        db["telegram_chats"].create({
            "chat_id": int, "chat_type": str, "title": str, "unit": str, "subscribed": int, "active": int,
            "inactive_reason": str, "first_seen": str, "last_seen": str}, pk="chat_id", if_not_exists=True)
        db["answers"].create({
            "id": int, "chat_id": int, "user_id": int, "question": str, "answer": str, "abstained": int,
            "citations": str, "asked_at": str}, pk="id", if_not_exists=True)
        db["feedback"].create({
            "answer_id": int, "user_id": int, "chat_id": int, "verdict": str, "question": str, "answer": str,
            "at": str}, pk=("answer_id", "user_id"), if_not_exists=True)
        # One row per message owed: the key (chat, kind, period) makes planning it twice a no-op.
        db["broadcast_log"].create({
            "chat_id": int, "kind": str, "period": str, "text": str, "state": str, "expires_on": str,
            "planned_at": str, "attempts": int, "error": str, "sent_at": str},
            pk=("chat_id", "kind", "period"), if_not_exists=True)
        db["broadcast_log"].create_index(["state"], if_not_exists=True)
