"""Telegram's HTML message format: templates with everything escaped, and splitting under its limit.

Templates keep every tag on one line and separate blocks (an answer's lead, each source, each
month of tasks) with a blank line, so a message can be cut at any line without breaking a tag,
and is cut at blank lines first.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

import prompts
from bot.chat.render import split_blocks, units  # noqa: F401  (units: Telegram counts UTF-16 units too)

MESSAGE_LIMIT = 4096  # Telegram's limit on a message, counted in UTF-16 code units


def render(template: str, /, **context) -> str:
    """A template of prompts/telegram/, everything substituted escaped."""
    return prompts.render("telegram", template, **context)


def split_message(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Messages of at most `limit` units: whole blocks where they fit, else whole lines, else words
    (bot/chat/render.py's packing, which never cuts inside an entity such as "&amp;")."""
    return split_blocks([block for block in re.split(r"\n\s*\n", html.strip()) if block.strip()], limit)


def answer_html(answer) -> str:
    """An Answer (bot.core.answer) as HTML: the lead in bold, then one block per source."""
    return render("answer", answer=answer)


def section_html(section: dict, quote_start: int, quote_end: int, sentence: str = "") -> str:
    """A source section in full, the cited lines in bold: those of the answering sentence when it
    can be found in the section, else those of the whole cited passage."""
    found = section["text"].find(sentence.strip()) if sentence.strip() else -1
    if found != -1:
        quote_start = section["start"] + found
        quote_end = quote_start + len(sentence.strip())
    lines, at = [], section["start"]
    for raw in section["text"].split("\n"):
        line_start, line_end = at, at + len(raw)
        at = line_end + 1
        if not raw.strip():
            lines.append(Markup(""))
            continue
        # A line too long for one message is cut at spaces later: it must carry no tag then.
        cited = line_start < quote_end and quote_start < line_end and units(raw) < MESSAGE_LIMIT // 2
        lines.append(Markup("<b>{}</b>").format(raw) if cited else escape(raw))
    return render("section", section=section, body=Markup("\n").join(lines))
