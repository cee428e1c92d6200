"""How sure an answer is, and what each of the three outcomes tells the teacher."""
from __future__ import annotations

import json

import pytest

from index.units import place_names

from bot.core import confidence
from bot.core.api import Congvan

STRONG = {"cosine": 0.92, "cosine_lead": 0.08, "coverage": 0.95, "coverage_top": 0.95, "keyword": 1.0,
          "margin": 0.6, "states_fact": 1.0, "asks_fact": 1.0, "unknown_words": 0.0, "missing_rare": 0.0,
          "numbers_missing": 0.0, "names_missing": 0.0, "named": 0.0}
WEAK = {"cosine": 0.80, "cosine_lead": 0.0, "coverage": 0.1, "coverage_top": 0.1, "keyword": 0.3,
        "margin": 0.0, "states_fact": 0.0, "asks_fact": 1.0, "unknown_words": 0.6, "missing_rare": 0.9,
        "numbers_missing": 1.0, "names_missing": 1.0, "named": 0.0}


def test_shipped_model_is_sure_of_a_stated_fact_and_not_of_a_stray_passage():
    assert confidence.decide(STRONG).level == "high"
    assert confidence.decide(WEAK).level == "none"
    assert confidence.decide(STRONG).probability > confidence.decide(WEAK).probability


def test_a_signal_far_outside_the_fitted_range_cannot_decide_alone():
    """The relative BM25 was nearly always 1 when fitted; 0 on a tiny corpus must not sink a
    passage that covers the question and states its date."""
    assert confidence.decide({**STRONG, "keyword": 0.0}).level != "none"


def test_a_question_about_another_year_or_place_is_less_sure():
    sure = confidence.decide(STRONG).probability
    assert confidence.decide({**STRONG, "numbers_missing": 1.0}).probability <= sure
    assert confidence.decide({**STRONG, "names_missing": 1.0}).probability <= sure


def test_numbers_and_names_the_passage_does_not_write():
    assert confidence.numbers_missing("Kỳ thi năm 2026 vào ngày nào?", "Kỳ thi năm 2025 diễn ra ngày 26/6") == 1.0
    assert confidence.numbers_missing("Cân đo lần 2 khi nào?", "cân đo lần 02 trước 15/12") == 0.0
    # "bn 1 tháng" asks for a monthly amount: the 1 is "per", not a number the passage must write.
    assert confidence.numbers_missing("tre mg dc ho tro bn 1 thang", "hỗ trợ 150.000 đồng/trẻ/tháng") == 0.0
    assert confidence.numbers_missing("tre 1 tuoi an may bua", "trẻ 2 tuổi ăn 2 bữa", "trẻ 2 tuổi") == 1.0
    # A directive's own number is looked for in all of it: its article on taking effect does not repeat it.
    decree = "… theo Nghị định số 66/2025/NĐ-CP … Nghị định này có hiệu lực thi hành từ ngày 01 tháng 5 năm 2025"
    for asked in ("Nghị định 66 có hiệu lực từ ngày nào?", "nd 66 hieu luc tu khi nao"):
        assert confidence.numbers_missing(asked, "Nghị định này có hiệu lực thi hành từ ngày 01", decree) == 0.0
        assert confidence.numbers_missing(asked, "Nghị định này có hiệu lực thi hành từ ngày 01", "Nghị định 105") == 1.0
    # Any other number must be in the passage: a 4-year-olds' question against a 5-year-olds' standard.
    assert confidence.numbers_missing("Bộ chuẩn trẻ 4 tuổi gồm bao nhiêu chỉ số?", "Bộ chuẩn trẻ 5 tuổi gồm 120 chỉ số",
                                      "… gồm 4 lĩnh vực …") == 1.0
    # The grade a whole schedule is about is not repeated in its rows; "năm 2026" is not 2025's schedule.
    schedule = "Kỳ thi tốt nghiệp THPT năm 2025 … học sinh lớp 12 …"
    row = "Cấp Giấy chứng nhận tốt nghiệp tạm thời cho thí sinh. Hoàn thành chậm nhất ngày 22/7/2025"
    assert confidence.numbers_missing("Học sinh lớp 12 nhận giấy tốt nghiệp tạm thời khi nào?", row, schedule) == 0.0
    assert confidence.numbers_missing("Thi tốt nghiệp năm 2026 vào ngày nào?", row, schedule) == 1.0
    assert confidence.names_missing("Học phí ở Hà Nội là bao nhiêu?", "Học phí tỉnh Vĩnh Long") == 1.0
    assert confidence.names_missing("Học phí ở Ha Noi là bao nhiêu?", "HĐND thành phố Hà Nội") == 0.0
    assert confidence.names_missing("Học phí THPT bao nhiêu?", "") == 0.0  # a code, not a name
    # A name followed by punctuation is still written: "… Trường mầm non Ninh Lai, ngày 05 tháng 11".
    assert confidence.names_missing("Trường Ninh Lai xét duyệt khi nào?", "Hội đồng xét duyệt Trường mầm non Ninh Lai, ngày 05") == 0.0


