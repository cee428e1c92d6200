"""A directive's framing (the sentence announcing its plan, its closing "Trên đây là …", its
recipients) repeats its title and answers nothing: search ranks the paragraph that says what to
do above it, though the framing shares more words with the question."""
import pytest

from bot.core import search
from bot.core.api import Congvan
from bot.core.query import understand
from ingest.structure import is_framing
from tests.test_answer_type import SameVector

PLAN = """TRƯỜNG MẦM NON HOA SEN
Số: 21/KH-MNHS
KẾ HOẠCH
Quản lý, sử dụng đồ dùng, thiết bị dạy học năm học 2025-2026
Trường mầm non Hoa Sen xây dựng kế hoạch quản lý, sử dụng đồ dùng, thiết bị dạy học năm học 2025-2026 như sau:
I. NỘI DUNG
1. Tiếp nhận
- Thành lập tổ tiếp nhận thiết bị do cấp trên cấp.
- Vận động phụ huynh ủng hộ nguyên liệu sạch cho các lớp làm đồ chơi.
- Nhóm lớp số 1 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 2 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 3 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 4 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 5 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 6 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
- Nhóm lớp số 7 ghi sổ theo dõi, sắp xếp gọn gàng theo từng góc chơi, giữ gìn vệ sinh sạch sẽ.
2. Kiểm kê
- Kiểm kê đồ dùng vào cuối năm học, báo cáo Ban giám hiệu.
II. TỔ CHỨC THỰC HIỆN
- Giáo viên các lớp bảo quản đồ dùng của lớp.
- Tổ chuyên môn số 1 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 2 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 3 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 4 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 5 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 6 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
- Tổ chuyên môn số 7 họp định kỳ, rút kinh nghiệm việc sử dụng trong các giờ hoạt động.
Trên đây là kế hoạch quản lý, sử dụng đồ dùng, thiết bị dạy học năm học 2025-2026 của trường mầm non Hoa Sen, đề nghị giáo viên thực hiện./.
Nơi nhận:
- Ban giám hiệu;
- Lưu: VT.
"""


def test_framing_is_told_from_content():
    assert is_framing("Trên đây là kế hoạch năm học 2025-2026 của trường, đề nghị các lớp thực hiện./.")
    assert is_framing("Trường mầm non Hoa Sen xây dựng kế hoạch năm học 2025-2026 như sau:")
    assert is_framing("- Ban giám hiệu;\n- Lưu: VT.", "Nơi nhận")
    assert not is_framing("Kiểm kê đồ dùng vào cuối năm học, báo cáo Ban giám hiệu.")
    assert not is_framing("1. Thời gian:\nTừ ngày 15/9 đến 20/9/2025.")


@pytest.mark.parametrize("penalty, leads", [(search.FRAMING_PENALTY, "content"), (0.0, "framing")])
def test_the_paragraph_that_says_what_to_do_ranks_above_the_framing(tmp_path, monkeypatch, penalty, leads):
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    cv = Congvan(tmp_path / "home", embedder=SameVector())
    cv.ingest([tmp_path / "plan.txt"])
    monkeypatch.setattr(search, "FRAMING_PENALTY", penalty)
    searcher = cv._search()
    hits = searcher.search(understand("giáo viên thực hiện bảo quản đồ dùng thế nào", searcher.restorer()), k=5)
    first = hits[0].row
    assert is_framing(first["text"], first["path"] or "") == (leads == "framing")
