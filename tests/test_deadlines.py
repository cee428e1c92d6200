"""Deadlines as dates: each way directives state them, the year a date falls in, dates that are
not deadlines, and the tasks of the sample corpus's month schedules."""
from __future__ import annotations

import pytest

from ingest.deadlines import find_deadlines
from ingest.parse import parse_file

from .conftest import SAMPLES
from .directives import write_directive

SY = "2023-2024"


def one(text, school_year=SY, hint="", date=""):
    found = find_deadlines(text, school_year, hint, date)
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize("text, start, end, kind", [
    ("Nộp báo cáo về Phòng trước ngày 15/12.", "2023-12-15", "2023-12-15", "before"),
    ("Cân đo lần 3 (hoàn thành trước 10/5).", "2024-05-10", "2024-05-10", "before"),
    ("nộp kết quả về PGD trước 20/9/2023;", "2023-09-20", "2023-09-20", "before"),
    ("Báo cáo sơ kết chậm nhất ngày 05/01/2024.", "2024-01-05", "2024-01-05", "before"),
    ("Gửi danh sách chậm nhất là ngày 5/1.", "2024-01-05", "2024-01-05", "before"),
    ("Hạn cuối: 15/12.", "2023-12-15", "2023-12-15", "before"),
    ("Nộp hồ sơ trước ngày 15 tháng 12 năm 2023.", "2023-12-15", "2023-12-15", "before"),
    ("Thực hiện đến hết ngày 31/12.", "2023-12-31", "2023-12-31", "before"),
    ("nộp Phòng GDĐT thẩm định vào tuần 4 tháng 9", "2023-09-22", "2023-09-28", "week"),
    ("Kiểm tra nội bộ tuần 2, 3 tháng 10", "2023-10-08", "2023-10-21", "week"),
    ("Tổng kết vào tuần 5 tháng 9", "2023-09-29", "2023-09-30", "week"),
    ("Tổ chức khám sức khỏe cho trẻ (trong tháng 9 và tháng 10)", "2023-09-01", "2023-10-31", "month"),
    ("Hội thi cấp quận. Hoàn thành cuối tháng 10 và đầu tháng 11/2023.", "2023-10-21", "2023-11-10", "month"),
    ("Nộp sáng kiến vào cuối tháng 12", "2023-12-21", "2023-12-31", "month"),
    ("Chấm thi trong tháng 2", "2024-02-01", "2024-02-29", "month"),
    ("Trẻ uống sữa từ ngày 07/9/2023 đến hết ngày 31/12/2023.", "2023-09-07", "2023-12-31", "range"),
    ("Đăng ký từ 15/9 đến 30/9", "2023-09-15", "2023-09-30", "range"),
    ("Ngày vi chất dinh dưỡng (ngày 01/12 và 02/12/2023)", "2023-12-01", "2023-12-02", "range"),
    ("Chương trình bắt đầu từ ngày 14/9/2023", "2023-09-14", "2023-09-14", "from"),
    ("kết thúc năm học vào ngày 28/5/2024", "2024-05-28", "2024-05-28", "on"),
])
def test_each_phrasing_becomes_dates_with_the_school_years_year(text, start, end, kind):
    d = one(text)
    assert (d.start, d.end, d.kind) == (start, end, kind)
    assert d.phrase in text and not d.year_conflict


def test_the_phrase_is_kept_as_written():
    assert one("Cân đo lần 2 (hoàn thành trước ngày 15/12)").phrase == "hoàn thành trước ngày 15/12"
    assert one("thẩm định vào tuần 4 tháng 9).").phrase == "vào tuần 4 tháng 9"


@pytest.mark.parametrize("text, rule", [
    ("gửi về phòng GD&ĐT ngày 25 hàng tháng để cập nhật", "monthly:25"),
    ("Nộp chấm công hằng tháng, trước ngày 5", "monthly:5"),
    ("Họp tổ chuyên môn vào thứ Sáu hằng tuần", "weekly:FR"),
])
def test_recurring_deadlines_have_a_rule_and_no_fixed_date(text, rule):
    d = one(text)
    assert (d.recurring, d.start, d.end, d.kind) == (rule, None, None, "recurring")


