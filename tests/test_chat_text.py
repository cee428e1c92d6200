"""A channel without markup or buttons (as Zalo is), end to end on a real home: the service's
replies rendered from prompts/text/, choices numbered and answered with the number or the words."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.channels.plain_text import TextConversation
from bot.chat.service import ChatService
from bot.chat.store import ChatStore
from bot.core.clock import Clock

from .directives import two_schools, write_txt

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LIMIT = 2000


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    cv = two_schools(folder)
    service = ChatService(cv, ChatStore(folder / "chats.db"), {"zalo_bot": {"1"}},
                          Clock(TZ, lambda: datetime(2024, 12, 5, 9, 0, tzinfo=TZ)), no_files={"zalo_bot"})
    conversation = TextConversation(service, "zalo_bot", LIMIT)

    def say(chat_id: str, text: str, user: str | None = None) -> str:
        replies = conversation.reply(chat_id, user or chat_id, "cô Lan", text)
        assert replies and all(len(r) <= LIMIT and "<b>" not in r for r in replies)
        return "\n\n".join(replies)

    return say, conversation, folder


def test_a_teacher_picks_a_unit_by_number_and_reads_her_months_tasks(chat):
    say, _, _ = chat
    intro = say("7", "/start")
    assert "Cách hỏi" in intro and "/thang" not in intro
    numbered = dict(re.findall(r"^(\d+)\. (.+)$", intro, re.MULTILINE))
    assert "Trường MN Hoa Mai" in numbered.values() and "Gõ số để chọn" in intro
    hoa_mai = next(n for n, label in numbered.items() if label == "Trường MN Hoa Mai")
    assert "Đã chọn đơn vị: Trường MN Hoa Mai" in say("7", hoa_mai)
    tasks = say("7", "thang 12")
    assert "Nhiệm vụ tháng 12/2024 — Trường MN Hoa Mai" in tasks and "hạn trước 15/12/2024" in tasks
    assert "20/12/2024" not in tasks
    assert "còn 10 ngày" in say("7", "han")
    assert "Đã đăng ký" in say("7", "dang ky") and "Đã huỷ đăng ký" in say("7", "Hủy")


def test_an_answer_offers_its_sources_by_number_and_no_file_where_files_cannot_go(chat):
    say, _, _ = chat
    answer = say("8", "khi nao nop danh sach dang ky hoi thi be khoe be ngoan")
    assert "Nguồn" in answer and "Văn bản gốc" not in answer
    assert re.search(r"^1\. 📄 Xem nguyên văn", answer, re.MULTILINE)
    section = say("8", "1")
    assert section.startswith("📄 Kế hoạch") and "hội thi bé khỏe" in section
    assert "Cảm ơn" in say("8", "huu ich")
    offered = len(re.findall(r"^\d+\. (?:📄|👍|👎)", answer, re.MULTILINE))
    assert f"từ 1 đến {offered}" in say("8", str(offered + 1))


def test_an_admins_file_is_loaded_and_a_teachers_refused(chat):
    say, conversation, folder = chat
    (folder / "upload").mkdir()
    path = write_txt(folder / "upload" / "binh-minh.txt", school="BÌNH MINH", number="7/KH-MNBM")
    [refused] = conversation.receive("9", "9", path)
    assert "chỉ quản trị viên" in refused
    [loaded] = conversation.receive("1", "1", path)
    assert "Đã nạp" in loaded and "7/KH-MNBM" in loaded and "<b>" not in loaded
    listing = say("1", "van ban", user="1")
    assert "3 văn bản đã nạp" in listing and "xoá ID" in listing
