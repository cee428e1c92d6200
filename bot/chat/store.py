"""What the chat channels remember: chats (per channel) with their unit, subscription and the
choice they were last offered, the answers given (so buttons and numbered replies under an answer
still work after a restart), feedback, and the outbox of broadcasts (`broadcast_log`).

The tables live in the index's congvan.db but on a connection of their own: an ingest holds a
transaction on the index's connection in a worker thread, and a user's feedback written meanwhile
must neither join nor wait for it to be rolled back.

The schema is one ordered list of migrations (sqlite-utils' `Migrations`, set "congvan-chats"):
a home made before chats had a channel is carried forward when the store opens.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import sqlite_utils
from sqlite_utils.migrations import Migrations

# Broadcast states: planned → sending (written just before the request) → sent | failed | blocked.
# A row still "sending" after a restart may or may not have reached the user: it becomes "unknown"
# and is never sent again, so nobody gets a message twice. "deferred": the channel may not write
# to the user now (Zalo OA's reply window); planned again when the user next writes.
PLANNED, SENDING, SENT, FAILED, BLOCKED, UNKNOWN, EXPIRED, DEFERRED = (
    "planned", "sending", "sent", "failed", "blocked", "unknown", "expired", "deferred")


class ChatKey(NamedTuple):
    """A chat on a channel: ("telegram", "-1001"), ("zalo_oa", "84901…"). Ids are strings because
    Zalo's are."""
    channel: str
    chat_id: str


