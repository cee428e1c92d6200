"""What kind of fact a question asks for, and the piece of a sentence an answer leads with."""
from __future__ import annotations

import pytest

from bot.core.facts import asked_facts
from bot.core.query import understand

from .test_answer import extract_fact  # what the answer leads with, rendered from its data

SUPPORT = ("Mỗi nhóm 15 trẻ em từ 03 đến 12 tháng tuổi, trong đó ít nhất có 04 trẻ em bán trú thì được "
           "hưởng 01 định mức 700.000 đồng/nhóm/tháng")


@pytest.mark.parametrize("question, intent", [
    ("Mỗi nhóm trẻ được hỗ trợ kinh phí bao nhiêu một tháng?", "how_much"),
    ("Tiền ăn bán trú thu tối đa bao nhiêu?", "how_much"),
    ("Học phí năm nay bao nhiêu ạ", "how_much"),
    ("xe đưa đón thu bn 1 tháng", "how_much"),  # what is collected or paid is money
    ("Phụ huynh đóng bao nhiêu cho lớp năng khiếu?", "how_much"),
    ("Giáo viên dạy lớp ghép được hỗ trợ thêm bao nhiêu mỗi tháng?", "how_much"),
    ("Mỗi nhóm có bao nhiêu trẻ?", "how_many"),
    ("Trường có bao nhiêu trẻ được ưu tiên?", "how_many"),  # "ưu tiên" is not money
    ("Hội đồng xét duyệt có bao nhiêu người?", "how_many"),  # nor is "hội đồng"
    ("Cha mẹ trẻ đóng góp bao nhiêu phần trăm tiền sữa?", "how_many"),  # a share of money
])
def test_a_question_about_fees_or_support_asks_for_an_amount_of_money(question, intent):
    assert understand(question).intent == intent


def test_a_money_question_leads_with_the_amount_not_the_counts_before_it():
    assert extract_fact("how_much", SUPPORT, {}).startswith("700.000 đồng/nhóm/tháng")
    assert extract_fact("how_many", SUPPORT, {}).startswith("15 trẻ")


def test_an_amount_ends_at_its_unit_not_at_a_tables_multiplication_sign():
    assert extract_fact("how_much", "Hỗ trợ chi phí học tập 150.000 đ/ tháng x 9 tháng", {}).startswith("150.000 đ/ tháng (")


def test_a_threshold_is_the_number_asked_for():
    # "AQI bao nhiêu thì nghỉ học" is answered by the threshold, though no unit follows it.
    assert asked_facts("how_many", "Trường hợp ô nhiễm nghiêm trọng (VN_AQI ≥ 301), các trường tạm dừng học") == ["≥ 301"]


def test_which_weekday_or_point_in_time_is_a_when_question():
    assert understand("Ban giám hiệu kiểm tra vệ sinh các lớp vào thứ mấy hằng tuần?").intent == "when"
    assert understand("Mức phụ cấp mới được tính từ thời điểm nào?").intent == "when"
