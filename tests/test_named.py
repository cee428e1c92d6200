"""A question that names its directive ("Nghị định 66") or its place ("ở Hà Nội", "trường Sen
Hồng") is answered from that directive or place's documents, not from others that only resemble it."""
from __future__ import annotations

from bot.core.api import Congvan
from bot.core.named import directives, named_documents, references
from index.units import place_names
from tests.conftest import HashEmbedder
from tests.directives import two_schools, write_directive

DECREE = {"id": 1, "file_name": "06_chinhphu-nd-66-2025-chinh-sach-ban-tru.docx", "title": "Văn bản",
          "kind": "", "issuer": "", "number": "", "subject": "", "unit": "", "district": ""}
CITING = {"id": 2, "file_name": "che-do-chinh-sach.doc", "title": "Kế hoạch số 12/KH-MNNL — chế độ chính sách",
          "kind": "kế hoạch", "issuer": "Trường MN Ninh Lai", "number": "12/KH-MNNL", "subject": "",
          "unit": "Trường MN Ninh Lai", "district": ""}
PLAN = {"id": 3, "file_name": "kh36.docx", "title": "Kế hoạch số 36/KH-Ntr — vệ sinh", "kind": "kế hoạch",
        "issuer": "Trường MN Ninh Lai", "number": "36/KH-Ntr", "subject": "", "unit": "Trường MN Ninh Lai",
        "district": ""}
RESOLUTION = {"id": 4, "file_name": "nq.md", "title": "Nghị quyết số 36/2025/NQ-HĐND — học phí",
              "kind": "nghị quyết", "issuer": "HĐND tỉnh Vĩnh Long", "number": "36/2025/NQ-HĐND", "subject": "",
              "unit": "HĐND tỉnh Vĩnh Long", "district": ""}
LIBRARY = [DECREE, CITING, PLAN, RESOLUTION]
NUMBERED = directives(LIBRARY)


def test_a_directive_is_named_by_its_kind_and_number_however_typed():
    assert references("Nghị định số 66 có hiệu lực từ ngày nào?") == [("nghị định", "66")]
    assert references("nd 66 hieu luc tu khi nao") == [("nghị định", "66")]
    assert references("kế hoạch 036 nói gì") == [("kế hoạch", "36")]
    assert references("trẻ 5 tuổi chạy 20 mét") == []


def test_the_named_directive_is_the_one_with_that_number_not_one_that_cites_it():
    places = place_names(LIBRARY)
    # The decree's first page is lost: only its file name says it is Nghị định 66.
    assert named_documents("Nghị định 66 có hiệu lực từ ngày nào?", NUMBERED, places) == {1}
    # "36" is a plan and a resolution: the kind the question says decides; without one, both.
    assert named_documents("kế hoạch 36 vệ sinh lớp học", NUMBERED, places) == {3}
    assert named_documents("nghị quyết 36 học phí", NUMBERED, places) == {4}
    assert named_documents("văn bản số 36 nói gì", NUMBERED, places) == {3, 4}
    # "số 36" alone may count something else ("điểm trường số 2"): it names nothing.
    assert named_documents("lớp số 36 học ở đâu", NUMBERED, places) == set()
    assert named_documents("quyết định 66", NUMBERED, places) == set()


def test_a_place_is_named_however_typed():
    places = place_names(LIBRARY)
    assert places["vinh long"] == {4} and places["ninh lai"] == {2, 3}
    assert named_documents("hoc phi o vinh long bn 1 thang", NUMBERED, places) == {4}
    assert named_documents("Trường mầm non Ninh Lai dọn vệ sinh khi nào?", NUMBERED, places) == {2, 3}
    # The motto's "xã hội chủ nghĩa" is not a commune.
    assert "hoi chu" not in place_names([{**PLAN, "title": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}])


def test_a_question_naming_a_school_is_answered_by_that_school_alone(tmp_path):
    cv = two_schools(tmp_path)  # Hoa Mai: 15/12/2024, Sen Hồng: 20/12/2024
    unnamed = cv.ask("danh sách đăng ký hội thi bé khỏe bé ngoan nộp trước ngày nào?").text.split("Nguồn:")[0]
    assert "15/12/2024" in unnamed and "20/12/2024" in unnamed  # each school's deadline, side by side
    # "sh": a school typed by its initials is named too, once the reading spells it out.
    for school, own, other in [("Sen Hồng", "20/12/2024", "15/12/2024"), ("hoa mai", "15/12/2024", "20/12/2024"),
                               ("sh", "20/12/2024", "15/12/2024")]:
        answer = cv.ask(f"trường {school} nộp danh sách đăng ký hội thi bé khỏe bé ngoan trước ngày nào?")
        lead = answer.text.split("Nguồn:")[0]
        assert own in lead and other not in lead, (school, answer.text)
        assert answer.signals["named"] == 1.0


def test_a_row_of_a_table_of_amounts_is_answered_with_the_unit_the_table_declares(tmp_path):
    path = write_directive(tmp_path / "hoc-phi.docx", number="20/2025/NQ-HĐND", issuer=("HĐND TỈNH VĨNH LONG",),
                           place_date="Vĩnh Long, ngày 18 tháng 11 năm 2025",
                           title=("NGHỊ QUYẾT", "Quy định mức học phí năm học 2025 - 2026"),
                           body=["Điều 1. Mức học phí", "Đơn vị tính: Nghìn đồng/người học/tháng.",
                                 "STT\tCấp học\tNông thôn\tThành thị", "1\tMầm non\t80\t120",
                                 "2\tTiểu học\t90\t130", "Điều 2. Hiệu lực thi hành",
                                 "Nghị quyết này có hiệu lực từ ngày 28 tháng 11 năm 2025."])
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    assert cv.ingest_file(path).action == "added"
    lead = cv.ask("học phí mầm non bao nhiêu một tháng?").text.split("Nguồn:")[0]
    assert "80 nghìn đồng/người học/tháng" in lead, lead
