"""The kind of fact a question asks for, and the facts of that kind a text states: a date for
"khi nào", an amount for "bao nhiêu tiền", a count or measure for "bao nhiêu", a place for "ở đâu".

Search ranks a passage that states the asked kind of fact a little higher; the answer leads with
the sentence that states it."""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.dates import find_when

FACT_INTENTS = ("when", "how_many", "how_much", "where")

# Amounts of money: "450.000 đồng/tháng", "700.000 đồng/nhóm/tháng", "35.000đ", "17,000", "1,5 triệu đồng", "50.000 triệu đồng".
_MONEY = (r"\d{1,3}(?:[\.,]\d{3})+(?:\s*(?:triệu|tỷ|nghìn|ngàn))?\s*(?:đồng|đ|VNĐ|vnđ)?(?:\s*/\s*[^\W\d_]+(?:\s[^\W\d_]{2,})?){0,2}"
          r"|\d+(?:,\d+)?\s*(?:triệu|tỷ|nghìn|ngàn)\s*(?:đồng|đ)(?:\s*/\s*[^\W\d_]+)?")
_HOW_MUCH = re.compile(_MONEY, re.I)
_HOW_MANY = re.compile(
    _MONEY +
    r"|(?:tối thiểu|tối đa|ít nhất|trên|dưới|đạt|giảm|tăng)?\s*\d+(?:[\.,]\d+)?\s*%"
    r"|\d+(?:\s*[-–]\s*\d+)?(?:[\.,]\d+)?\s*(?:lần\s*/\s*\w+|lần|giáo viên|trẻ|nhóm|lớp|trường|người|tháng(?!\s*\d)|ngày|tuổi"
    r"|giây|phút|giờ|tiết|buổi|tuần|mét|m|km|cm|kg|độ|điểm|chỉ số|học sinh|đại biểu"
    r"|GV|HS|NV|CBQL|CBGVNV)(?!\w)"  # staff and pupils as directives abbreviate them: "02 GV/lớp"
    r"(?:\s*/\s*\w+)?"
    r"|[≥≤<>]=?\s*\d+(?:[\.,]\d+)?", re.I)  # a threshold: "VN_AQI ≥ 301", "> 35 độ"
# A table of amounts says its unit once, above it ("Đơn vị tính: Nghìn đồng/người học/tháng",
# "ĐVT: triệu đồng"), and its cells are bare numbers ("Giáo dục mầm non | 80 | 120"). The answer
# quotes such a row with the unit after it, "(đơn vị tính: nghìn đồng/người học/tháng)", and its
# bare numbers are then amounts of that unit.
_UNIT_OF_MONEY = re.compile(r"(?:đơn vị tính|đơn vị|đvt)\s*:\s*((?:nghìn|ngàn|triệu|tỷ)?\s*(?:đồng|vnđ)(?:\s*/\s*[^\W\d_]+(?:\s[^\W\d_]+)?){0,3})", re.I)
_BARE_NUMBER = re.compile(r"(?<![\w/\.,])\d+(?:[\.,]\d+)*(?![\w/])")
_WHERE = re.compile(r"(?<!\w)(?:[Tt]ại|[Ởở])\s+((?:trường\s+)?(?:MN|mầm non|Mầm non|MG|mẫu giáo)?\s*[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][^\s,;\.\)]*(?:\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ][^\s,;\.\)]*)*)")


@lru_cache(maxsize=8192)
def states_fact(intent: str, text: str) -> bool:
    # Cached: search asks it of every candidate passage of every question, and the same passages
    # come back question after question (the date grammar is the costly part of a fast ask).
    return bool(asked_facts(intent, text))


def money_unit(text: str) -> str:
    """The unit a table of amounts declares ("Nghìn đồng/người học/tháng"), or ""."""
    found = _UNIT_OF_MONEY.search(text)
    return found.group(1) if found else ""


def asked_facts(intent: str, text: str) -> list[str]:
    """The dates, numbers or places of the asked kind that a text states."""
    if intent == "when":
        found = find_when(text)
    elif intent in ("how_many", "how_much"):
        found = [m.group(0).strip() for m in (_HOW_MUCH if intent == "how_much" else _HOW_MANY).finditer(text)]
        if not found and (unit := _UNIT_OF_MONEY.search(text)):
            found = [f"{m.group(0)} {unit.group(1).lower()}" for m in _BARE_NUMBER.finditer(text[:unit.start()])]
    elif intent == "where":
        found = [m.group(0).strip() for m in _WHERE.finditer(text)]
    else:
        found = []
    return list(dict.fromkeys(found))
