"""An upload that may be a new version of a loaded directive: the admin answers with a button,
replace #N or keep both, against the local fake Bot API server."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.api import Congvan

from .test_telegram import ADMIN, Clock, assert_telegram_html, buttons, run, running_bot

pytestmark = [pytest.mark.telegram, pytest.mark.model]


def plan(path: Path, body: list[str]) -> Path:
    """A numbered plan with no date or school year: a second one with the same number may or
    may not be a new version of it, which only a person can tell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["UBND QUẬN CẦU GIẤY", "TRƯỜNG MẦM NON HOA MAI", "Số: 45/KH-MNHM", "KẾ HOẠCH",
                               "Tổ chức hội thi bé khỏe bé ngoan", *body]), encoding="utf-8")
    return path


def test_an_upload_that_may_be_a_new_version_asks_replace_or_keep_both(tmp_path):
    cv = Congvan(tmp_path / "home")
    first = cv.ingest_file(plan(tmp_path / "a" / "hoi-thi.txt", [
        "1. Thời gian: tổ chức vào tuần 2 tháng 12, các lớp nộp danh sách trước ngày 5/12."]))
    moved = plan(tmp_path / "b" / "hoi-thi-moi.txt", [
        "1. Thời gian: tổ chức vào tuần 3 tháng 12 do thời tiết, các lớp nộp danh sách trước ngày 12/12.",
        "2. Địa điểm: sân trường."]).read_bytes()
    another = plan(tmp_path / "c" / "hoi-thi-khoi-la.txt", [
        "1. Đối tượng: trẻ khối lá, mỗi lớp cử năm cháu.", "2. Nội dung: bật xa, ném bóng, chạy tiếp sức."]).read_bytes()

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_document(ADMIN, "hoi-thi-moi.txt", moved)
            [_, asked] = await fake.wait_messages(ADMIN, 2, timeout=60)
            assert f"có thể là bản mới của <b>#{first.document_id} " in asked["text"]
            assert_telegram_html(asked["text"])
            choices = buttons(asked)
            assert set(choices) == {f"🔁 Thay #{first.document_id} bằng bản này", "➕ Giữ là văn bản mới"}
            assert len(cv.documents()) == 2  # added meanwhile, so it is never lost

            await fake.press(asked, choices[f"🔁 Thay #{first.document_id} bằng bản này"], user_id=801)
            await fake.wait_for(lambda calls: any(c.method == "answerCallbackQuery" and c.params.get("show_alert")
                                                  for c in calls))
            assert len(cv.documents()) == 2  # only an admin decides
            await fake.press(asked, choices[f"🔁 Thay #{first.document_id} bằng bản này"])
            await fake.wait_for(lambda calls: any(c.method == "editMessageText" for c in calls), timeout=60)
            replaced = fake.sent(ADMIN, method="editMessageText")[-1]["text"]
            assert "Đã cập nhật" in replaced and f"Bản cũ #{first.document_id}" in replaced
            [current] = cv.documents()
            assert current["file_name"] == "hoi-thi-moi.txt" and "ngày 12/12" in current["text"]
            assert [v["document_id"] for v in cv.history() if v["action"] == "replaced"] == [first.document_id]

            await fake.send_document(ADMIN, "hoi-thi-khoi-la.txt", another)
            [_, asked] = await fake.wait_messages(ADMIN, 2, after=2, timeout=60)
            await fake.press(asked, buttons(asked)["➕ Giữ là văn bản mới"])
            await fake.wait_for(lambda calls: len([c for c in calls if c.method == "editMessageText"]) == 2)
            kept = fake.sent(ADMIN, method="editMessageText")[-1]["text"]
            assert "Đã giữ" in kept and f"văn bản #{current['id']} không đổi" in kept
            assert sorted(d["file_name"] for d in cv.documents()) == ["hoi-thi-khoi-la.txt", "hoi-thi-moi.txt"]

    run(scenario())
