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
