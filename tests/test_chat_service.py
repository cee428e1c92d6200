"""The channel-neutral chat layer on a real SQLite home: commands as teachers type them, choices
answered by number or label on a channel without buttons, admin rights, the outbox, and the chat
database carried forward from the Telegram-only layout."""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from bot.chat.commands import Command, match
from bot.chat.outbox import BLOCKED, DEFERRED, DELIVERED, RETRY, UNKNOWN, Delivery, Outbox
from bot.chat.replies import AnswerReply, FileReply, Legacy, Message, Source
from bot.chat.service import ChatService
from bot.chat.store import ChatKey, ChatStore, m001_telegram_tables
from bot.core.api import Congvan
from bot.core.clock import Clock

from .directives import two_schools, write_txt
from .conftest import HashEmbedder

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOA_MAI, SEN_HONG = "Trường MN Hoa Mai", "Trường MN Sen Hồng"
ADMIN = "900"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chat")
    cv = two_schools(folder)
    return cv, folder


@pytest.fixture
def service(library, tmp_path):
    cv, _ = library
    chats = ChatStore(tmp_path / "chats.db")
    clock = Clock(TZ, lambda: datetime(2024, 12, 5, 9, 0, tzinfo=TZ))
    return ChatService(cv, chats, {"zalo_bot": {ADMIN}, "telegram": {42}}, clock, reminder_days=3)


def texts(replies) -> list[str]:
    return [r.params.get("key", r.template) if isinstance(r, Message) else type(r).__name__ for r in replies]


def test_the_chat_layer_imports_no_channel_library():
    import ast
    from pathlib import Path

    forbidden = {"telegram", "httpx", "aiohttp", "typer", "rich"}
    for path in (Path(__file__).parent.parent / "bot" / "chat").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {node.module.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module and not node.level}
        assert not names & forbidden, (path.name, names & forbidden)


# -- the command matcher ------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("/donvi", Command("unit")), ("đơn vị", Command("unit", slash=False)), ("Don vi", Command("unit", slash=False)),
    ("/donvi mn hoa mai", Command("unit", "mn hoa mai")), ("đơn vị MN Hoa Mai", Command("unit", "MN Hoa Mai", False)),
    ("/thang 12", Command("month", "12")), ("tháng 12", Command("month", "12", False)),
    ("thang 12/2024", Command("month", "12/2024", False)), ("Tháng này", Command("month", "", False)),
    ("/han", Command("upcoming")), ("hạn", Command("upcoming", slash=False)), ("han", Command("upcoming", slash=False)),
    ("/dangky", Command("subscribe")), ("Đăng ký", Command("subscribe", slash=False)),
    ("dang ki", Command("subscribe", slash=False)), ("/huy", Command("unsubscribe")),
    ("huỷ", Command("unsubscribe", slash=False)), ("Hủy đăng ký", Command("unsubscribe", slash=False)),
    ("/vanban", Command("documents")), ("văn bản", Command("documents", slash=False)),
    ("/xoa 3", Command("remove", "3")), ("xoá 3", Command("remove", "3", False)), ("xoa #3", Command("remove", "3", False)),
    ("/hoi@congvan_bot hạn nộp?", Command("ask", "hạn nộp?")), ("/start", Command("start")),
])
def test_commands_are_matched_as_typed_with_or_without_diacritics(typed, expected):
    assert match(typed) == expected


@pytest.mark.parametrize("question", [
    "tháng 12 có việc gì?", "thang 12 co viec gi", "Hạn nộp báo cáo là khi nào?", "han nop bao cao",
    "đăng ký hội thi khi nào", "xoá mù chữ là gì", "văn bản nào nói về cân đo", "khi nào cân đo lần 2?",
])
def test_questions_that_start_like_a_command_stay_questions(question):
    assert match(question) is None


# -- a channel without buttons --------------------------------------------------------------------

