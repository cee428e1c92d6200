"""Replies of the chat service as plain-text messages, for channels without markup or buttons
(Zalo, the command line's chat): templates of prompts/text/, an answer as bot/chat/render.py
writes it, choices as a numbered list that the user answers with the number or the words
(ChatService.handle_text resolves them). Messages are cut between blocks (blank lines), under
the channel's limit, NFC-normalised."""
from __future__ import annotations

import re
from pathlib import Path

import prompts
from bot.chat.render import split_blocks, text_messages
from bot.chat.replies import AnswerReply, FileReply, Legacy, Message, Reply, Source
from bot.chat.store import ChatKey

FORMAT = "text"


def render(message: Message) -> str:
    return prompts.render(FORMAT, message.template, **message.params)


def messages(reply: Reply, limit: int) -> list[str]:
    """One reply as messages of at most `limit` characters, its choices numbered at the end. (A
    FileReply is its caption: a channel that can send files sends `reply.path` itself.)"""
    choices = [prompts.render(FORMAT, "choices", choices=reply.choices)] if reply.choices else []
    if isinstance(reply, AnswerReply):
        return split_blocks(text_messages(reply.answer, limit) + choices, limit)
    if isinstance(reply, Message):
        body = render(reply)
    elif isinstance(reply, Source):
        body = prompts.render(FORMAT, "section", section=reply.section)
    elif isinstance(reply, FileReply):
        body = render(reply.caption)
    elif isinstance(reply, Legacy) and reply.format == FORMAT:
        body = reply.text
    else:
        raise TypeError(f"no plain text for {type(reply).__name__}")
    return split_blocks([b for b in re.split(r"\n\s*\n", body) if b.strip()] + choices, limit)


class TextConversation:
    """The chat service behind one text-only channel (Zalo OA, Zalo Bot, the command line's chat):
    a message in, plain-text messages of at most `limit` characters out. Commands are typed ("đơn
    vị", "tháng 12", "/han"), choices answered by number. Blocking: run it in a worker thread."""

    def __init__(self, service, channel: str, limit: int):
        self.service = service
        self.channel = channel
        self.limit = limit

    def key(self, chat_id: str) -> ChatKey:
        return ChatKey(self.channel, str(chat_id))

    def reply(self, chat_id: str, user_id: str, name: str, text: str) -> list[str]:
        key = self.key(chat_id)
        self.service.seen(key, "private", name)
        return self._messages(self.service.handle_text(key, text, str(user_id)))

    def accept_upload(self, chat_id: str, user_id: str, name: str, size: int | None = None,
                      limit_mb: int | None = None) -> tuple[bool, list[str]]:
        """Whether to fetch a file the user sent (an admin's, of a size and kind that can be
        read), asked before it is downloaded; the refusal's messages when not."""
        key = self.key(chat_id)
        self.service.seen(key, "private", "")
        go, replies = self.service.accept_upload(key, str(user_id), name, size,
                                                 **({"limit_mb": limit_mb} if limit_mb is not None else {}))
        return go, self._messages(replies)

    def upload(self, chat_id: str, user_id: str, path: Path) -> list[str]:
        """Load a file accepted and downloaded to `path` (named as the user named it)."""
        return self._messages(self.service.ingest_upload(self.key(chat_id), str(user_id), path))

    def receive(self, chat_id: str, user_id: str, path: Path) -> list[str]:
        """A file already at hand: accepted or refused, then loaded."""
        go, refusal = self.accept_upload(chat_id, user_id, path.name, path.stat().st_size)
        return self.upload(chat_id, user_id, path) if go else refusal

    def left(self, chat_id: str, reason: str) -> None:
        self.service.left(self.key(chat_id), reason)

    def _messages(self, replies: list[Reply]) -> list[str]:
        return [m for reply in replies for m in messages(reply, self.limit)]
