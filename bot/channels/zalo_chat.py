"""What both Zalo products share beyond bot/channels/plain_text.py's TextConversation (which
carries their conversations through the chat service): their own messages (prompts/text/
zalo_replies.j2), the chat layer's notices as text, and the daily broadcast loop.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import prompts
from bot.chat.render import ZALO_LIMIT, split_blocks
from bot.chat.replies import Reply, notice
from bot.chat.schedule import RETRY_MINUTES

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