def test_a_heading_supplies_what_the_phrase_leaves_out():
    # "(Tuần 3)" and "trước ngày 25" under "Tháng 10/2023" mean that month.
    assert (one("Hội thảo STEAM (Tuần 3)", hint="2023-10").start, one("(Tuần 3)", hint="2023-10").end) == \
        ("2023-10-15", "2023-10-21")
    assert one("Nộp sổ trước ngày 25", hint="2023-10").start == "2023-10-25"
    assert one("Nộp báo cáo vào cuối tháng", hint="2024-02").end == "2024-02-29"
    # Without a single month to go by these say nothing about a date.
    assert find_deadlines("Hội thảo STEAM (Tuần 3)", SY, "") == []
    assert find_deadlines("Nộp sổ trước ngày 25", SY, "2024-06,2024-07") == []


def test_years_come_from_the_heading_then_the_school_year_then_the_document_date():
    assert one("trước 15/12").start == "2023-12-15"
    assert one("trước 10/5").start == "2024-05-10"
    assert one("trước 15/8").start == "2023-08-15"  # August opens the school year
    assert one("trước 15/7").start == "2024-07-15"  # and July closes it
    # A heading naming the same month wins: a 2023-2024 plan's "Tháng 8/2024" is the next August.
    assert one("trước 15/8", hint="2024-08").start == "2024-08-15"
    # No school year: the heading's year, taking the nearer one across New Year.
    assert one("trước 05/01", school_year="", hint="2022-12").start == "2023-01-05"
    assert one("trong tháng 12", school_year="", hint="2022-12").start == "2022-12-01"
    # Only the document's date: the year nearest it.
    assert one("trước 10/1", school_year="", date="2023-09-22").start == "2024-01-10"
    assert one("trước 30/9", school_year="", date="2023-09-22").start == "2023-09-30"
    # Nothing at all: the date is kept without a year.
    d = one("trước ngày 15/12", school_year="")
    assert (d.start, d.end) == ("--12-15", "--12-15")
    # A period with its year stated once: the earlier date takes it.
    assert one("từ ngày 07/9 đến hết ngày 31/12/2020", school_year="").start == "2020-09-07"


def test_a_stated_year_that_contradicts_the_school_year_is_kept_and_flagged():
    d = one("Cân đo trẻ đợt 3 (hoàn thành trước 20/3/2023)", hint="2024-03")
    assert (d.start, d.year_conflict) == ("2023-03-20", True)
    d = one("hoàn thành trước 20/3/2023")  # the school year alone says March is 2024
    assert (d.start, d.year_conflict) == ("2023-03-20", True)
    assert not one("hoàn thành trước 20/3/2024", hint="2024-03").year_conflict
    assert not one("trước 05/01/2023", school_year="2022-2023").year_conflict
    assert not one("trước 20/3/2023", school_year="").year_conflict  # nothing to contradict


@pytest.mark.parametrize("text", [
    "Thực hiện Quyết định số 1234/QĐ-UBND ngày 15/8/2023 của UBND quận.",
    "Căn cứ Công văn 12/PGD ngày 5/9 về việc hướng dẫn nhiệm vụ năm học.",
    "Nghị định số 105/2020/NĐ-CP, ngày 08/9/2020 của Chính phủ quy định chính sách phát triển GDMN",
    "Công văn Số 2137/SGDĐT-GDMN&TH, ngày 29/8/2023 của Sở Giáo dục và Đào tạo",
    "Thực hiện Thông tư 50/2020/TT-BGDĐT ngày 31/12/2020 của Bộ GDĐT",
    "theo Công văn số 316/ PGDĐT ngày 08/9/2023 của Phòng Giáo dục và Đào tạo An Lão",
    "Tổ chức Kỷ niệm ngày 20/11.",
    "Tổ chức kỷ niệm 20/10; lễ ra trường, tết thiếu nhi 1/6",
    "kỷ niệm 76 năm Ngày toàn quốc kháng chiến (19/12/1946 - 19/12/2022)",
    "trẻ dưới 24 tháng tuổi 1 lần/tháng; trẻ từ 24 tháng tuổi đến 6 tuổi 1 lần/quý",
    "Hoàn thành tốt 13 chỉ tiêu, trong đó có ít nhất 12/13 chỉ tiêu xếp loại xuất sắc",
    "An Lão, ngày 22 tháng 9 năm 2023",
    "Tiếp tục triển khai giai đoạn 2021-2025, định hướng đến 2030.",
])
def test_dates_that_are_not_deadlines_are_left_alone(text):
    assert find_deadlines(text, SY, "2023-09") == []


def test_a_cited_documents_date_beside_a_real_deadline():
    text = ("Lập hồ sơ làm quen tiếng Anh theo HD 06 ngày 21/10/2022 của Sở GDĐT "
            "(nộp Phòng GDĐT thẩm định vào tuần 4 tháng 9).")
    assert [(d.start, d.end) for d in find_deadlines(text, SY, "2023-09")] == [("2023-09-22", "2023-09-28")]


