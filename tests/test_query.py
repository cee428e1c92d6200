"""Reading questions as teachers type them: without diacritics, in chat shorthand, with politeness."""
import json

import pytest
from typer.testing import CliRunner

from bot.core.api import Congvan
from bot.channels.cli import app
from bot.core.lexicon import GENERAL_WORDS
from bot.core.scope import asked_school_year
from bot.core.query import understand
from index.restore import Restorer
from tests.directives import write_txt

# A made-up corpus in the directives' style, so restoration is shown on text that is not a sample.
CORPUS = [
    "Tổ chức cân đo, theo dõi biểu đồ tăng trưởng cho trẻ lần 1 (hoàn thành trước ngày 30/9).",
    "Tổ chức cân đo trẻ lần 2, nộp kết quả về Phòng GDĐT trước ngày 15/12.",
    "Nhà trường cần chuẩn bị đồ dùng đồ chơi; giáo viên cần lập kế hoạch giáo dục.",
    "Các trường cần rà soát cơ sở vật chất trước năm học mới.",
    "Nộp báo cáo sơ kết học kỳ 1 về phòng trước ngày 10/01.",
    "Tổ chức hội thi giáo viên dạy giỏi cấp trường trong tháng 11.",
]


def restorer():
    return Restorer(CORPUS, GENERAL_WORDS)


def test_words_are_restored_from_their_context_in_the_documents():
    r = restorer()
    assert r.restore("khi nao can do lan 2".split()).words == "khi nào cân đo lần 2".split()
    # The same syllable reads differently where the documents use it differently.
    assert r.restore("truong can chuan bi do dung".split()).words == "trường cần chuẩn bị đồ dùng".split()


def test_question_words_no_document_contains_come_from_the_general_lexicon():
    r = restorer()
    assert r.restore("hoi thi giao vien day gioi to chuc o dau".split()).words == (
        "hội thi giáo viên dạy giỏi tổ chức ở đâu".split())


def test_close_calls_keep_their_alternatives():
    r = Restorer(["Lớp học có bàn ghế mới.", "Mỗi lớp có hai giáo viên.", "Năm học mới bắt đầu."] * 2
                 + ["Mỗi trẻ có một tủ đồ."])
    result = r.restore("moi".split())
    best, other = result.words[0], ({"mới", "mỗi"} - set(result.words)).pop()
    assert result.alternatives == [(0, [other])]
    assert [" ".join(words) for words in result.readings()] == [best, other]


def test_written_form_is_detected():
    r = restorer()
    assert r.restore("khi nao can do lan 2".split()).form == "unaccented"
    assert r.restore("khi nào cân đo lần 2".split()).form == "accented"
    assert r.restore("khi nào can do lần 2".split()).form == "mixed"
    # Words the documents write without diacritics do not make a question unaccented.
    assert r.restore("cân đo cho trẻ".split()).form == "accented"


def test_mixed_question_keeps_what_was_typed_with_diacritics():
    result = restorer().restore("cân do trẻ lan 2".split())
    assert result.form == "mixed"
    assert result.words == "cân đo trẻ lần 2".split()
    assert result.restored == [False, True, False, True, False]


def test_unaccented_chat_question_is_searched_as_the_careful_one():
    r = restorer()
    chat = understand("ad oi cho em hoi bc hk1 nop khi nao a", r)
    careful = understand("Báo cáo học kỳ 1 nộp khi nào?", r)
    assert chat.text == "báo cáo học kỳ 1 nộp khi nào"
    assert chat.stripped == ["ad", "oi", "cho", "em", "hoi", "a"]
    assert chat.terms == careful.terms and chat.intent == careful.intent == "when"
    assert chat.form == "unaccented" and careful.form == "accented"


def test_a_school_year_typed_short_is_read_as_directives_write_it():
    query = understand("năm học 25-26 học phí mn công lập đóng bn ạ", restorer())
    assert "năm học 2025 2026" in query.text and "2025" in query.terms
    assert asked_school_year(query.text) == "2025-2026"
    assert "2025" not in understand("năm học 25-27", restorer()).terms  # not a school year: as typed


def test_an_age_typed_short_is_read_as_directives_write_it():
    r = restorer()
    assert understand("tre 5t chay nhanh bao nhieu giay", r).terms == understand("Trẻ 5 tuổi chạy nhanh bao nhiêu giây?", r).terms
    assert "tuổi" not in understand("lớp có 12t", r).text  # no child is 12: not an age


def test_a_count_written_in_words_is_read_as_directives_write_it():
    assert understand("Báo cáo sáu tháng nộp trước ngày nào?").text == "Báo cáo 6 tháng nộp trước ngày nào"
    assert "10 ngày" in understand("hồ sơ xét trong vòng mười ngày").text
    assert understand("nop sau ngay 15").text == "nop sau ngay 15"  # typed plain, "sau" is "after"


