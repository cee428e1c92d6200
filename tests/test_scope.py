"""Which sources an answer leads with: the asker's unit, the current school year, the newest
version of a re-issued directive; and the month's list of tasks."""
from datetime import date

import pytest

from bot.core.api import Congvan
from bot.core.query import understand
from tests.directives import directive_lines

pytestmark = pytest.mark.model  # the samples, ingested with the bundled model


def _lines_of(answer: str) -> list[str]:
    return [line for line in answer.splitlines() if line.startswith("•")]


def test_the_askers_unit_leads_and_the_others_still_show(loaded_home):
    cv = Congvan(loaded_home)
    question = "báo cáo kết quả thực hiện nhiệm vụ học kỳ I gửi trước ngày nào"
    for unit, first in [("MN Sao Sáng", "Trường MN Sao Sáng"), ("Hồng Bàng", "Phòng GD&ĐT Hồng Bàng")]:
        answer = cv.ask(question, unit=unit)
        bullets = _lines_of(answer.text)
        assert first in bullets[0], (unit, answer.text)
        assert len(bullets) >= 2  # the other document says something different and is still shown
        # Sources come in the order the answer names them.
        assert [c.issuer for c in answer.citations[:2]] == [b.split(" — ")[1].split(" (")[0] for b in bullets[:2]]


def test_older_school_years_are_labelled_and_listed_after_current_ones(loaded_home):
    answer = Congvan(loaded_home).ask("báo cáo học kỳ 1 gửi trước ngày nào", today=date(2026, 11, 23)).text
    bullets = _lines_of(answer)
    old = [i for i, b in enumerate(bullets) if "năm học 2022-2023" in b]
    assert old and all("năm học cũ" in bullets[i] for i in old)
    assert old[0] > 0 and all("năm học cũ" not in b for b in bullets[:old[0]])


def test_a_question_naming_a_school_year_makes_it_current(loaded_home):
    answer = Congvan(loaded_home).ask("báo cáo học kỳ 1 năm học 2022-2023 gửi trước ngày nào").text
    assert "Long Biên" in _lines_of(answer)[0] or "Long Biên" in answer.splitlines()[0]
    assert "năm học cũ" not in answer.split("Nguồn:")[0]


def test_deadline_without_a_year_gets_it_from_the_school_year(loaded_home):
    answer = Congvan(loaded_home).ask("Công khai thông tin cơ sở GDMN ngoài công lập nộp Sở khi nào?",
                                      unit="Hồng Bàng").text
    assert "15/12/2023" in answer.split("Nguồn:")[0]


def test_a_reissued_directive_supersedes_the_old_one(tmp_path):
    first = tmp_path / "ke-hoach-v1.txt"
    first.write_text("\n".join(directive_lines(deadline="15/12/2024")), encoding="utf-8")
    second = tmp_path / "ke-hoach-v2.txt"
    second.write_text("\n".join(directive_lines(number="52/KH-MNHM", deadline="22/12/2024"))
                      .replace("ngày 20 tháng 9", "ngày 14 tháng 10"), encoding="utf-8")
    cv = Congvan(tmp_path / "home")
    assert [r.action for r in cv.ingest([first, second])] == ["added", "added"]  # distinct numbers
    answer = cv.ask("danh sách đăng ký hội thi bé khỏe bé ngoan nộp trước ngày nào?")
    assert answer.text.split("Nguồn:")[0].count("22/12/2024") == 1
    assert "15/12/2024" not in _lines_of(answer.text)[0]
    old = [c for c in answer.citations if c.number == "45/KH-MNHM"]
    newer = cv.document("ke-hoach-v2.txt")["title"]
    assert old, "the older directive is still cited, after the newer one"
    assert all(c.superseded_by == newer for c in old)
    assert f"đã có văn bản thay thế: {newer}" in answer.text
    assert answer.citations[0].number == "52/KH-MNHM"


@pytest.mark.parametrize("question, month", [
    ("tháng 12 có việc gì?", "12"), ("lich cong tac thang 12/2023", "12/2023"),
    ("cho em hỏi tháng này có những nhiệm vụ gì ạ", "this"), ("tháng 12 nộp báo cáo gì", ""),
    ("Khám sức khỏe cho trẻ vào tháng mấy?", ""),
])
def test_month_agenda_questions_are_recognised(question, month):
    query = understand(question)
    assert query.month == month
    assert (query.intent == "agenda") == bool(month)


def test_month_agenda_lists_tasks_by_issuer(loaded_home):
    cv = Congvan(loaded_home)
    answer = cv.ask("tháng 12 có việc gì?", today=date(2026, 11, 23))
    text = answer.text
    assert text.startswith("Tháng 12/2023 có ")
    assert "Phòng GD&ĐT Hồng Bàng" in text and "Trường MN Sao Sáng" in text
    assert "Cân đo chấm biểu đồ đợt 2 cho trẻ" in text and "trước 20/12/2023" in text
    assert answer.citations and all(c.quote for c in answer.citations)
    mine = cv.ask("tháng 12 có việc gì?", unit="MN Sao Sáng").text
    assert "Trường MN Sao Sáng" in mine and "Hồng Bàng" not in mine
    assert cv.ask("việc tháng 12/2019").text.startswith("Tháng 12/2019: không có việc nào")
