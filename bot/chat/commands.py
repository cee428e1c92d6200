"""Commands as teachers type them where there is no command menu: "/donvi", "đơn vị", "don vi",
"/thang 12", "tháng 12", "/han", "hạn", "/dangky", "đăng ký", "/huy", "/vanban", "/xoa 3"…

`match` maps a whole message to a `Command` or None (a question). A word command is only the
command when the message is nothing but the command and, for some, an argument of the expected
shape: "tháng 12" lists December, "tháng 12 có việc gì?" is a question. "đơn vị <tên>" without
the slash is marked `slash=False`: the service treats it as a question when no unit has that name
("đơn vị nào tổ chức hội thi?").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.fold import fold

# Command names, the slash forms that call them, and their word forms (folded: no diacritics).
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "start": (("start", "help", "batdau", "huongdan"), ("bat dau", "huong dan", "tro giup", "help")),
    "unit": (("donvi",), ("don vi", "chon don vi", "doi don vi")),
    "month": (("thang",), ("thang", "nhiem vu thang", "viec thang")),
    "upcoming": (("han",), ("han", "cac han", "han sap toi", "xem han")),
    "subscribe": (("dangky", "dangki"), ("dang ky", "dang ki", "nhan tin", "nhan ban tin")),
    "unsubscribe": (("huy",), ("huy", "huy dang ky", "huy dang ki", "thoi nhan tin")),
    "ask": (("hoi",), ()),
    "documents": (("vanban",), ("van ban", "danh sach van ban")),
    "remove": (("xoa",), ("xoa", "xoa van ban")),
}

# What may follow a word form (the slash form takes any argument and lets the service judge it).
_MONTH_ARG = re.compile(r"(?:nay|\d{1,2}(?:\s*[/.-]\s*\d{4})?|\d{4}-\d{1,2})")
_WORD_ARGS = {"month": _MONTH_ARG, "remove": re.compile(r"#?\d+"), "unit": re.compile(r".+")}

_SLASH = {form: name for name, (slashes, _) in COMMANDS.items() for form in slashes}
_WORDS = sorted(((form, name) for name, (_, words) in COMMANDS.items() for form in words),
                key=lambda item: -len(item[0]))


@dataclass(frozen=True)
class Command:
    name: str
    arg: str = ""
    slash: bool = True


def match(text: str) -> Command | None:
    """The command a message is, or None for a question."""
    text = text.strip()
    slash = re.fullmatch(r"/([A-Za-zÀ-ỹđĐ]+)(?:@\w+)?(?:\s+(.*))?", text, re.DOTALL)
    if slash:
        name = _SLASH.get(fold(slash.group(1)))
        return Command(name, (slash.group(2) or "").strip()) if name else None
    folded = re.sub(r"\s+", " ", fold(text)).strip(" .!")
    for form, name in _WORDS:
        if folded == form:
            return Command(name, "", slash=False)
        if folded.startswith(form + " ") and name in _WORD_ARGS:
            # The argument as typed (folding keeps the length of NFC text).
            arg = text.strip(" .!")[len(form):].strip() if len(folded) == len(text.strip(" .!")) else \
                folded[len(form):].strip()
            if _WORD_ARGS[name].fullmatch(fold(arg)):
                if name == "month" and fold(arg) == "nay":
                    arg = ""
                return Command(name, arg.lstrip("#"), slash=False)
    return None
