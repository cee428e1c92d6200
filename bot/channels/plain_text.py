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
    """The chat service behind a text-only channel: a message in, plain-text messages out (the
    shape of bot/channels/zalo_chat.Conversation). Commands are typed ("đơn vị", "tháng 12",
    "/han"), choices answered by number. Blocking: run it in a worker thread."""

    def __init__(self, service, limit: int):
        self.service = service
        self.limit = limit

    def reply(self, channel: str, chat_id: str, user_id: str, name: str, text: str) -> list[str]:
        key = ChatKey(channel, str(chat_id))
        self.service.seen(key, "private", name)
        return self._messages(self.service.handle_text(key, text, str(user_id)))

    def upload(self, channel: str, chat_id: str, user_id: str, path: Path) -> list[str]:
        """A file the user sent, already downloaded to `path` (named as they named it)."""
        key = ChatKey(channel, str(chat_id))
        accepted, refusal = self.service.accept_upload(key, str(user_id), path.name, path.stat().st_size)
        return self._messages(self.service.ingest_upload(key, str(user_id), path) if accepted else refusal)

    def _messages(self, replies: list[Reply]) -> list[str]:
        return [m for reply in replies for m in messages(reply, self.limit)]
