"""What the chat service returns: data for a channel to render with its own templates, never
channel text.

- `Message`: a template of prompts/<format>/ and its parameters (`notice(key, …)` for the short
  replies of replies.j2).
- `AnswerReply`: the core's `Answer` and the id under which it was saved (citation and feedback
  choices point at it).
- `Source`: a cited section in full, with the cited span (Xem nguyên văn).
- `FileReply`: an original file to send, with its caption.
- `Legacy`: a broadcast planned before broadcasts were stored as data: finished text of one format.

Any reply may carry `choices` (id + label): a channel with buttons draws them and sends the id
back to `ChatService.choose`; a channel without buttons numbers them, and the service resolves a
reply "2" or the label typed. `settles` says the reply answers the menu it came from (a channel
with buttons may edit that message instead of sending a new one); `brief` that it is a short
acknowledgement (a toast), `alert` a refusal worth a pop-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Choice:
    id: str  # at most 64 bytes: Telegram's callback data limit
    label: str


@dataclass(kw_only=True)
class Reply:
    choices: list[Choice] = field(default_factory=list)
    settles: bool = False


@dataclass(kw_only=True)
class Message(Reply):
    template: str  # "replies", "start", "tasks", "reminder", "documents", "ingest", "new_document"
    params: dict[str, Any] = field(default_factory=dict)
    brief: bool = False
    alert: bool = False


@dataclass(kw_only=True)
class AnswerReply(Reply):
    answer: Any  # bot.core.answer.Answer
    answer_id: int


@dataclass(kw_only=True)
class Source(Reply):
    section: dict  # Congvan.source_section: document_id, title, issuer, path, start, end, text
    start: int
    end: int
    sentence: str = ""


@dataclass(kw_only=True)
class FileReply(Reply):
    path: Path
    filename: str
    caption: Message


@dataclass(kw_only=True)
class Legacy(Reply):
    format: str
    text: str


def notice(key: str, *, brief: bool = False, alert: bool = False, settles: bool = False, **params) -> Message:
    """A short reply of replies.j2."""
    return Message(template="replies", params={"key": key, **params}, brief=brief, alert=alert, settles=settles)