def test_staff_words_are_matched_with_their_diacritics():
    r = restorer()
    teachers = understand("mỗi lớp mấy cô", r)
    assert teachers.text == "mỗi lớp mấy cô"  # what is shown back is what was asked
    assert "mỗi lớp mấy giáo viên" in teachers.readings and {"giao", "vien", "gv"} <= set(teachers.terms)
    assert "giao" not in understand("lớp có đồ chơi không", r).terms
    # A name written with the staff-room word still matches as written.
    contest = understand("hội thi bé khỏe bé ngoan", r)
    assert contest.words == ["hội", "thi", "bé", "khỏe", "bé", "ngoan"] and "be" in contest.terms


@pytest.mark.model
def test_restoration_follows_the_documents_as_they_change(tmp_path):
    cv = Congvan(tmp_path / "home")
    # "tô" (paint, colour) is how this school's plan uses the syllable; no other document says "to".
    plan = write_txt(tmp_path / "ke-hoach.txt")
    extra = tmp_path / "to-mau.txt"
    extra.write_text(plan.read_text(encoding="utf-8").replace("45/KH-MNHM", "46/KH-MNHM")
                     + "\n4. Tô màu tranh, tô màu tranh, tô màu tranh cho trẻ lớp lá.\n", encoding="utf-8")
    assert [r.action for r in cv.ingest([plan])] == ["added"]
    before = cv.restore("to mau tranh")
    assert [r.action for r in cv.ingest([extra])] == ["added"]
    assert cv.restore("to mau tranh") == "tô màu tranh" != before
    cv.remove(cv.documents()[-1]["id"])
    assert cv.restore("to mau tranh") == before


def test_answer_shows_the_reading_that_was_searched(loaded_home):
    cv = Congvan(loaded_home)
    answer = cv.ask("cho em hoi khi nao to chuc kham suc khoe cho tre a")
    assert answer.text.startswith("Tìm: khi nào tổ chức khám sức khỏe cho trẻ\n")
    typed_carefully = cv.ask("Khi nào tổ chức khám sức khỏe cho trẻ?")
    assert "Tìm:" not in typed_carefully.text
    assert [c.quote for c in answer.citations[:3]] == [c.quote for c in typed_carefully.citations[:3]]


def test_ask_explain_shows_each_step(loaded_home):
    result = CliRunner().invoke(app, ["ask", "--explain", "--home", str(loaded_home),
                                      "ad oi ksk cho tre thang may a"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("Bỏ lời chào", "Cách gõ", "không dấu", "Thêm dấu", "tre → trẻ", "ksk → khám sức khỏe",
                  "Truy vấn từ khóa", "Câu đưa vào mô hình", "Đoạn tìm được", "Tìm: khám sức khỏe cho trẻ"):
        assert label in out, label
    as_json = CliRunner().invoke(app, ["ask", "--json", "--home", str(loaded_home), "ksk cho tre thang may"])
    assert "trace" not in json.loads(as_json.output)


@pytest.mark.model
def test_word_counts_carry_over_to_the_next_process_and_follow_changes_made_elsewhere(tmp_path, monkeypatch):
    import bot.core.search
    monkeypatch.setattr(bot.core.search, "SAVE_COUNTS_AFTER", 0.0)  # keep even a small corpus's counts
    home = tmp_path / "home"
    plan = write_txt(tmp_path / "ke-hoach.txt")
    base = plan.read_text(encoding="utf-8")
    colour = tmp_path / "to-mau.txt"
    colour.write_text(base.replace("45/KH-MNHM", "46/KH-MNHM")
                      + "\n4. Tô màu tranh, tô màu tranh, tô màu tranh cho trẻ lớp lá.\n", encoding="utf-8")
    fence = tmp_path / "to-rao.txt"
    fence.write_text(base.replace("45/KH-MNHM", "47/KH-MNHM")
                     + "\n4. Tổ mẫu giáo tranh thủ, tổ mẫu giáo tranh thủ, tổ mẫu giáo tranh thủ.\n", encoding="utf-8")
    Congvan(home).ingest([plan, colour])
    assert Congvan(home).restore("to mau tranh") == "tô màu tranh"
    assert (home / "word_counts.pickle").exists()
    # Another process replaces the colouring plan; chunk ids of the removed rows may be reused.
    other = Congvan(home)
    other.remove("to-mau.txt")
    other.ingest([fence])
    assert Congvan(home).restore("to mau tranh") == "tổ mẫu tranh"