# --- a directive written by the tests ------------------------------------------------------------

SCHEDULE = [
    "I. MỤC TIÊU",
    "- Gửi kế hoạch giải pháp sáng tạo về Phòng GD&ĐT chậm nhất ngày 05/10/2023.",
    "- Thực hiện Công văn số 12/PGDĐT ngày 05/9/2023 của Phòng GD&ĐT về nhiệm vụ năm học.",
    "- Các tổ cập nhật bài giảng điện tử ngày 25 hàng tháng.",
    "II. LỊCH CÔNG TÁC",
    "Tháng/ năm\tNhiệm vụ trọng tâm",
    "9/2023\tCân đo lần 1 (hoàn thành trước ngày 30/9) - Khám sức khỏe cho trẻ (trong tháng 9 và tháng 10)",
    "\tNộp hồ sơ làm quen tiếng Anh vào tuần 4 tháng 9",
    "\tKiểm tra nội bộ",
    "12/2023\tCân đo lần 2 (hoàn thành trước ngày 15/12)",
    "\tTổng hợp báo cáo học kỳ I, hạn cuối 05/01/2024",
    "\tThi giáo viên giỏi từ ngày 18/12 đến hết ngày 22/12",
    "3/2024\tCân đo lần 3 (hoàn thành trước 20/3/2023)",
    "\tHội thảo STEAM (Tuần 3)",
]
EXPECTED = {  # task text fragment: (month, start, end, year_conflict)
    "Gửi kế hoạch giải pháp sáng tạo": ("2023-10", "2023-10-05", "2023-10-05", False),
    "bài giảng điện tử": ("", "", "", False),
    "Cân đo lần 1": ("2023-09", "2023-09-30", "2023-09-30", False),
    "Khám sức khỏe cho trẻ": ("2023-09", "2023-09-01", "2023-10-31", False),
    "làm quen tiếng Anh": ("2023-09", "2023-09-22", "2023-09-28", False),
    "Cân đo lần 2": ("2023-12", "2023-12-15", "2023-12-15", False),
    "Tổng hợp báo cáo học kỳ I": ("2023-12", "2024-01-05", "2024-01-05", False),
    "Thi giáo viên giỏi": ("2023-12", "2023-12-18", "2023-12-22", False),
    "Cân đo lần 3": ("2024-03", "2023-03-20", "2023-03-20", True),
    "Hội thảo STEAM": ("2024-03", "2024-03-15", "2024-03-21", False),
}


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
def test_a_written_directive_yields_each_task_with_its_deadline(tmp_path, suffix):
    doc = parse_file(write_directive(tmp_path / f"ke-hoach{suffix}", SCHEDULE))
    dated = [t for t in doc.tasks if t.deadline_text or t.recurring]
    got = {}
    for fragment in EXPECTED:
        matches = [t for t in dated if fragment in t.text]
        assert len(matches) == 1, (fragment, [t.text for t in dated])
        t = matches[0]
        got[fragment] = (t.month, t.deadline_start, t.deadline_end, t.year_conflict)
        # The task is its own item, cited through the chunk that holds it.
        assert t.text in " ".join(doc.chunks[t.chunk].text.split())
        assert len(t.text) < 120
    assert got == EXPECTED
    assert len(dated) == len(EXPECTED), [t.text for t in dated]  # the cited Công văn's date is no deadline
    recurring = next(t for t in dated if "bài giảng" in t.text)
    assert (recurring.recurring, recurring.deadline_text) == ("monthly:25", "ngày 25 hàng tháng")
    # Undated items under a month heading are tasks of that month too.
    assert [t.month for t in doc.tasks if t.text == "Kiểm tra nội bộ"] == ["2023-09"]


# --- the sample corpus ------------------------------------------------------------------------------