def test_units_are_chosen_by_number_or_by_name_typed_without_diacritics(service):
    chat = ChatKey("zalo_bot", "u1")
    [menu] = service.handle_text(chat, "đơn vị")
    labels = [c.label for c in menu.choices]
    assert {HOA_MAI, SEN_HONG} <= set(labels) and texts([menu]) == ["unit_prompt"]
    [out_of_range] = service.handle_text(chat, str(len(labels) + 1))
    assert texts([out_of_range]) == ["choice_range"] and out_of_range.params["count"] == len(labels)
    [chosen] = service.handle_text(chat, str(labels.index(HOA_MAI) + 1))  # the menu was still offered
    assert texts([chosen]) == ["unit_set"] and chosen.params["unit"] == HOA_MAI
    assert service.unit_of(chat) == HOA_MAI
    assert texts(service.handle_text(chat, "2")) == ["AnswerReply"]  # no menu pending: "2" is a question

    service.handle_text(chat, "/donvi")
    [chosen] = service.handle_text(chat, "truong mn sen hong")
    assert chosen.params["unit"] == SEN_HONG and service.unit_of(chat) == SEN_HONG
    [unknown] = service.handle_text(chat, "/donvi trường không có thật")
    assert texts([unknown]) == ["unit_not_found"] and unknown.choices
    # "đơn vị" + words that name no unit, without the slash, is a question about units.
    assert texts(service.handle_text(chat, "đơn vị nào tổ chức hội thi bé khỏe")) == ["AnswerReply"]


def test_month_tasks_and_deadlines_follow_the_chats_unit(service):
    chat = ChatKey("zalo_bot", "u2")
    [needed] = service.handle_text(chat, "han")
    assert texts([needed]) == ["unit_needed"] and HOA_MAI in [c.label for c in needed.choices]
    service.handle_text(chat, str([c.label for c in needed.choices].index(HOA_MAI) + 1))
    [december] = service.handle_text(chat, "tháng 12")
    assert december.template == "tasks" and december.params["month"] == "12/2024"
    listed = [t["text"] for g in december.params["groups"] for t in g["tasks"]]
    assert any("hội thi bé khỏe" in t for t in listed) and len(december.params["groups"]) == 1  # Hoa Mai's only
    [upcoming] = service.handle_text(chat, "Hạn")
    assert [(t["due_label"], t["days_left"]) for t in upcoming.params["dated"]] == [("15/12/2024", 10)]
    assert texts(service.handle_text(chat, "/thang tháng mười")) == ["month_usage"]


def test_an_answers_sources_file_and_feedback_by_number_and_label(service):
    chat = ChatKey("zalo_bot", "u3")
    service.set_unit(chat, "hoa mai")
    [answer] = service.handle_text(chat, "Khi nào nộp danh sách đăng ký hội thi bé khỏe bé ngoan?", user="u3")
    assert isinstance(answer, AnswerReply) and answer.answer.citations
    labels = [c.label for c in answer.choices]
    assert labels[-2:] == ["👍 Hữu ích", "👎 Chưa đúng"]
    [source] = service.handle_text(chat, "1")
    assert isinstance(source, Source) and "hội thi bé khỏe" in source.section["text"]
    [original] = service.handle_text(chat, "số 2")
    assert isinstance(original, FileReply) and original.filename.endswith(".txt") and original.path.is_file()
    assert service.handle_text(chat, "chua dung", user="u3")[0].brief  # "👎 Chưa đúng" typed plain
    [row] = service.chats.db.query("select * from feedback")
    assert (row["channel"], row["chat_id"], row["verdict"]) == ("zalo_bot", "u3", "down")


def test_subscription_on_and_off_as_typed(service):
    chat = ChatKey("zalo_bot", "u4")
    assert texts(service.handle_text(chat, "Đăng ký")) == ["subscribed"]
    assert texts(service.handle_text(chat, "dang ky")) == ["already_subscribed"]
    assert service.chats.subscribers()[0]["key"] == chat
    assert texts(service.handle_text(chat, "hủy")) == ["unsubscribed"]
    assert texts(service.handle_text(chat, "huy")) == ["not_subscribed"] and not service.chats.subscribers()


# -- admins ---------------------------------------------------------------------------------------

def test_admin_rights_are_per_channel_and_checked_once(service, library):
    cv, folder = library
    teacher, admin = ChatKey("zalo_bot", "u5"), ChatKey("zalo_bot", ADMIN)
    assert not service.is_admin(ChatKey("zalo_bot", "42"), "42") and service.is_admin(ChatKey("telegram", "1"), "42")
    assert texts(service.handle_text(teacher, "văn bản", user="u5")) == ["admin_only"]
    assert texts(service.handle_text(teacher, "/xoa 1", user="u5")) == ["admin_only"]
    assert service.accept_upload(teacher, "u5", "ke-hoach.docx")[0] is False
    assert service.choose(teacher, "del:cancel", "u5")[0].alert
    [listing] = service.handle_text(admin, "van ban", user=ADMIN)
    assert listing.template == "documents" and len(listing.params["documents"]) == 2
    ok, replies = service.accept_upload(admin, ADMIN, "bang-tinh.xlsx")
    assert not ok and texts(replies) == ["unsupported_file"]
    ok, replies = service.accept_upload(admin, ADMIN, "ke-hoach.pdf", 30 * 1024 * 1024, limit_mb=20)
    assert not ok and texts(replies) == ["file_too_big"]
    ok, replies = service.accept_upload(admin, ADMIN, "ke-hoach.pdf", 1024, limit_mb=20)
    assert ok and texts(replies) == ["processing"]


