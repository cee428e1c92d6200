"""What the answer leads with, for the deadline phrasings directives use."""
import pytest

from bot.core.answer import Answer, best_sentence, lead_of
from bot.core.query import understand
from index.vocabulary import Vocabulary

ROW = {"document_id": 1, "issuer": "Trường MN Hoa Mai", "title": "Kế hoạch số 45/KH-MNHM — Công tác tháng",
       "file_name": "ke-hoach.txt", "school_year": "", "unit": "", "month": ""}


def extract_fact(intent: str, sentence: str, row: dict) -> str:
    """What the answer leads with for a passage's sentence, as the CLI shows it."""
    answer = Answer(question="q", abstained=False, leads=[lead_of(intent, sentence, {**ROW, **row})])
    line = answer.text.split("\n")[0]
    assert line.endswith(" — theo Trường MN Hoa Mai.")
    return line.removesuffix(" — theo Trường MN Hoa Mai.")


@pytest.mark.parametrize("sentence, lead", [
    ("Cân đo chấm biểu đồ đợt 2 (nộp kết quả về PGD trước ngày 20/12/2023)", "Trước ngày 20/12/2023"),
    ("Báo cáo kết quả hoàn thành trước 10/5", "Hoàn thành trước 10/5"),
    ("Hồ sơ nộp Phòng GDĐT thẩm định vào tuần 4 tháng 9", "Vào tuần 4 tháng 9"),
    ("Tổ chức khám sức khỏe cho trẻ (trong tháng 9 và tháng 10)", "Trong tháng 9 và tháng 10"),
    ("Các cụm gửi dữ liệu về phòng vào ngày 25 hàng tháng", "Vào ngày 25 hàng tháng"),
    ("Uống sữa từ ngày 07/9/2020 đến hết ngày 31/12/2020", "Từ ngày 07/9/2020 đến hết ngày 31/12/2020"),
])
def test_deadline_phrasings_lead_the_answer(sentence, lead):
    assert extract_fact("when", sentence, {}) == lead


def test_a_cited_documents_date_is_not_a_deadline():
    sentence = "theo Thông tư số 13/2016/TTLT- BYT-BGDĐT ngày 12/5/2016 của Bộ Y tế"
    assert extract_fact("when", sentence, {}) == sentence


def test_without_a_date_the_month_of_the_schedule_answers():
    assert extract_fact("when", "Tổ chức Ngày hội đến trường", {"month": "2023-09"}) == (
        "Trong tháng 9/2023: Tổ chức Ngày hội đến trường")


def test_chat_question_is_read_without_politeness_and_with_abbreviations_spelled_out():
    query = understand("cho em hỏi bc hk1 nộp khi nào ạ")
    assert query.text == "báo cáo học kỳ 1 nộp khi nào"
    assert query.intent == "when"
    assert {"bao", "cao", "hoc", "ky", "nop", "bc", "hk"} <= set(query.terms)
    assert "khi" not in query.terms and "nao" not in query.terms


def test_a_word_ending_in_o_is_not_a_place():
    sentence = "Tham gia Hội thảo sơ kết chuyên đề của Sở GDĐT."
    assert extract_fact("where", sentence, {}) == sentence
    assert extract_fact("where", "Sơ kết chuyên đề tại trường Mầm non Quang Trung", {}).startswith(
        "Tại trường Mầm non Quang Trung")


def test_vao_before_a_question_word_is_part_of_the_question():
    query = understand("uống vitamin A vào ngày nào")
    assert query.intent == "when" and "vao" not in query.terms


def _quote(question: str, passage: str) -> str:
    vocabulary = Vocabulary([], {}, lambda chunk_id: None)
    vocabulary.add(1, passage)
    vocabulary.add(2, "Kế hoạch tổ chức các hoạt động chuyên môn của nhà trường trong năm học")
    return best_sentence(passage, understand(question), vocabulary)


def test_a_value_under_the_label_of_the_asked_kind_is_quoted():
    # The date shares no word with the question; its heading "Thời gian" says what it is.
    passage = ("III. THỜI GIAN, HÌNH THỨC VÀ THÀNH PHẦN\n1. Thời gian\nLúc 14 giờ 00 phút, ngày 28 tháng 4 năm 2026.\n"
               "2. Hình thức\nTrực tuyến\n3. Thành phần\n- Giáo viên môn Địa lí của các trường trong cụm 3 tham dự")
    assert _quote("Buổi sinh hoạt chuyên môn môn Địa lí của cụm 3 tổ chức lúc nào?", passage) == (
        "1. Thời gian Lúc 14 giờ 00 phút, ngày 28 tháng 4 năm 2026.")
    fields = ("V. THỜI GIAN VÀ ĐỊA ĐIỂM\nThời gian: Buổi sáng, ngày 09 tháng 5 năm 2026, cụ thể tại Phụ lục II.\n"
              "Địa điểm: Tại Trường Tiểu học Kim Đồng, phường Tân An.")
    assert _quote("Buổi kiểm tra thư viện của Sở tổ chức ở trường nào?", fields) == (
        "Địa điểm: Tại Trường Tiểu học Kim Đồng, phường Tân An.")
    assert _quote("Buổi kiểm tra thư viện của Sở vào ngày nào?", fields).endswith(
        "Thời gian: Buổi sáng, ngày 09 tháng 5 năm 2026, cụ thể tại Phụ lục II.")


DECREE = ("7. Mức 60% được áp dụng đối với:\na) Nhà giáo trong trường năng khiếu thể dục thể thao;\n"
          "b) Nhà giáo giảng dạy trong cơ sở giáo dục mầm non ở xã biên giới.")


def test_a_list_item_is_quoted_with_the_lead_in_that_states_the_asked_amount():
    quote = _quote("Giáo viên mầm non ở xã biên giới được phụ cấp bao nhiêu phần trăm?", DECREE)
    assert quote == "7. Mức 60% được áp dụng đối với: … b) Nhà giáo giảng dạy trong cơ sở giáo dục mầm non ở xã biên giới."
    # An item that is a passage of its own finds its lead-in in its path.
    vocabulary = Vocabulary([], {}, lambda chunk_id: None)
    vocabulary.add(1, DECREE)
    item = "b) Nhà giáo giảng dạy trong cơ sở giáo dục mầm non ở xã biên giới."
    assert best_sentence(item, understand("Giáo viên mầm non ở xã biên giới được phụ cấp bao nhiêu phần trăm?"),
                         vocabulary, "Điều 3 Mức phụ cấp > 7. Mức 60% được áp dụng đối với: > b) Nhà giáo") \
        == f"7. Mức 60% được áp dụng đối với: … {item}"
