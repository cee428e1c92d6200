"""Every user-facing wording, as Jinja2 templates, one folder per output format:

- `text/`: plain text, no markup: the CLI, and chat channels without markup (Zalo);
- `telegram/`: Telegram's HTML. Everything substituted is escaped, so a directive's "GD&ĐT" or a
  user's "<3" never turns into markup; wrap trusted markup in `markupsafe.Markup`.

`common/` holds the wording every format shares (Jinja macros), each format adding its markup.
`render(format, name, **context)` renders `<format>/<name>.j2`. The filters every format shares
(how dates and months read) are defined here once.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

_DIR = Path(__file__).parent
FORMATS = ("text", "telegram")


def render(format: str, name: str, /, **context) -> str:
    """The template `<format>/<name>.j2` rendered with `context`, surrounding whitespace removed."""
    return environment(format).get_template(f"{name}.j2").render(**context).strip()


@lru_cache(maxsize=None)
def environment(format: str) -> jinja2.Environment:
    if format not in FORMATS:
        raise ValueError(f"unknown output format {format!r}; known: {', '.join(FORMATS)}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([_DIR / format, _DIR / "common"]), autoescape=format == "telegram",
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(dmy=dmy, day=day, months=months, upper_first=upper_first)
    return env


def dmy(iso: str) -> str:
    """"2023-09-05" → "05/09/2023", as Vietnamese readers write dates in lists; anything else as it is."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{match.group(3)}/{match.group(2)}/{match.group(1)}" if match else (iso or "")


def day(iso: str) -> str:
    """"2023-09-05" → "5/9/2023", as an answer's sentences write a date; anything else as it is."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{int(match.group(3))}/{int(match.group(2))}/{match.group(1)}" if match else (iso or "")


def months(value: str) -> str:
    """"2023-12" → "tháng 12/2023"; "2023-12,2024-01" → "tháng 12/2023, tháng 1/2024"."""
    return ", ".join(f"tháng {int(m[5:7])}/{m[:4]}" for m in (value or "").split(",") if m)


def upper_first(text: str) -> str:
    """The first letter capitalised, the rest as written (Jinja's `capitalize` lowers it)."""
    return text[:1].upper() + text[1:]
