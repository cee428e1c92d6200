"""Search in a library of copies: each district's or school year's copy of a directive takes one
place among the candidates, the copy that takes it is the asker's (their unit's, the current
school year's), and a question's abbreviations and unknown pairs do not skew the keyword stage
of a large library. The hash embedder: these are about words and documents, not meanings."""
from __future__ import annotations

from datetime import date

import pytest

import bot.core.search
from bot.core.api import Congvan
from bot.core.copies import passage_skeleton, signature
from bot.core.query import understand

from .conftest import HashEmbedder
from .directives import write_directive, write_txt

SCHOOLS = ("AN BÌNH", "BÌNH MINH", "CẨM HÀ", "DIÊN KHÁNH", "GIA LỘC", "HẢI HÒA", "HƯƠNG SƠN", "KIM ĐỨC",
           "LẠC HƯNG", "LÂM SƠN", "MINH KHÁNH", "NGỌC LÂM")
QUESTION = "Khi nào nộp danh sách đăng ký hội thi bé khỏe bé ngoan?"


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """Twelve schools' copies of one plan (own names, numbers and deadlines), and the district
    office's guidance on the same contest."""
    folder = tmp_path_factory.mktemp("files")
    for i, school in enumerate(SCHOOLS):
        write_txt(folder / f"ke-hoach-{i}.txt", school=school, number=f"{50 + i}/KH-MN",
                  deadline=f"{10 + i}/12/2024")
    write_directive(folder / "phong.txt", issuer=("UBND QUẬN CẦU GIẤY", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"),
                    number="77/PGDĐT-MN", title=("CÔNG VĂN", "Về việc tổ chức hội thi bé khỏe bé ngoan"),
                    body=["1. Các trường gửi danh sách trẻ dự hội thi bé khỏe bé ngoan cấp quận về Phòng "
                          "trước ngày 05/01/2025.", "2. Hội thi cấp quận tổ chức tại MN Hoa Mai."])
    cv = Congvan(tmp_path_factory.mktemp("home"), embedder=HashEmbedder())
    assert all(r.action == "added" for r in cv.ingest([folder]))
    return cv


def _most_copies_of_one_passage(hits) -> int:
    """The most returned hits from different documents with the same words but for names and numbers."""
    files: dict[int, set[str]] = {}
    for h in hits:
        files.setdefault(signature(passage_skeleton(h.row)), set()).add(h.row["file_name"])
    return max(len(f) for f in files.values())


def test_the_schools_copies_of_a_passage_take_a_few_places_and_the_office_s_passage_is_found(copies):
    searcher = copies._search()
    hits = searcher.search(understand(QUESTION, searcher.restorer()), k=8)
    # Before: the first places were the twelve schools' one paragraph over and over.
    assert _most_copies_of_one_passage(hits) == bot.core.search.COPIES
    assert any(h.row["file_name"] == "phong.txt" for h in hits)


def test_where_a_few_schools_plans_disagree_each_is_shown(copies):
    answer = copies.ask(QUESTION)
    assert answer.text.count("/12/2024 — Trường MN") == bot.core.search.COPIES, answer.text


def test_the_askers_school_s_copy_is_the_one_cited(copies):
    for i in (3, 11):
        answer = copies.ask(QUESTION, unit=f"MN {SCHOOLS[i].title()}")
        assert answer.citations[0].file == f"ke-hoach-{i}.txt", answer.text
        assert f"{10 + i}/12" in answer.text


def test_this_school_year_s_plan_is_cited_not_last_year_s_copy_of_it(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    # One school's plan, issued again the next school year with the same words and new dates.
    for year, deadline in (("2023-2024", "12/12/2023"), ("2024-2025", "13/12/2024")):
        write_txt(folder / f"ke-hoach-{year}.txt", year=year, deadline=deadline, number=f"{year[:4]}/KH-MNHM")
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest([folder])
    for today in (date(2024, 10, 1), date(2023, 10, 1)):
        year = f"{today.year}-{today.year + 1}"
        answer = cv.ask(QUESTION, today=today)
        assert answer.citations[0].file == f"ke-hoach-{year}.txt", (today, answer.text)


def test_past_the_postings_budget_a_pair_no_passage_holds_does_not_leave_the_keyword_stage_empty(
        copies, monkeypatch):
    monkeypatch.setattr(bot.core.search, "KEYWORD_POSTINGS", 5)  # every word of the contest is in 13 passages
    searcher = copies._search()
    # "ngoan đăng" is in no passage: searched alone, it found nothing and the words were not read.
    hits = searcher.search(understand("hội thi bé ngoan đăng ký lúc nào", searcher.restorer()), k=3)
    assert hits[0].keyword == 1.0 and "bé khỏe bé ngoan" in hits[0].row["text"]


def test_past_the_postings_budget_an_abbreviation_weighs_as_often_as_it_is_written(tmp_path, monkeypatch):
    """The word statistics count "GV" as "giáo viên": read as held by no passage, it weighed as
    the rarest word of the library, and a list of "GV ..." outranked every passage holding the
    question's words."""
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(30):
        write_directive(folder / f"phan-cong-{i}.txt", number=f"{100 + i}/KH-MN", title=("KẾ HOẠCH", f"Đợt {i}"),
                        body=[f"1. Mỗi lớp bố trí giáo viên dự tập huấn chuyên môn đợt {i} theo lịch của nhà trường."])
    for i, school in enumerate(SCHOOLS[:6]):
        write_directive(folder / f"du-gio-{i}.txt", issuer=("UBND QUẬN CẦU GIẤY", f"TRƯỜNG MẦM NON {school}"),
                        number=f"{60 + i}/KH-MN", title=("KẾ HOẠCH", "Dự giờ"),
                        body=["1. Dự giờ: GV Lan, GV Hoa, GV Mai, GV Cúc, GV Đào, GV Huệ, GV Sen."])
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest([folder])
    monkeypatch.setattr(bot.core.search, "KEYWORD_POSTINGS", 10)
    searcher = cv._search()
    hits = searcher.search(understand("Mỗi lớp phải bố trí mấy giáo viên?", searcher.restorer()), k=3)
    assert all(h.row["file_name"].startswith("phan-cong") for h in hits), [h.row["file_name"] for h in hits]
