"""What the Zalo channels need from the chat layer, in one narrow interface: a message in, plain
texts out. Both Zalo transports talk only to a `Conversation`; nothing else of theirs knows how
questions, commands or uploads are handled.

Calls are synchronous (the index is SQLite and the model runs on the CPU): the transports run
them in a worker thread.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import prompts
from bot.chat.render import text_messages
from bot.core.api import Congvan

from .zalo_text import split_text


def zalo_text(key: str, **context) -> str:
    """One of the Zalo-only messages of prompts/text/zalo_replies.j2."""
    return prompts.render("text", "zalo_replies", key=key, **context)


class Conversation(Protocol):
    def reply(self, channel: str, chat_id: str, user_id: str, name: str, text: str) -> list[str]:
        """The messages that answer a text (a question or a typed command), each ≤ 2,000 characters."""

    def upload(self, channel: str, chat_id: str, user_id: str, path: Path) -> list[str]:
        """Ingest a file an admin sent; the summary or the reason it failed."""


class AnswerConversation:
    """Answers questions with the same `Congvan.ask` the CLI uses; loads uploads one at a time."""

    def __init__(self, congvan: Congvan):
        self.congvan = congvan
        self._ingesting = threading.Lock()  # ingests share the index's connection

    def reply(self, channel: str, chat_id: str, user_id: str, name: str, text: str) -> list[str]:
        return text_messages(self.congvan.ask(text))

    def upload(self, channel: str, chat_id: str, user_id: str, path: Path) -> list[str]:
        with self._ingesting:
            result = self.congvan.ingest_file(path)
        return split_text(zalo_text("ingested", r=result))
