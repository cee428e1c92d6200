"""Normalisation, section tree, month schedules and chunks on the real sample directives."""
import unicodedata

import pytest

from ingest.chunk import MAX_CHARS, make_chunks
from ingest.clean import normalize
from ingest.structure import month_of, parse_sections

from .conftest import sample_text

SAMPLE_PREFIXES = ["000", "001", "002", "003", "004"]


def test_normalize_removes_extraction_mess_and_keeps_table_cells():
    raw = ("<p>Kế hoạch <i>tháng</i> 9</p>\n\n**Chỉ tiêu** [bookmark: _GoBack]\uf0b7 trẻ\n"
           + unicodedata.normalize("NFD", "Cân đo lần 2") + "\n"
           "9/2023\t1\tViệc một\t\n\t2\tViệc hai\n   \tUBND QUẬN  LONG   BIÊN\n* Tháng 9/2023")
    assert normalize(raw).split("\n") == [
        "Kế hoạch tháng 9", "Chỉ tiêu trẻ", "Cân đo lần 2",
        "9/2023\t1\tViệc một", "\t2\tViệc hai", "UBND QUẬN LONG BIÊN", "* Tháng 9/2023",
    ]
    assert unicodedata.is_normalized("NFC", normalize(raw))


def test_section_tree_follows_roman_decimal_dotted_and_letter_numbering():
    text = sample_text("002")
    sections = parse_sections(text)
    by_label = {}
    for s in sections:
        by_label.setdefault(s.label, s)
    ii = next(s for s in sections if s.label == "II.")
    one_two = next(s for s in sections if s.label == "1.2.")
    letter_a = next(s for s in sections if s.label == "a." and s.parent == one_two.ordinal)
    assert sections[one_two.parent].label == "1." and sections[one_two.parent].parent == ii.ordinal
    assert letter_a.heading.startswith("Chỉ tiêu")
    assert ii.heading == "Mục tiêu và nhiệm vụ cụ thể"
    # 4.2.1. sits below 4.2. in the Long Biên guidance
    sections3 = parse_sections(sample_text("003"))
    s421 = next(s for s in sections3 if s.label == "4.2.1.")
    assert sections3[s421.parent].label == "4.2."


def test_month_schedule_after_the_signature_block_is_parsed():
    sections = parse_sections(sample_text("002"))
    months = [s.month for s in sections if s.month]
    assert months == [f"2023-{m:02d}" for m in range(9, 13)] + [f"2024-{m:02d}" for m in range(1, 9)]
    appendix = next(s for s in sections if s.heading == "KẾ HOẠCH TRỌNG TÂM THÁNG")
    assert all(s.parent == appendix.ordinal for s in sections if s.month)


def test_month_table_rows_inherit_the_month_of_their_first_row():
    text = sample_text("000")
    sections = parse_sections(text)
    assert [s.month for s in sections if s.month][:2] == ["2023-08", "2023-09"]
    assert "2024-06,2024-07" in [s.month for s in sections]  # "6+7 /2024"
    chunks = make_chunks(text, sections)
    steam = next(c for c in chunks if "tại trường MN Quán Toan" in c.text)
    assert steam.month == "2024-01" and steam.path == "Tháng 01/2024"


@pytest.mark.parametrize("line, school_year, expected", [
    ("THÁNG 01, 02/2021:", "", ["2021-01", "2021-02"]),
    ("THÁNG 6,7,8/2021:", "", ["2021-06", "2021-07", "2021-08"]),
    ("* Tháng 3/ 2024", "", ["2024-03"]),
    ("THÁNG 5/2020:", "2020-2021", ["2020-05"]),  # a typo in the source is kept as stated
    ("Tháng 12:", "2023-2024", ["2023-12"]),
    ("Tháng 3", "2023-2024", ["2024-03"]),  # the school year runs August to July
    ("Tháng 9 tổ chức khai giảng", "2023-2024", None),
    ("8/2023\t1\tViệc", "", ["2023-08"]),
])
def test_month_headings(line, school_year, expected):
    assert month_of(line, school_year) == expected


