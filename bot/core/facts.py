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
    r"|\d+(?:\s*[-–]\s*\d+)?(?:[\.,]\d+)?\s*(?:lần\s*/\s*\w+|lần|giáo viên|trẻ|nhóm|lớp|trường|người|tháng|ngày|tuổi"
    r"|giây|phút|giờ|tiết|buổi|tuần|mét|m|km|cm|kg|độ|điểm|chỉ số|học sinh|đại biểu)(?!\w)"
    r"(?:\s*/\s*\w+)?", re.I)
_WHERE = re.compile(r"(?<!\w)(?:[Tt]ại|[Ởở])\s+((?:trường\s+)?(?:MN|mầm non|Mầm non|MG|mẫu giáo)?\s*[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][^\s,;\.\)]*(?:\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ][^\s,;\.\)]*)*)")


@lru_cache(maxsize=8192)
def states_fact(intent: str, text: str) -> bool:
    # Cached: search asks it of every candidate passage of every question, and the same passages
    # come back question after question (the date grammar is the costly part of a fast ask).
    return bool(asked_facts(intent, text))


def asked_facts(intent: str, text: str) -> list[str]:
    """The dates, numbers or places of the asked kind that a text states."""
    if intent == "when":
        found = find_when(text)
    elif intent in ("how_many", "how_much"):
        found = [m.group(0).strip() for m in (_HOW_MUCH if intent == "how_much" else _HOW_MANY).finditer(text)]
    elif intent == "where":
        found = [m.group(0).strip() for m in _WHERE.finditer(text)]
    else:
        found = []
    return list(dict.fromkeys(found))
