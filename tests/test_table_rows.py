"""A table row is quoted with its columns' names: "80 | 120" alone does not say which is the
rural and which the urban fee."""
from bot.core.api import Congvan
from bot.core.table_rows import header_of, with_header
from tests.test_answer_type import SameVector

FEES = """HỘI ĐỒNG NHÂN DÂN TỈNH HOA SEN
Số: 20/2025/NQ-HĐND
NGHỊ QUYẾT
Quy định mức học phí năm học 2025-2026
Điều 1. Mức học phí
1. Mức học phí đối với cơ sở giáo dục mầm non công lập như sau:
Đơn vị tính: Nghìn đồng/người học/tháng.
| STT | Cấp học | Khu vực nông thôn (xã) | Khu vực thành thị (phường) |
|---|---|---|---|
| 1 | Giáo dục mầm non | 80 | 120 |
Điều 2. Tổ chức thực hiện
Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết này.
"""


def test_each_cell_is_shown_after_its_columns_name():
    text = "Đơn vị tính: Nghìn đồng\nSTT\tCấp học\tNông thôn\tThành thị\n1\tGiáo dục mầm non\t80\t120"
    header = header_of(text)
    assert with_header("1\tGiáo dục mầm non\t80\t120", header) == "Giáo dục mầm non — Nông thôn: 80; Thành thị: 120"
    assert with_header("STT\tCấp học\tNông thôn\tThành thị", header) == ""  # the header itself


def test_a_row_of_its_own_finds_its_header_in_its_path_and_may_end_short():
    path = "PHỤ LỤC > TT | Dịch vụ | Đơn vị tính | Mức trần | Ghi chú > 1 Dịch vụ ăn uống, bán trú"
    row = "1.2\tDịch vụ chăm sóc bán trú\tĐồng/học sinh/tháng\t235.000"  # "Ghi chú" empty
    assert with_header(row, header_of(row, path)) == \
        "Dịch vụ chăm sóc bán trú — Đơn vị tính: Đồng/học sinh/tháng; Mức trần: 235.000"


def test_a_schedule_without_a_header_is_quoted_as_written():
    assert header_of("\t2\tKiểm tra chuyên đề công tác huy động trẻ", "Tháng 9/2023") == []


def test_the_answer_says_which_fee_is_which(tmp_path):
    (tmp_path / "hoc-phi.md").write_text(FEES, encoding="utf-8")
    cv = Congvan(tmp_path / "home", embedder=SameVector())
    cv.ingest([tmp_path / "hoc-phi.md"])
    answer = cv.ask("Học phí mầm non khu vực thành thị bao nhiêu một tháng?")
    assert "Khu vực thành thị (phường): 120" in answer.text
