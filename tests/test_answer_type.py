"""Search ranks a passage that states the kind of fact asked above one that only repeats the
question's words: a teacher asking "khi nào" wants the paragraph with the date."""
import pytest

from bot.core import search
from bot.core.api import Congvan
from bot.core.query import understand
from tests.conftest import HashEmbedder


class SameVector(HashEmbedder):
    """Every text the same vector: the ranking is the keyword stage's and the answer type's alone."""

    def query(self, text):
        return super().query("")

ECHO = """PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN HOA SEN
Số: 12/KH-PGDĐT
KẾ HOẠCH
Tổng kết năm học 2025-2026
Các trường tổ chức tổng kết năm học, đánh giá kết quả tổng kết năm học của trường, rút kinh nghiệm tổng kết năm học các năm trước, báo cáo tổng kết năm học theo mẫu.
"""
DATED = """PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN HOA SEN
Số: 15/TB-PGDĐT
THÔNG BÁO
Lịch nộp hồ sơ cuối năm
Các trường gửi báo cáo tổng kết năm học về Phòng GD&ĐT trước ngày 25/5/2026.
"""


@pytest.mark.parametrize("weight, first", [(search.ANSWER_TYPE_WEIGHT, "dated.txt"), (0.0, "echo.txt")])
def test_the_passage_with_the_asked_date_ranks_first(tmp_path, monkeypatch, weight, first):
    for name, text in (("echo.txt", ECHO), ("dated.txt", DATED)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    cv = Congvan(tmp_path / "home", embedder=SameVector())
    cv.ingest([tmp_path / "echo.txt", tmp_path / "dated.txt"])
    monkeypatch.setattr(search, "ANSWER_TYPE_WEIGHT", weight)
    searcher = cv._search()
    hits = searcher.search(understand("báo cáo tổng kết năm học gửi khi nào", searcher.restorer()), k=5)
    assert hits[0].row["file_name"] == first