def test_a_place_typed_in_lower_case_is_still_a_name_asked_about():
    documents = [{"id": 1, "issuer": "HĐND tỉnh Vĩnh Long", "unit": "",
                  "title": "Nghị quyết số 20/2025/NQ-HĐND — học phí", "subject": "", "district": ""},
                 {"id": 2, "issuer": "Trường MN Ninh Lai", "unit": "Trường MN Ninh Lai",
                  "title": "Kế hoạch số 36/KH-Ntr — vệ sinh môi trường", "subject": "", "district": "Sơn Thủy"}]
    known = frozenset(place_names(documents))
    assert {"vinh long", "ninh lai", "son thuy"} <= known
    assert "hoc phi" not in known and "ke hoach" not in known
    # "vinh long" asked of a Ninh Lai plan: another province than the one that answers.
    assert confidence.names_missing("vinh long hoc phi mn bn 1 thang", "Trường MN Ninh Lai: học phí", known) == 1.0
    assert confidence.names_missing("vinh long hoc phi mn bn 1 thang", "HĐND tỉnh Vĩnh Long: học phí", known) == 0.0
    assert confidence.names_missing("hoc phi mn bn 1 thang", "Trường MN Ninh Lai: học phí", known) == 0.0


def test_model_file_names_its_features():
    model = json.loads(confidence.MODEL_FILE.read_text(encoding="utf-8"))
    assert model["features"] == list(confidence.FEATURES)
    assert 0 < model["low"] <= model["high"] <= 1


@pytest.fixture
def middle_band(monkeypatch):
    """A model under which every answer falls between the two thresholds."""
    model = {**confidence._model(), "low": 0.0, "high": 1.01}
    monkeypatch.setattr(confidence, "_model", lambda: model)


def test_low_confidence_cites_the_closest_passages_and_says_it_is_not_sure(loaded_home, middle_band):
    answer = Congvan(loaded_home).ask("Khi nào cân đo lần 2?")
    assert answer.confidence == "low" and not answer.abstained
    assert answer.text.startswith("Chưa chắc chắn")
    assert answer.citations and "cân - đo" in answer.citations[0].quote
    assert answer.to_json()["confidence"] == "low"


def test_no_answer_is_the_only_abstention(loaded_home):
    cv = Congvan(loaded_home)
    none = cv.ask("Giá vé tham quan Văn Miếu là bao nhiêu?")
    assert (none.confidence, none.abstained, none.citations) == ("none", True, [])
    sure = cv.ask("Khi nào cân đo lần 2?")
    assert (sure.confidence, sure.abstained) == ("high", False)


@pytest.mark.model
def test_a_quote_names_the_subsection_it_comes_from(tmp_path):
    """Short subsections share a chunk; the citation's section is the one the quoted sentence is in."""
    plan = tmp_path / "ke-hoach.txt"
    plan.write_text("KẾ HOẠCH\nQuản lý thiết bị dạy học năm học 2025-2026\nI. Tổ chức thực hiện\n"
                    "1. Phân công\nCô Nguyễn Thị Lan phụ trách hồ sơ, sổ sách thiết bị dạy học.\n"
                    "2. Kiểm kê\nKiểm kê đồ dùng, thiết bị vào cuối năm học.\n", encoding="utf-8")
    cv = Congvan(tmp_path / "home")
    cv.ingest([plan])
    answer = cv.ask("Ai phụ trách hồ sơ sổ sách thiết bị?")
    assert answer.citations and answer.citations[0].section.endswith("1. Phân công")
    assert "Nguyễn Thị Lan" in answer.text


def test_a_subject_typed_in_lower_case_is_a_name_the_document_must_write():
    """Chat writes subjects in lower case and by one of their words ("môn địa", "mon su"): a plan
    for another subject's meeting does not answer, its own subject's does."""
    history = "Kế hoạch sinh hoạt chuyên môn môn Lịch sử theo cụm trường. Địa điểm: trường THPT Cao Lãnh 2"
    assert confidence.names_missing("cum 2 co shcm mon dia ko, ngay nao vay", history) == 1.0
    assert confidence.names_missing("cum 2 co shcm mon su ko, ngay nao vay", history) == 0.0
    assert confidence.names_missing("thi mon anh ngay nao", "Các môn thi: Toán, Ngữ văn, Tiếng Anh.") == 0.0
    # "chuyên môn", "môn học", "môn nào" name no subject.
    assert confidence.names_missing("tổ chuyên môn họp khi nào, môn nào thi trước", history) == 0.0


def test_a_school_year_asked_is_one_number_the_document_must_be_for():
    # A 2024-2025 plan writes "2025" in its dates, but it is not the 2025-2026 plan.
    plan = "Kế hoạch thời gian năm học 2024 - 2025. Học sinh tựu trường ngày 25/8/2025."
    assert confidence.numbers_missing("Năm học 2025-2026 học sinh tựu trường ngày nào?", "tựu trường 25/8/2025", plan) == 1.0
    assert confidence.numbers_missing("Năm học 2024-2025 học sinh tựu trường ngày nào?", "tựu trường 25/8/2025", plan) == 0.0


def test_a_level_of_schooling_asked_must_be_whom_the_passage_is_for():
    # A decree on preschools names primary schools somewhere; the passage that answers does not.
    passage = "Hồ sơ chuyển đổi nhà trẻ, trường mầm non tư thục sang hoạt động không vì lợi nhuận gồm:"
    assert confidence.numbers_missing("Hồ sơ chuyển đổi trường tiểu học tư thục gồm những gì?", passage) == 1.0
    assert confidence.numbers_missing("Hồ sơ chuyển đổi trường mầm non tư thục gồm những gì?", passage) == 0.0
    assert confidence.numbers_missing("Học phí THPT bao nhiêu?", "Trung học phổ thông: 120 nghìn đồng") == 0.0
