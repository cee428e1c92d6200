"""The Zalo channels' side of the chat layer: a message in, plain-text messages out.

Both Zalo transports hand what a user sent to the `ChatService` (bot/chat/service.py) under the
chat key (channel, user id) and render its replies as plain text: no markup, choices numbered
under the message (the user answers with the number or the words), every message at most 2,000
characters (NFC), cut at source boundaries. The service's calls read or write the index: the
transports run them in a worker thread.
"""
from __future__ import annotations

from pathlib import Path

import prompts
from bot.chat.render import ZALO_LIMIT, split_blocks, text_messages
from bot.chat.replies import AnswerReply, FileReply, Legacy, Message, Reply, Source, notice
from bot.chat.service import ChatService
from bot.chat.store import ChatKey

FORMAT = "text"


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
    messages: list[str] = []
    for reply in replies:
        if isinstance(reply, AnswerReply):
            parts = text_messages(reply.answer, limit)
        else:
            parts = split_blocks([_body(reply)], limit)
        if reply.choices:
            parts = parts[:-1] + split_blocks([parts[-1] if parts else "",
                                               prompts.render(FORMAT, "choices", choices=reply.choices)], limit)
        messages += parts
    return messages


def _body(reply: Reply) -> str:
    if isinstance(reply, Message):
        return prompts.render(FORMAT, reply.template, **reply.params)
    if isinstance(reply, Source):
        return prompts.render(FORMAT, "section", section=reply.section, start=reply.start, end=reply.end,
                              sentence=reply.sentence)
    if isinstance(reply, FileReply):  # never offered on Zalo (no_files); the caption says what it is
        return prompts.render(FORMAT, reply.caption.template, **reply.caption.params)
    if isinstance(reply, Legacy):
        return reply.text
    raise TypeError(f"no plain text for {type(reply).__name__}")


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