def test_articles_of_a_decision_are_sections():
    text = normalize("QUYẾT ĐỊNH\nVề việc ban hành quy chế\nĐiều 1. Phạm vi điều chỉnh\n"
                     "Quy chế này quy định việc tổ chức.\nĐiều 2. Trách nhiệm\n1. Hiệu trưởng chịu trách nhiệm.\n"
                     "2. Giáo viên thực hiện.\na) Báo cáo hằng tháng.")
    sections = parse_sections(text)
    assert [(s.label, s.level) for s in sections] == [
        ("Điều 1", 0), ("Điều 2", 0), ("1.", 1), ("2.", 1), ("a)", 2)]


@pytest.mark.parametrize("prefix", SAMPLE_PREFIXES)
def test_chunks_point_into_the_text_and_never_cross_sections(prefix):
    text = sample_text(prefix)
    sections = parse_sections(text)
    chunks = make_chunks(text, sections)
    assert chunks
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text) <= MAX_CHARS
        if chunk.section is not None:
            owner = sections[chunk.section]
            assert owner.start <= chunk.start and chunk.end <= owner.end
        # a section that opens inside a chunk is a subsection of the chunk's section, whole
        for s in sections:
            if chunk.start < s.start < chunk.end:
                assert _within(sections, s.ordinal, chunk.section), chunk.text[:80]
                assert not text[chunk.end:s.end].strip(), chunk.text[:80]


def _within(sections, ordinal, ancestor) -> bool:
    while ordinal is not None:
        ordinal = sections[ordinal].parent
        if ordinal == ancestor:
            return True
    return False


def test_chunk_carries_heading_path_and_month():
    text = sample_text("002")
    chunks = make_chunks(text, parse_sections(text))
    weigh = next(c for c in chunks if "Cân đo chấm biểu đồ đợt 2" in c.text)
    assert weigh.path == "KẾ HOẠCH TRỌNG TÂM THÁNG > Tháng 12/2023"
    assert weigh.month == "2023-12"
    target = next(c for c in chunks if c.path.endswith("a. Chỉ tiêu phấn đấu") and "1.2." in c.path)
    assert target.path.startswith("II. Mục tiêu và nhiệm vụ cụ thể > 1. Nâng cao chất lượng")


def _tree(raw: str):
    sections = parse_sections(normalize(raw))
    return [(s.label, s.heading, sections[s.parent].label if s.parent is not None else None) for s in sections]


def test_a_chapter_is_named_by_the_line_under_it_and_holds_its_articles():
    # A decree whose first page is missing starts inside an article.
    assert _tree("2. Dịch vụ bán trú là dịch vụ ăn, ngủ trưa.\nChương II\nCHÍNH SÁCH ĐẦU TƯ\n"
                 "Điều 3. Chính sách đầu tư\n1. Tăng cường nguồn lực.\nChương III\nChính sách đối với trẻ em\n"
                 "Điều 7. Hỗ trợ ăn trưa\n1. Đối tượng") == [
        ("2.", "Dịch vụ bán trú là dịch vụ ăn, ngủ trưa.", None),
        ("Chương II", "CHÍNH SÁCH ĐẦU TƯ", None), ("Điều 3", "Chính sách đầu tư", "Chương II"),
        ("1.", "Tăng cường nguồn lực.", "Điều 3"),
        ("Chương III", "Chính sách đối với trẻ em", None), ("Điều 7", "Hỗ trợ ăn trưa", "Chương III"),
        ("1.", "Đối tượng", "Điều 7")]


