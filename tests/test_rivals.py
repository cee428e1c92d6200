"""Where documents differ the answer lists each one's fact; a document whose different "fact" is the
date it was signed, or which is about another year, age or place than the question, is not one."""
from bot.core.answer import _leads, _only_dated, _own_date, citation_of
from bot.core.query import understand
from bot.core.search import Hit


def _row(document_id: int, text: str, date_text: str = "") -> dict:
    return {"document_id": document_id, "file_name": f"{document_id}.txt", "title": f"Kế hoạch {document_id}",
            "issuer": f"Trường MN {document_id}", "number": "", "date": "", "date_text": date_text, "path": "",
            "text": text, "start": 0, "end": len(text), "school_year": "2025-2026", "unit": "", "month": ""}


def _evidence(*rows: dict) -> tuple[list[Hit], list]:
    hits = [Hit(i, 1.0 - i / 10, 1.0, 0.9, 0.5, row) for i, row in enumerate(rows)]
    return hits, [citation_of(h.row, h.row["text"], h.score) for h in hits]


def test_the_directives_own_date_is_when_it_was_made_not_when_anything_is_due():
    row = {**_row(2, ""), "date": "2025-11-27"}
    when = understand("Mức thu mới áp dụng từ ngày nào?")
    own = _own_date(row, when)
    assert _only_dated("Số: 60/2025/NQ-HĐND Hà Nội, ngày 27 tháng 11 năm 2025", own)
    assert _only_dated("Nghị quyết này đã được HĐND thành phố thông qua ngày 27 tháng 11 năm 2025./.", own)
    assert not _only_dated("Nghị quyết này có hiệu lực kể từ ngày 08 tháng 12 năm 2025.", own)
    # Asked when it was issued, its own date is the answer.
    assert _own_date(row, understand("Nghị quyết 60 ban hành ngày nào?")) == ""


def test_a_document_that_would_not_answer_alone_is_no_rival():
    query = understand("Các lớp tổng vệ sinh khi nào?")
    hits, citations = _evidence(_row(1, "Các lớp tổng vệ sinh vào chiều thứ Sáu hằng tuần."),
                                _row(2, "Các lớp tổng vệ sinh trước ngày 05/9/2025."))
    both = _leads(query, hits, citations, None, {})
    assert [lead.doc_id for lead in both] == [1, 2]  # they differ: each is shown
    alone = _leads(query, hits, citations, None, {}, lambda hit, sentence: hit.row["document_id"] != 2)
    assert [lead.doc_id for lead in alone] == [1]


def test_a_document_that_holds_little_of_what_the_lead_holds_is_no_rival():
    # The lead holds the question weakly (0.4); a passage holding a third of that is about
    # something else, though within the absolute gap.
    query = understand("Trường tư thục nộp đủ hồ sơ chuyển đổi thì bao lâu có kết quả?")
    hits, citations = _evidence(_row(1, "Trong thời hạn 15 ngày kể từ ngày nhận đủ hồ sơ, Sở có văn bản trả lời."),
                                _row(2, "Mỗi buổi tập trung không quá 120 phút."))
    hits[0].coverage, hits[1].coverage = 0.4, 0.12
    assert [lead.doc_id for lead in _leads(query, hits, citations, None, {})] == [1]
    hits[1].coverage = 0.3
    assert [lead.doc_id for lead in _leads(query, hits, citations, None, {})] == [1, 2]