# Every dated task in the month tables, read off the documents by hand: (month, text fragment, start, end).
HONG_BANG = [
    ("2023-09", "biểu đồ tăng trưởng cho trẻ lần 1", "2023-09-30", "2023-09-30"),
    ("2023-09", "Tổ chức khám sức khỏe cho trẻ", "2023-09-01", "2023-10-31"),
    ("2023-09", "Kế hoạch chuyên môn theo giai đoạn", "2023-10-10", "2023-10-10"),
    ("2023-09", "làm quen tiếng Anh theo HD 06", "2023-09-22", "2023-09-28"),
    ("2023-09", "gửi KH về Tổ MN", "2023-09-25", "2023-09-25"),
    ("2023-10", "Giáo viên dạy giỏi cấp quận” về Tổ MN", "2023-10-18", "2023-10-18"),
    ("2023-10", "gửi kế hoạch về Phòng GDMN Sở", "2023-10-31", "2023-10-31"),
    ("2023-10", "gửi số liệu thống kê về Tổ MN", "2023-10-01", "2023-10-01"),
    ("2023-10", "Kiện toàn hệ thống HSSS", "2023-10-29", "2023-10-29"),
    ("2023-10", "Hoàn thành cuối tháng 10", "2023-10-21", "2023-11-10"),
    ("2023-12", "biểu đồ tăng trưởng của trẻ lần 2", "2023-12-15", "2023-12-15"),
    ("2023-12", "thực hiện nhiệm vụ học kỳ I", "2023-12-15", "2023-12-15"),
    ("2023-12", "thống kê phổ cập GDMN trẻ em 5 tuổi", "2023-12-15", "2023-12-15"),
    ("2023-12", "biểu công khai thông tin", "2023-12-15", "2023-12-15"),
    ("2024-05", "biểu đồ tăng trưởng của trẻ lần 3", "2024-05-10", "2024-05-10"),
    ("2024-05", "xây dựng trường học an toàn", "2024-05-25", "2024-05-25"),
    ("2024-05", "thống kê số liệu cuối năm học", "2024-05-15", "2024-05-15"),
    ("2024-06,2024-07", "gửi học liệu về Phòng GDMN Sở", "2024-06-30", "2024-06-30"),
]
SAO_SANG = [
    ("2023-09", "Cân đo, chấm biểu đồ đợt I", "2023-09-20", "2023-09-20"),
    ("2023-09", "Đăng ký giải pháp sáng tạo", "2023-09-30", "2023-09-30"),
    ("2023-10", "Hội thảo sơ kết thực hiện thí điểm PP GD STEAM", "2023-10-15", "2023-10-21"),
    ("2023-12", "Cân đo chấm biểu đồ đợt 2", "2023-12-20", "2023-12-20"),
    ("2023-12", "Tổng hợp BC kết quả", "2023-12-10", "2023-12-10"),
    ("2023-12", "Công khai thông tin về cơ sở GDMN ngoài công lập", "2023-12-10", "2023-12-10"),
    ("2024-03", "Cân đo trẻ đợt 3", "2023-03-20", "2023-03-20"),  # the source's typo, flagged
    ("2024-05", "thống kê số liệu cuối năm học", "2024-05-10", "2024-05-10"),
]


@pytest.mark.parametrize("prefix, expected", [("000", HONG_BANG), ("002", SAO_SANG)], ids=["hong-bang", "sao-sang"])
def test_every_dated_task_of_the_month_tables_with_the_right_year(prefix, expected):
    doc = parse_file(next(SAMPLES.glob(f"{prefix}_*")))
    dated = [t for t in doc.tasks if doc.chunks[t.chunk].month and t.deadline_text]  # under a month heading
    got = []
    for month, fragment, start, end in expected:
        matches = [t for t in dated if fragment in t.text and t.deadline_start == start]
        assert len(matches) == 1, (fragment, [(t.text, t.deadline_start) for t in dated if fragment in t.text])
        t = matches[0]
        got.append((t.month, fragment, t.deadline_start, t.deadline_end))
    assert got == expected
    assert len(dated) == len(expected), sorted(t.text for t in dated)
    conflicts = [t.text for t in dated if t.year_conflict]
    assert conflicts == ([] if prefix == "000" else ["Cân đo trẻ đợt 3 (hoàn thành trước 20/3/2023)"])


def test_sample_month_items_are_split_one_task_each():
    doc = parse_file(next(SAMPLES.glob("002_*")))
    september = [t.text for t in doc.tasks if doc.chunks[t.chunk].month == "2023-09"]
    assert len(september) == 14 and september[0] == "Đảm bảo an toàn, an ninh trường học"
    hong_bang = parse_file(next(SAMPLES.glob("000_*")))
    # "6+7 /2024 | 1 Xét duyệt ... 2 Xây dựng ... 6 Tham gia ...": one cell, six numbered tasks.
    summer = [t.text for t in hong_bang.tasks if hong_bang.chunks[t.chunk].month == "2024-06,2024-07"]
    assert summer[0] == "Xét duyệt danh hiệu thi đua các tập thể và cá nhân"
    assert len(summer) == 6 and summer[-1].startswith("Tham gia lớp bồi dưỡng")