def test_a_wrapped_all_caps_heading_is_one_heading_not_a_title_that_closes_it():
    assert _tree("V. THỜI GIAN\nSáng 18/4/2026.\nVI. PHÂN CÔNG CHUẨN BỊ, ĐÓN TIẾP VÀ LÀM VIỆC VỚI\nĐOÀN KIỂM TRA\n"
                 "1. Phòng Giáo dục Phổ thông\nChuẩn bị báo cáo.") == [
        ("V.", "THỜI GIAN", None), ("VI.", "PHÂN CÔNG CHUẨN BỊ, ĐÓN TIẾP VÀ LÀM VIỆC VỚI ĐOÀN KIỂM TRA", None),
        ("1.", "Phòng Giáo dục Phổ thông", "VI.")]


def test_an_appendix_is_a_section_named_by_its_caption():
    assert _tree("I. NỘI DUNG\nDanh sách tại Phụ lục I.\nPhụ lục I kèm theo kế hoạch này gồm 9 trường.\n"
                 "Nơi nhận:\n- Như trên.\nPhụ lục II\nCHƯƠNG TRÌNH LÀM VIỆC\n(Đính kèm Kế hoạch số 362)\n"
                 "THỜI GIAN\tNỘI DUNG\n8h30\tKhai mạc\nPHỤ LỤC 01:\nDANH MỤC DỰ ÁN\nĐVT: triệu đồng") == [
        ("I.", "NỘI DUNG", None), ("Nơi nhận", "", None),
        ("Phụ lục II", "CHƯƠNG TRÌNH LÀM VIỆC", None), ("PHỤ LỤC 01", "DANH MỤC DỰ ÁN", None)]


def test_a_scanned_roman_one_inside_an_article_is_a_khoan():
    assert _tree("Điều 4. Chính sách ưu tiên\nI. Ưu tiên đầu tư kinh phí.\n2. Hỗ trợ nấu ăn.\n"
                 "Điều 5. Chính sách khác\n1. Đối tượng") == [
        ("Điều 4", "Chính sách ưu tiên", None), ("1.", "Ưu tiên đầu tư kinh phí.", "Điều 4"),
        ("2.", "Hỗ trợ nấu ăn.", "Điều 4"), ("Điều 5", "Chính sách khác", None), ("1.", "Đối tượng", "Điều 5")]


def test_a_wrapped_line_citing_an_article_of_another_text_is_body():
    assert _tree("Điều 7. Hỗ trợ ăn trưa\na) Không có nguồn nuôi dưỡng được quy định tại khoản 1\n"
                 "Điều 5 Nghị định số 136/2013/NĐ-CP ngày 21 tháng 10 năm 2013 và\nĐiều 15 của Luật Trẻ em;\n"
                 "b) Trẻ em khuyết tật.") == [
        ("Điều 7", "Hỗ trợ ăn trưa", None), ("a)", "Không có nguồn nuôi dưỡng được quy định tại khoản 1", "Điều 7"),
        ("b)", "Trẻ em khuyết tật.", "Điều 7")]


def test_a_long_all_caps_line_after_the_body_is_a_title_that_holds_the_table_under_it():
    text = normalize(
        "III. Chế độ chính sách cho trẻ nhà trẻ\n- Hỗ trợ ăn trưa 360.000đ/ tháng x 9 tháng\n"
        "DANH SÁCH CÁC KHOẢN THU MÀ NHÀ TRƯỜNG THU KHI TRẺ ĐẾN TRƯỜNG THEO NGHỊ QUYẾT SỐ 14/2022/NQ-HĐND CỦA TỈNH\n"
        "TT\tNội dung thu\tĐơn vị tính\tMức thu\n1\tTiền ăn bán trú\tĐồng/trẻ/ngày\t17,000")
    sections = parse_sections(text, "2025-2026")
    fee = next(s for s in sections if text[s.start:s.end].startswith("DANH SÁCH"))
    assert fee.parent is None and "Tiền ăn bán trú" in text[fee.start:fee.end]
    assert "Tiền ăn bán trú" not in text[sections[0].start:sections[0].end]