class ChatStore:
    def __init__(self, db_path: Path | str):
        self.db = sqlite_utils.Database(sqlite3.connect(db_path, check_same_thread=False, timeout=30))
        self.db.execute("PRAGMA journal_mode=WAL")
        # Handlers run in worker threads too (Telegram answers chats concurrently): one thread at
        # a time on this connection, so one thread's transaction never takes in another's
        # statements and a read never sees another thread's write half done.
        self._writing = threading.RLock()
        with self._writing:
            migrations.apply(self.db)

    # -- chats -----------------------------------------------------------------------------

    def seen(self, key: ChatKey, chat_type: str, title: str) -> dict:
        """Record that a chat wrote: someone who writes again has unblocked the bot."""
        now = _now()
        with self._writing, self.db.conn:
            self.db.execute(
                "insert into chats (channel, chat_id, chat_type, title, unit, subscribed, active, inactive_reason,"
                " pending, first_seen, last_seen) values (?, ?, ?, ?, null, 0, 1, '', '', ?, ?)"
                " on conflict (channel, chat_id) do update set chat_type = excluded.chat_type,"
                " title = excluded.title, active = 1, inactive_reason = '', last_seen = excluded.last_seen",
                [*_key(key), chat_type, title, now, now])
        return self.chat(key)

    def _rows(self, table: str, where: str | None, args: list | None, **kwargs) -> list[dict]:
        with self._writing:
            return list(self.db[table].rows_where(where, args, **kwargs))

    def chat(self, key: ChatKey) -> dict | None:
        rows = self._rows("chats", "channel = ? and chat_id = ?", _key(key))
        return _chat(rows[0]) if rows else None

    def set_unit(self, key: ChatKey, unit: str | None) -> None:
        self._update(key, unit=unit)

    def set_subscribed(self, key: ChatKey, subscribed: bool) -> None:
        self._update(key, subscribed=int(subscribed))

    def subscribers(self) -> list[dict]:
        """Subscribed, active chats of every channel."""
        return [_chat(r) for r in self._rows("chats", "subscribed = 1 and active = 1", None,
                                             order_by="channel, chat_id")]

    def mark_inactive(self, key: ChatKey, reason: str) -> None:
        self._update(key, active=0, inactive_reason=reason)

    def set_pending(self, key: ChatKey, choices: list[dict]) -> None:
        """The choices a chat was last offered ([{"id", "label"}]), for channels without buttons
        where the user answers "2"."""
        self._update(key, pending=json.dumps(choices, ensure_ascii=False) if choices else "")

    def _update(self, key: ChatKey, **changes) -> None:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._writing, self.db.conn:
            self.db.execute(f"update chats set {assignments} where channel = ? and chat_id = ?",
                            [*changes.values(), *_key(key)])

    # -- answers and feedback --------------------------------------------------------------

    def save_answer(self, key: ChatKey, user_id: str | None, question: str, answer: str,
                    abstained: bool, citations: list[dict]) -> int:
        with self._writing, self.db.conn:
            return self.db["answers"].insert({
                "channel": key.channel, "chat_id": str(key.chat_id), "user_id": user_id, "question": question,
                "answer": answer, "abstained": int(abstained),
                "citations": json.dumps(citations, ensure_ascii=False), "asked_at": _now()}).last_pk

    def answer(self, answer_id: int) -> dict | None:
        rows = self._rows("answers", "id = ?", [answer_id])
        if not rows:
            return None
        row = rows[0]
        row["citations"] = json.loads(row["citations"])
        return row

    def record_feedback(self, answer_id: int, key: ChatKey, user_id: str, verdict: str) -> None:
        """One verdict per user and answer: giving the other one changes it."""
        answer = self.answer(answer_id)
        with self._writing, self.db.conn:
            self.db["feedback"].upsert({
                "answer_id": answer_id, "user_id": str(user_id), "channel": key.channel, "chat_id": str(key.chat_id),
                "verdict": verdict, "question": answer["question"] if answer else "",
                "answer": answer["answer"] if answer else "", "at": _now()}, pk=("answer_id", "user_id"))

    # -- broadcast log: the outbox ---------------------------------------------------------

    def plan(self, key: ChatKey, kind: str, period: str, payload: dict, expires_on: str) -> bool:
        """Write a message down, as data, before anything is sent; False when it was already planned."""
        with self._writing, self.db.conn:
            cursor = self.db.execute(
                "insert or ignore into broadcast_log (channel, chat_id, kind, period, payload, state, expires_on,"
                " planned_at, attempts, error, sent_at) values (?, ?, ?, ?, ?, ?, ?, ?, 0, '', '')",
                [*_key(key), kind, period, json.dumps(payload, ensure_ascii=False), PLANNED, expires_on, _now()])
        return cursor.rowcount == 1

    def planned(self, channel: str) -> list[dict]:
        return [_row(r) for r in self._rows("broadcast_log", "channel = ? and state = ?", [channel, PLANNED],
                                            order_by="planned_at, chat_id")]

    def set_state(self, row: dict, state: str, error: str = "") -> None:
        changes = {"state": state, "error": error[:500]}
        if state == SENDING:
            changes["attempts"] = row.get("attempts", 0) + 1
        if state == SENT:
            changes["sent_at"] = _now()
        with self._writing, self.db.conn:
            self.db["broadcast_log"].update((row["channel"], str(row["chat_id"]), row["kind"], row["period"]),
                                            changes)

    def undefer(self, key: ChatKey) -> int:
        """The user wrote: what was deferred for them is owed again."""
        with self._writing, self.db.conn:
            return self.db.execute("update broadcast_log set state = ? where channel = ? and chat_id = ? and state = ?",
                                   [PLANNED, *_key(key), DEFERRED]).rowcount

    def forget_in_flight(self, channel: str) -> int:
        """Rows a previous run was sending when it stopped: their fate is unknown, so they stay unsent."""
        with self._writing, self.db.conn:
            return self.db.execute("update broadcast_log set state = ?, error = ? where channel = ? and state = ?",
                                   [UNKNOWN, "bot stopped while sending", channel, SENDING]).rowcount

    def broadcasts(self, kind: str | None = None, channel: str | None = None) -> list[dict]:
        where = " and ".join(c for c, v in (("kind = ?", kind), ("channel = ?", channel)) if v) or None
        args = [v for v in (kind, channel) if v] or None
        return [_row(r) for r in self._rows("broadcast_log", where, args, order_by="planned_at, chat_id")]


def _key(key: ChatKey) -> list[str]:
    return [key[0], str(key[1])]


def _chat(row: dict) -> dict:
    row["key"] = ChatKey(row["channel"], row["chat_id"])
    row["pending"] = json.loads(row["pending"]) if row.get("pending") else []
    return row