def test_removal_is_confirmed_by_number_and_cancelled_by_typing_huy(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    doc = cv.ingest_file(write_txt(tmp_path / "tam-thoi.txt", school="TẠM THỜI", number="9/KH-MNTT"))
    service = ChatService(cv, ChatStore(tmp_path / "chats.db"), {"zalo_bot": {ADMIN}}, Clock(TZ))
    admin = ChatKey("zalo_bot", ADMIN)
    [confirm] = service.handle_text(admin, f"xoá {doc.document_id}", user=ADMIN)
    assert texts([confirm]) == ["remove_confirm"] and [c.label for c in confirm.choices] == ["🗑 Xoá", "Huỷ"]
    # "huy" answers the pending confirmation here, rather than unsubscribing.
    assert texts(service.handle_text(admin, "huy", user=ADMIN)) == ["remove_cancelled"]
    assert cv.document(doc.document_id) is not None
    service.handle_text(admin, f"/xoa {doc.document_id}", user=ADMIN)
    assert texts(service.handle_text(admin, "1", user=ADMIN)) == ["removed"] and cv.document(doc.document_id) is None


def test_an_upload_notifies_subscribers_of_every_channel(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest_file(write_txt(tmp_path / "hoa-mai.txt"))
    service = ChatService(cv, ChatStore(tmp_path / "chats.db"), {"zalo_oa": {ADMIN}}, Clock(TZ))
    for key in (ChatKey("telegram", "1"), ChatKey("zalo_bot", "b1")):
        service.handle_text(key, "dang ky")
    admin = ChatKey("zalo_oa", ADMIN)
    [report] = service.ingest_upload(admin, ADMIN, write_txt(tmp_path / "sen-hong.txt", school="SEN HỒNG",
                                                             number="12/KH-MNSH"))
    assert report.template == "ingest" and report.params["r"].action == "added"
    notices = service.chats.broadcasts("document")
    assert sorted(r["key"] for r in notices) == [ChatKey("telegram", "1"), ChatKey("zalo_bot", "b1")]
    assert notices[0]["payload"]["document"]["title"]


# -- the outbox -----------------------------------------------------------------------------------

class ScriptedSender:
    """A channel whose sends end as scripted per chat (delivered unless said otherwise)."""

    def __init__(self, channel: str, outcomes: dict[str, str] | None = None):
        self.channel, self.outcomes, self.sent = channel, outcomes or {}, []

    async def send(self, chat_id, reply):
        self.sent.append((chat_id, reply))
        return Delivery(self.outcomes.get(chat_id, DELIVERED), "scripted")


def test_digests_are_stored_as_data_and_rendered_at_delivery_once_per_channel(service):
    for chat_id in ("a", "b", "c", "d"):
        key = ChatKey("zalo_bot", chat_id)
        service.set_unit(key, "hoa mai")
        service.subscribe(key)
    service.set_unit(ChatKey("telegram", "t"), "hoa mai")
    service.subscribe(ChatKey("telegram", "t"))
    outbox = service.outbox
    first = date(2024, 12, 1)
    assert outbox.plan_digests(first) == 5 and outbox.plan_digests(first) == 0
    assert {r["payload"]["unit"] for r in service.chats.broadcasts("digest")} == {HOA_MAI}

    sender = ScriptedSender("zalo_bot", {"b": BLOCKED, "c": UNKNOWN, "d": RETRY})
    counts = asyncio.run(outbox.deliver(sender, first))
    assert [chat for chat, _ in sender.sent] == ["a", "b", "c", "d"]  # "d" not taken: the run stops there
    assert (counts["sent"], counts["blocked"], counts["unknown"], counts["planned"]) == (1, 1, 1, 1)
    digest = sender.sent[0][1]
    assert digest.template == "tasks" and digest.params["kind"] == "digest" and digest.params["month"] == "12/2024"
    assert service.chats.chat(ChatKey("zalo_bot", "b"))["active"] == 0

    again = ScriptedSender("zalo_bot")
    asyncio.run(outbox.deliver(again, first))
    assert [chat for chat, _ in again.sent] == ["d"]  # never twice, never the unknown one, not the blocked
    states = {r["chat_id"]: r["state"] for r in service.chats.broadcasts("digest")}
    assert states == {"a": "sent", "b": "blocked", "c": "unknown", "d": "sent", "t": "planned"}  # Telegram's waits


def test_a_deferred_broadcast_is_owed_again_when_the_user_writes(service):
    near, far = ChatKey("zalo_oa", "near"), ChatKey("zalo_oa", "far")
    for key in (near, far):
        service.set_unit(key, "hoa mai")
        service.subscribe(key)
    first = date(2024, 12, 1)
    service.outbox.plan_digests(first)
    outside_window = ScriptedSender("zalo_oa", {"far": DEFERRED})
    counts = asyncio.run(service.outbox.deliver(outside_window, first))
    assert (counts["sent"], counts["deferred"]) == (1, 1)  # the run went on past the deferred one
    assert not asyncio.run(service.outbox.deliver(ScriptedSender("zalo_oa"), first))["sent"]

    service.seen(far)  # "far" writes to the OA: inside the window again
    later = ScriptedSender("zalo_oa")
    asyncio.run(service.outbox.deliver(later, date(2024, 12, 3)))
    assert [chat for chat, _ in later.sent] == ["far"] and later.sent[0][1].params["kind"] == "digest"


# -- the chat database, carried forward -----------------------------------------------------------

def test_an_old_homes_chats_answers_feedback_and_broadcast_log_survive_the_upgrade(tmp_path):
    path = tmp_path / "congvan.db"
    old = sqlite_utils.Database(sqlite3.connect(path))
    m001_telegram_tables(old)  # the tables as the Telegram-only bot made them, with its rows
    old["telegram_chats"].insert({"chat_id": 101, "chat_type": "private", "title": "cô Lan", "unit": HOA_MAI,
                                  "subscribed": 1, "active": 1, "inactive_reason": "", "first_seen": "2024-11-01",
                                  "last_seen": "2024-11-20"})
    old["answers"].insert({"id": 7, "chat_id": 101, "user_id": 101, "question": "hạn?", "answer": "15/12",
                           "abstained": 0, "citations": "[]", "asked_at": "2024-11-20"})
    old["feedback"].insert({"answer_id": 7, "user_id": 101, "chat_id": 101, "verdict": "up", "question": "hạn?",
                            "answer": "15/12", "at": "2024-11-20"})
    for period, state in (("2024-11", "sent"), ("2024-12", "planned")):
        old["broadcast_log"].insert({"chat_id": 101, "kind": "digest", "period": period, "state": state,
                                     "text": f"📬 <b>Nhiệm vụ tháng {period}</b>", "expires_on": "2024-12-31",
                                     "planned_at": "2024-11-30", "attempts": 0, "error": "", "sent_at": ""})
    old.conn.commit()
    old.conn.close()

    store = ChatStore(path)
    lan = ChatKey("telegram", "101")
    chat = store.chat(lan)
    assert (chat["unit"], chat["subscribed"], chat["title"]) == (HOA_MAI, 1, "cô Lan")
    assert store.answer(7)["question"] == "hạn?" and store.answer(7)["channel"] == "telegram"
    assert [r["verdict"] for r in store.db.query("select * from feedback where chat_id = '101'")] == ["up"]
    assert not store.plan(lan, "digest", "2024-11", {"unit": HOA_MAI, "month": "2024-11"}, "2024-11-30")
    [owed] = store.planned("telegram")
    outbox = Outbox(None, store, 3)
    assert outbox.content(owed, date(2024, 12, 1)) == Legacy(format="telegram", text="📬 <b>Nhiệm vụ tháng 2024-12</b>")
    assert "telegram_chats" not in store.db.table_names()
    ChatStore(path)  # opening again applies nothing twice
    assert [m["name"] for m in store.db.query("select name from _sqlite_migrations")] == [
        "m001_telegram_tables", "m002_chats_by_channel"]


def test_admins_come_from_every_channels_setting():
    from bot.chat.service import admins_from
    from bot.core.config import Settings

    admins = admins_from(Settings(telegram_admins=frozenset({42}), zalo_oa_admins=frozenset({"8490"})))
    assert admins["telegram"] == {"42"} and admins["zalo_oa"] == {"8490"}
