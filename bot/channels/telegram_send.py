"""Replies of the chat service (bot/chat/replies.py) as Telegram messages: HTML from
prompts/telegram/, split under Telegram's limit, choices as inline buttons; and the `Sender` that
delivers broadcasts, mapping Telegram's errors to delivered / blocked / retry / unknown / failed."""
from __future__ import annotations

import logging

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from bot.chat.outbox import BLOCKED, DELIVERED, FAILED, RETRY, UNKNOWN, Delivery
from bot.chat.replies import AnswerReply, Choice, Legacy, Message, Reply, Source, notice

from .telegram_html import answer_html, render as render_html, section_html, split_message

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_SECTION_MESSAGES = 4  # "Xem nguyên văn" of a very long section: the rest is in the original file


def render(message: Message) -> str:
    return render_html(message.template, **message.params)


def messages(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages a reply becomes, its buttons under the last. (A FileReply is sent as a
    document, with `render(reply.caption)`.)"""
    if isinstance(reply, Message):
        parts = split_message(render(reply))
    elif isinstance(reply, AnswerReply):
        parts = split_message(answer_html(reply.answer))
    elif isinstance(reply, Source):
        parts = split_message(section_html(reply.section, reply.start, reply.end, reply.sentence))
        if len(parts) > MAX_SECTION_MESSAGES:
            parts = parts[:MAX_SECTION_MESSAGES - 1] + [render(notice("section_truncated"))]
    elif isinstance(reply, Legacy):
        parts = split_message(reply.text)
    else:
        raise TypeError(f"no Telegram message for {type(reply).__name__}")
    markup = keyboard(reply.choices)
    return [(part, markup if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


def keyboard(choices: list[Choice]) -> InlineKeyboardMarkup | None:
    """Choices as buttons: a citation's two side by side, a yes/no pair on one row, units one a row."""
    if not choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    last_row = None
    for choice in choices:
        row = _row_of(choice.id)
        button = InlineKeyboardButton(choice.label, callback_data=choice.id)
        if row is not None and row == last_row:
            rows[-1].append(button)
        else:
            rows.append([button])
        last_row = row
    return InlineKeyboardMarkup(rows)


def _row_of(choice_id: str) -> str | None:
    kind, _, rest = choice_id.partition(":")
    if kind in ("src", "file"):
        return "cite:" + rest  # "Xem nguyên văn [i]" beside "Văn bản gốc [i]"
    if kind in ("fb", "del", "ver"):
        return kind
    return None  # one a row


class TelegramSender:
    """Broadcasts through the application's bot (and its rate limiter, which waits out a 429)."""
    channel = CHANNEL

    def __init__(self, bot):
        self.bot = bot

    async def send(self, chat_id: str, reply: Reply) -> Delivery:
        parts_sent = 0
        try:
            for text, markup in messages(reply):
                await self.bot.send_message(int(chat_id), text, reply_markup=markup)
                parts_sent += 1
        except Forbidden as error:
            # Blocked, kicked from the group, account deleted: stop writing to them, keep the run going.
            return Delivery(BLOCKED, error.message)
        except TelegramError as error:
            reason = f"{type(error).__name__}: {error}"
            logger.warning("broadcast to %s: %s", chat_id, reason)
            if parts_sent:
                return Delivery(FAILED, f"after {parts_sent} part(s): {reason}")  # resending would repeat them
            if _not_delivered(error):
                return Delivery(RETRY, reason)
            if isinstance(error, NetworkError):
                return Delivery(UNKNOWN, reason)  # may have arrived: never sent twice
            return Delivery(FAILED, reason)
        return Delivery(DELIVERED)


def _not_delivered(error: TelegramError) -> bool:
    """Errors that prove Telegram did not take the message: still rate limited after the
    limiter's retries, no connection, or our own HTTP client already shut down."""
    if isinstance(error, RetryAfter):
        return True
    cause = error.__cause__
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, RuntimeError))
