"""One grammar of when: the phrase an answer leads with is the one ingest reads as a deadline."""
from __future__ import annotations

import pytest

from ingest.dates import find_dates, find_when
from ingest.deadlines import find_deadlines

SY = "2023-2024"


# Each phrasing the README lists, and those directives were seen to use: (sentence, the phrase
# as written, the dates ingest reads, the month heading it sits under).
PHRASINGS = [
    ("Nộp báo cáo về Phòng trước 15/12.", "trước 15/12", ("2023-12-15", "2023-12-15")),
    ("Cân đo lần 3 hoàn thành trước 10/5", "hoàn thành trước 10/5", ("2024-05-10", "2024-05-10")),
    ("Báo cáo sơ kết chậm nhất ngày 05/01/2024.", "chậm nhất ngày 05/01/2024", ("2024-01-05", "2024-01-05")),
    ("Gửi danh sách chậm nhất là ngày 5/1.", "chậm nhất là ngày 5/1", ("2024-01-05", "2024-01-05")),
    ("Tổng hợp báo cáo học kỳ I, hạn cuối 15/12", "hạn cuối 15/12", ("2023-12-15", "2023-12-15")),
    ("Hạn cuối: 15/12.", "Hạn cuối: 15/12", ("2023-12-15", "2023-12-15")),
    ("Thực hiện đến hết ngày 31/12.", "đến hết ngày 31/12", ("2023-12-31", "2023-12-31")),
    ("Nộp hồ sơ hoàn thành trước ngày 15 tháng 12 năm 2023.", "hoàn thành trước ngày 15 tháng 12 năm 2023",
     ("2023-12-15", "2023-12-15")),
    ("Đăng ký dự thi từ ngày 15/9 đến ngày 30/9", "từ ngày 15/9 đến ngày 30/9", ("2023-09-15", "2023-09-30")),
    ("Trẻ uống sữa từ ngày 07/9/2023 đến hết ngày 31/12/2023", "từ ngày 07/9/2023 đến hết ngày 31/12/2023",
     ("2023-09-07", "2023-12-31")),
    ("Công bố kết quả thi 8h00 ngày 16/7/2025", "8h00 ngày 16/7/2025", ("2025-07-16", "2025-07-16")),
    ("Nộp hồ sơ đăng ký 17h00 ngày 28/4", "17h00 ngày 28/4", ("2024-04-28", "2024-04-28")),
    ("Giao ban vào 14h00 thứ Năm ngày 16/11/2023 tại trường", "vào 14h00 thứ Năm ngày 16/11/2023",
     ("2023-11-16", "2023-11-16")),
    ("Các sở gửi báo cáo chậm nhất 17 giờ ngày 13/7/2025", "chậm nhất 17 giờ ngày 13/7/2025",
     ("2025-07-13", "2025-07-13")),
    ("Đăng ký dự thi từ ngày 21/4 đến 17 giờ ngày 28/4/2024", "từ ngày 21/4 đến 17 giờ ngày 28/4/2024",
     ("2024-04-21", "2024-04-28")),
    ("Cân đo lần 2 (nộp kết quả về PGD trước ngày 20/12/2023)", "trước ngày 20/12/2023",
     ("2023-12-20", "2023-12-20")),
    ("Hồ sơ nộp Phòng GDĐT thẩm định vào tuần 4 tháng 9", "vào tuần 4 tháng 9", ("2023-09-22", "2023-09-28")),
    ("Tổ chức khám sức khỏe cho trẻ (trong tháng 9 và tháng 10)", "trong tháng 9 và tháng 10",
     ("2023-09-01", "2023-10-31")),
    ("Kiểm tra nội bộ tuần 2, 3 tháng 10", "tuần 2, 3 tháng 10", ("2023-10-08", "2023-10-21")),
    ("Ngày vi chất dinh dưỡng (ngày 01/12 và 02/12/2023)", "ngày 01/12 và 02/12/2023", ("2023-12-01", "2023-12-02")),
    ("Hội thi cấp quận, hoàn thành cuối tháng 10 và đầu tháng 11/2023", "cuối tháng 10 và đầu tháng 11/2023",
     ("2023-10-21", "2023-11-10")),
    ("Hội thảo STEAM (Tuần 3)", "(Tuần 3)", ("2023-10-15", "2023-10-21"), "2023-10"),
    ("Nộp sổ trước ngày 25", "trước ngày 25", ("2023-10-25", "2023-10-25"), "2023-10"),
    ("Nộp báo cáo vào cuối tháng", "cuối tháng", ("2023-10-21", "2023-10-31"), "2023-10"),
    ("Các tổ cập nhật bài giảng điện tử ngày 25 hàng tháng", "ngày 25 hàng tháng", (None, None)),
    ("Họp tổ chuyên môn vào thứ Sáu hằng tuần", "vào thứ Sáu hằng tuần", (None, None)),
]


