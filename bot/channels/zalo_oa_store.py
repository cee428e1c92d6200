"""What the Zalo OA channel must remember across restarts, in the home's congvan.db on a
connection of its own: each webhook event (so a msg_id Zalo delivers again is handled once, and
an event accepted just before a crash is handled after it), and each user's last message and
follow state (the reply window; by the channel's clock, which tests set).
"""
from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

RECEIVED, DONE = "received", "done"
KEEP_EVENTS_DAYS = 30  # Zalo redelivers within minutes; a month of msg_ids is plenty


class ZaloOaStore:
    def __init__(self, db_path: Path | str):
        self.db = sqlite_utils.Database(sqlite3.connect(db_path, check_same_thread=False, timeout=30))
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.db.conn:
            self.db["zalo_oa_events"].create({
                "event_key": str, "event_name": str, "user_id": str, "body": str, "state": str,
                "received_at": str}, pk="event_key", if_not_exists=True)
            self.db["zalo_oa_users"].create({
                "user_id": str, "followed": int, "active": int, "inactive_reason": str,
                "last_message_at": str, "first_seen": str}, pk="user_id", if_not_exists=True)

    # -- events ----------------------------------------------------------------------------

    def accept(self, key: str, event: dict) -> bool:
        """Write an event down before Zalo is told it arrived; False when it came before."""
        with self.db.conn:
            cursor = self.db.execute(
                "insert or ignore into zalo_oa_events (event_key, event_name, user_id, body, state, received_at)"
                " values (?, ?, ?, ?, ?, ?)",
                [key, event.get("event_name", ""), str((event.get("sender") or {}).get("id", "")),
                 json.dumps(event, ensure_ascii=False), RECEIVED, _now()])
        return cursor.rowcount == 1

    def done(self, key: str) -> None:
        with self.db.conn:
            self.db.execute("update zalo_oa_events set state = ? where event_key = ?", [DONE, key])

    def forget_old_events(self, now: datetime | None = None) -> int:
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=KEEP_EVENTS_DAYS)).astimezone(UTC)
        with self.db.conn:
            return self.db.execute("delete from zalo_oa_events where state = ? and received_at < ?",
                                   [DONE, cutoff.isoformat(timespec="seconds")]).rowcount

    def unfinished(self) -> list[tuple[str, dict]]:
        rows = self.db.execute("select event_key, body from zalo_oa_events where state = ? order by received_at",
                               [RECEIVED]).fetchall()
        return [(key, json.loads(body)) for key, body in rows]

    # -- users -----------------------------------------------------------------------------

    def wrote(self, user_id: str, at: datetime | None = None) -> None:
        """A user wrote: the reply window opens again (writing also undoes an unfollow's silence)."""
        at_text = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        with self.db.conn:
            self.db.execute(
                "insert into zalo_oa_users (user_id, followed, active, inactive_reason, last_message_at, first_seen)"
                " values (?, 1, 1, '', ?, ?) on conflict(user_id) do update set active = 1, inactive_reason = '',"
                " last_message_at = excluded.last_message_at", [user_id, at_text, at_text])

    def follow(self, user_id: str, followed: bool) -> None:
        now = _now()
        with self.db.conn:
            self.db.execute(
                "insert into zalo_oa_users (user_id, followed, active, inactive_reason, last_message_at, first_seen)"
                " values (?, ?, ?, ?, '', ?) on conflict(user_id) do update set followed = excluded.followed,"
                " active = excluded.active, inactive_reason = excluded.inactive_reason",
                [user_id, int(followed), int(followed), "" if followed else "unfollowed", now])

    def user(self, user_id: str) -> dict | None:
        rows = list(self.db["zalo_oa_users"].rows_where("user_id = ?", [user_id]))
        return rows[0] if rows else None

    def in_window(self, user_id: str, hours: int, now: datetime | None = None) -> bool:
        user = self.user(user_id)
        if not user or not user["active"] or not user["last_message_at"]:
            return False
        last = datetime.fromisoformat(user["last_message_at"])
        return (now or datetime.now(UTC)) - last < timedelta(hours=hours)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
