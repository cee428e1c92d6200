"""User-facing wording lives here as Jinja2 templates, editable without touching code."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_DIR), autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined)


def render(name: str, **context) -> str:
    return _environment().get_template(f"{name}.j2").render(**context).strip()