def _row(row: dict) -> dict:
    row["key"] = ChatKey(row["channel"], row["chat_id"])
    row["payload"] = json.loads(row["payload"]) if row.get("payload") else {}
    return row


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- schema ---------------------------------------------------------------------------------------

migrations = Migrations("congvan-chats")


@migrations()
def m001_telegram_tables(db: sqlite_utils.Database) -> None:
    """The tables as the Telegram bot first made them; a home that has them already keeps its rows."""
    db["telegram_chats"].create({
        "chat_id": int, "chat_type": str, "title": str, "unit": str, "subscribed": int, "active": int,
        "inactive_reason": str, "first_seen": str, "last_seen": str}, pk="chat_id", if_not_exists=True)
    db["answers"].create({
        "id": int, "chat_id": int, "user_id": int, "question": str, "answer": str, "abstained": int,
        "citations": str, "asked_at": str}, pk="id", if_not_exists=True)
    db["feedback"].create({
        "answer_id": int, "user_id": int, "chat_id": int, "verdict": str, "question": str, "answer": str,
        "at": str}, pk=("answer_id", "user_id"), if_not_exists=True)
    db["broadcast_log"].create({
        "chat_id": int, "kind": str, "period": str, "text": str, "state": str, "expires_on": str,
        "planned_at": str, "attempts": int, "error": str, "sent_at": str},
        pk=("chat_id", "kind", "period"), if_not_exists=True)
    db["broadcast_log"].create_index(["state"], if_not_exists=True)


@migrations()
def m002_chats_by_channel(db: sqlite_utils.Database) -> None:
    """Every chat row, answer, verdict and broadcast gets its channel (what was there is Telegram's)
    and string ids; broadcasts are stored as data to render per channel, so an old row's finished
    Telegram text is kept as {"telegram_html": …} and sent as it is."""
    db["chats"].create({
        "channel": str, "chat_id": str, "chat_type": str, "title": str, "unit": str, "subscribed": int,
        "active": int, "inactive_reason": str, "pending": str, "first_seen": str, "last_seen": str},
        pk=("channel", "chat_id"))
    db.execute("insert into chats select 'telegram', cast(chat_id as text), chat_type, title, unit, subscribed,"
               " active, inactive_reason, '', first_seen, last_seen from telegram_chats")
    db["telegram_chats"].drop()

    db.rename_table("answers", "answers_v1")
    db["answers"].create({
        "id": int, "channel": str, "chat_id": str, "user_id": str, "question": str, "answer": str,
        "abstained": int, "citations": str, "asked_at": str}, pk="id")
    db.execute("insert into answers select id, 'telegram', cast(chat_id as text), cast(user_id as text), question,"
               " answer, abstained, citations, asked_at from answers_v1")
    db["answers_v1"].drop()

    db.rename_table("feedback", "feedback_v1")
    db["feedback"].create({
        "answer_id": int, "user_id": str, "channel": str, "chat_id": str, "verdict": str, "question": str,
        "answer": str, "at": str}, pk=("answer_id", "user_id"))
    db.execute("insert into feedback select answer_id, cast(user_id as text), 'telegram', cast(chat_id as text),"
               " verdict, question, answer, at from feedback_v1")
    db["feedback_v1"].drop()

    db.rename_table("broadcast_log", "broadcast_log_v1")
    db.execute("drop index if exists idx_broadcast_log_state")
    # One row per message owed: the key (channel, chat, kind, period) makes planning it twice a no-op.
    db["broadcast_log"].create({
        "channel": str, "chat_id": str, "kind": str, "period": str, "payload": str, "state": str,
        "expires_on": str, "planned_at": str, "attempts": int, "error": str, "sent_at": str},
        pk=("channel", "chat_id", "kind", "period"))
    db.execute("insert into broadcast_log select 'telegram', cast(chat_id as text), kind, period,"
               " json_object('telegram_html', text), state, expires_on, planned_at, attempts, error, sent_at"
               " from broadcast_log_v1")
    db["broadcast_log_v1"].drop()
    db["broadcast_log"].create_index(["channel", "state"])