@pytest.mark.parametrize("sentence, phrase, dates, hint", [(*p, "")[:4] for p in PHRASINGS],
                         ids=[p[1] for p in PHRASINGS])
def test_the_answers_lead_and_ingest_read_the_same_phrase(sentence, phrase, dates, hint):
    assert find_when(sentence) == [phrase]
    [deadline] = find_deadlines(sentence, SY, hint)
    assert (deadline.phrase, deadline.start, deadline.end) == (phrase, *dates)


def test_phrases_come_with_where_they_are_in_order():
    sentence = "Đăng ký trước ngày 15/9/2023, thi từ 20/9 đến 25/9, công bố kết quả 8h00 ngày 30/9"
    found = find_dates(sentence)
    assert [p.text for p in found] == ["trước ngày 15/9/2023", "từ 20/9 đến 25/9", "8h00 ngày 30/9"]
    assert [p.kind for p in found] == ["before", "range", "on"]
    assert all(sentence[p.start:p.end] == p.text for p in found)
    assert find_when(sentence) == [p.text for p in found]


@pytest.mark.parametrize("sentence", [
    "theo Thông tư số 13/2016/TTLT- BYT-BGDĐT ngày 12/5/2016 của Bộ Y tế",
    "Thực hiện Thông tư số 13/2016/TTLT-BYT-BGDĐT ngày 12/5/2016",
    "Căn cứ Công văn 12/PGD ngày 5/9 về việc hướng dẫn nhiệm vụ năm học.",
    "Lập hồ sơ theo HD 06 ngày 21/10/2022 của Sở GDĐT",
    "Hoàn thành tốt 13 chỉ tiêu, trong đó có ít nhất 12/13 chỉ tiêu xếp loại xuất sắc",
])
def test_dates_of_cited_documents_and_impossible_dates_say_nothing_about_when(sentence):
    assert find_when(sentence) == []


def test_a_cited_documents_date_beside_a_deadline_leaves_only_the_deadline():
    sentence = "Thực hiện Công văn số 316/PGDĐT ngày 08/9/2023, các trường nộp báo cáo chậm nhất ngày 20/9/2023."
    assert find_when(sentence) == ["chậm nhất ngày 20/9/2023"]
    assert [d.phrase for d in find_deadlines(sentence, SY)] == ["chậm nhất ngày 20/9/2023"]


def test_a_bare_date_answers_when_but_is_no_deadline():
    sentence = "Kỷ niệm 76 năm Ngày toàn quốc kháng chiến (19/12/1946 - 19/12/2022)"
    assert find_when(sentence) == ["19/12/1946", "19/12/2022"]
    assert find_deadlines(sentence, SY) == []


def test_a_date_written_in_words_answers_when_but_is_no_deadline():
    # "Căn cứ kết quả thẩm định … , ngày 05 tháng 11 năm 2025": when the council met, not a due date.
    sentence = "Căn cứ kết quả xét duyệt hồ sơ của Hội đồng xét duyệt Trường mầm non Hoa Sen, ngày 05 tháng 11 năm 2025"
    assert find_when(sentence) == ["ngày 05 tháng 11 năm 2025"]
    assert find_deadlines(sentence, SY) == []
    assert find_when("Thời gian học 12 tháng 3 buổi một tuần") == []  # a duration, not a date


def test_a_time_of_the_school_year_answers_when_but_is_no_deadline():
    # "khi nào kiểm kê?" is answered by "vào cuối năm học", though no date is written.
    sentence = "Kiểm kê đồ dùng vào cuối năm học, cân đo trẻ đầu học kỳ II và nộp báo cáo trước ngày 15/12."
    assert find_when(sentence) == ["trước ngày 15/12", "vào cuối năm học", "đầu học kỳ II"]
    assert [d.phrase for d in find_deadlines(sentence, SY)] == ["trước ngày 15/12"]
    assert find_when("Năm học mới bắt đầu, các lớp ổn định nề nếp") == []


def test_the_day_a_directive_is_signed_answers_when_it_takes_effect():
    assert find_when("Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành.") == ["kể từ ngày ký ban hành"]
    assert find_deadlines("Quyết định này có hiệu lực kể từ ngày ký.", SY) == []


def test_a_cited_documents_date_after_its_issuer_is_not_a_date_of_this_one():
    assert find_when("Công văn số 1849/BGDĐT-GDPT của Bộ GDĐT ngày 10 tháng 4 năm 2026 về việc kiểm tra") == []
    assert find_when("Kế hoạch số 5 của Sở GDĐT, hoàn thành trước ngày 30/4") == ["hoàn thành trước ngày 30/4"]


def test_a_time_of_the_school_year_that_names_the_year_is_an_events_name():
    assert find_when("Kế hoạch tổ chức sinh hoạt công dân đầu năm học 2026 - 2027") == []
