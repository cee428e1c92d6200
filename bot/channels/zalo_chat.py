"""The Zalo channels' side of the chat layer: a message in, plain-text messages out.

Both Zalo transports hand what a user sent to the `ChatService` (bot/chat/service.py) under the
chat key (channel, user id) and render its replies as plain text: no markup, choices numbered
under the message (the user answers with the number or the words), every message at most 2,000
characters (NFC), cut at source boundaries. The service's calls read or write the index: the
transports run them in a worker thread.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import prompts
from bot.chat.render import ZALO_LIMIT, split_blocks
from bot.chat.replies import Reply, notice
from bot.chat.schedule import RETRY_MINUTES
from bot.chat.service import ChatService
from bot.chat.store import ChatKey

from .plain_text import FORMAT, messages


def zalo_text(key: str, **context) -> str:
    """One of the Zalo-only messages of prompts/text/zalo_replies.j2."""
    return prompts.render(FORMAT, "zalo_replies", key=key, **context)


def notice_text(key: str, **params) -> str:
    """A short reply of the chat layer's own (prompts/text/replies.j2), as one text."""
    return "\n\n".join(texts([notice(key, **params)]))


def plain(text: str, limit: int = ZALO_LIMIT) -> list[str]:
    """A text of the channel's own as messages within the limit."""
    return split_blocks([text], limit)


def texts(replies: list[Reply], limit: int = ZALO_LIMIT) -> list[str]:
    """Replies as the plain-text messages that carry them, in order."""
    return [m for reply in replies for m in messages(reply, limit)]


class ZaloConversation:
    """One Zalo channel's conversations through the chat service."""

    def __init__(self, service: ChatService, channel: str):
        self.service = service
        self.channel = channel

    def key(self, chat_id: str) -> ChatKey:
        return ChatKey(self.channel, str(chat_id))

    def reply(self, chat_id: str, user_id: str, name: str, text: str) -> list[str]:
        key = self.key(chat_id)
        self.service.seen(key, "private", name)
        return texts(self.service.handle_text(key, text, user_id))

    def accept_upload(self, chat_id: str, user_id: str, name: str, size: int, limit_mb: int) -> tuple[bool, list[str]]:
        key = self.key(chat_id)
        self.service.seen(key, "private", "")
        go, replies = self.service.accept_upload(key, user_id, name, size, limit_mb)
        return go, texts(replies)

    def upload(self, chat_id: str, user_id: str, path: Path) -> list[str]:
        return texts(self.service.ingest_upload(self.key(chat_id), user_id, path))

    def left(self, chat_id: str, reason: str) -> None:
        self.service.left(self.key(chat_id), reason)


async def broadcast_forever(broadcast: Callable[[], Awaitable[object]], done_today: Callable[[], bool],
                            label: str) -> None:
    """Both Zalo products' broadcast loop: every minute until today's run has gone out (the bot may
    start before the broadcast time), then every RETRY_MINUTES for what is still owed. A failed
    run is logged and tried again, never the end of the bot."""
    while True:
        try:
            await broadcast()
        except Exception:
            logging.getLogger(__name__).exception("%s: broadcast failed", label)
        await asyncio.sleep(RETRY_MINUTES * 60 if done_today() else 60)
