"""The Telegram bot, end to end: the real python-telegram-bot Application, over HTTP, against a
local fake Bot API server (tests/fake_bot_api.py), on a real index of directives the tests write."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.core.api import Congvan
from bot.core.config import Settings, SettingsError, load_telegram_settings
from bot.chat.store import ChatKey, ChatStore
from bot.channels.telegram import build_application
from bot.channels.telegram_html import MESSAGE_LIMIT, answer_html, split_message, units
from tests.directives import directive_lines, write_txt
from tests.fake_bot_api import FakeBotApi

# python-telegram-bot's own RetryAfter warns about its future type when a 429 is parsed.
pytestmark = [pytest.mark.telegram, pytest.mark.model, pytest.mark.filterwarnings("ignore:.*retry_after.*")]

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN = 42
HOA_MAI = "Trường MN Hoa Mai"
QUESTION = "Khi nào nộp danh sách đăng ký hội thi bé khỏe bé ngoan?"


class Clock:
    def __init__(self, *args):
        self.value = datetime(*args, tzinfo=TZ)

    def set(self, *args):
        self.value = datetime(*args, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.value


def long_directive(path: Path, school: str = "BÌNH MINH", number: str = "7/KH-MNBM", deadline: str = "10/12/2024",
                   items: int = 60) -> Path:
    """A school plan of Đống Đa whose January list is longer than one Telegram message."""
    lines = directive_lines(school=school, number=number, deadline=deadline)
    lines = [line.replace("CẦU GIẤY", "ĐỐNG ĐA").replace("Cầu Giấy", "Đống Đa") for line in lines]
    at = lines.index("Nơi nhận:")
    items = [f"- Việc {i}: rà soát hồ sơ nhóm lớp số {i}, cập nhật sổ theo dõi trẻ, báo cáo tổ trưởng chuyên môn "
             f"& ban giám hiệu <đúng mẫu> trước khi tổng hợp;" for i in range(1, items + 1)]
    path.write_text("\n".join(lines[:at] + items + lines[at:]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three small directives: two schools of Cầu Giấy, one of Đống Đa with a very long section."""
    folder = tmp_path_factory.mktemp("telegram")
    cv = Congvan(folder / "home")
    files = [write_txt(folder / "hoa-mai.txt"),
             write_txt(folder / "sen-hong.txt", school="SEN HỒNG", number="12/KH-MNSH", deadline="20/12/2024"),
             long_directive(folder / "binh-minh.txt")]
    results = [cv.ingest_file(f) for f in files]
    assert [r.action for r in results] == ["added"] * 3, [r.reason for r in results]
    return cv, folder


@contextlib.asynccontextmanager
async def running_bot(cv: Congvan, clock: Clock, fake: FakeBotApi | None = None, **overrides):
    """A fake Bot API server and the real Application polling it."""
    own_fake = fake is None
    fake = fake or await FakeBotApi().start()
    settings = Settings(telegram_token=fake.token, telegram_admins=frozenset({ADMIN}),
                        telegram_api_url=fake.api_url, telegram_file_url=fake.file_url, **overrides)
    app = build_application(settings, cv, now=clock)
    try:
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            try:
                yield fake, app
            finally:
                if app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
    finally:
        for params in fake.sent():
            assert_telegram_html(params.get("text", ""))
        if own_fake:
            await fake.stop()


def run(coroutine):
    return asyncio.run(coroutine)


def assert_telegram_html(text: str) -> None:
    """Only tags Telegram knows, balanced and each on one line; every & and < escaped; under the limit."""
    assert units(text) <= MESSAGE_LIMIT, units(text)
    for line in text.split("\n"):
        stack = []
        for closing, tag in re.findall(r"<(/?)([a-z]+)>", line):
            assert tag in {"b", "i", "u", "s", "code", "pre", "blockquote"}, tag
            if closing:
                assert stack and stack.pop() == tag, line
            else:
                stack.append(tag)
        assert not stack, line
    bare = re.sub(r"</?[a-z]+>", "", text)
    assert "<" not in bare and ">" not in bare, text
    assert not re.search(r"&(?!(?:lt|gt|amp|quot|#\d+);)", bare), text


def buttons(params: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in params["reply_markup"]["inline_keyboard"] for b in row}


def log_states(cv: Congvan, kind: str) -> dict[int, str]:
    return {int(r["chat_id"]): r["state"] for r in ChatStore(cv.store.home / "congvan.db").broadcasts(kind, "telegram")}


def chat_row(store: ChatStore, chat_id: int) -> dict:
    return store.chat(ChatKey("telegram", str(chat_id)))


async def choose_unit_and_subscribe(fake: FakeBotApi, chat_id: int, unit_text: str = "hoa mai") -> None:
    before = len(fake.sent(chat_id))
    await fake.send_text(chat_id, f"/donvi {unit_text}")
    await fake.send_text(chat_id, "/dangky")
    replies = await fake.wait_messages(chat_id, 2, after=before)
    assert "Đã chọn đơn vị" in replies[0]["text"] and "Đã đăng ký" in replies[1]["text"]


# -- questions, answers and their buttons -------------------------------------------------------

def test_question_answer_sources_and_every_button(corpus):
    cv, folder = corpus

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(101, "/start")
            [intro] = await fake.wait_messages(101, 1)
            assert "gõ câu hỏi" in intro["text"] and "/dangky" in intro["text"]
            assert "/vanban" not in intro["text"]  # admin commands are shown to admins only
            assert HOA_MAI in buttons(intro)
            await fake.press(intro, buttons(intro)[HOA_MAI])
            await fake.wait_for(lambda calls: any(c.method == "editMessageText" for c in calls))
            edited = fake.sent(101, method="editMessageText")[-1]["text"]
            assert f"Đã chọn đơn vị: <b>{HOA_MAI}</b>" in edited

            await fake.send_text(101, QUESTION)
            [reply] = await fake.wait_messages(101, 1, after=1)
            lead, *rest = reply["text"].split("\n\n")
            # The answer first, in bold, the chosen unit's date before other schools' (each named).
            first_fact = next(line for line in lead.split("\n") if re.search(r"\d+/\d+/\d{4}", line))
            assert re.fullmatch(r"<b>[^<]*15/12/2024[^<]*Hoa Mai[^<]*</b>", first_fact), lead
            assert "Nguồn" in rest[0] and "Tháng 12/2024" in rest[0]
            assert "Kế hoạch số 45/KH-MNHM" in reply["text"]
            labels = {re.sub(r" \[\d\]$", "", k): v for k, v in reversed(buttons(reply).items())}  # source [1]
            assert {"📄 Xem nguyên văn", "📎 Văn bản gốc", "👍 Hữu ích", "👎 Chưa đúng"} <= set(labels)
            first_source = re.search(r"\[1\] (Kế hoạch số [^<]+)</b>", reply["text"]).group(1)
            first_file = {"45/KH-MNHM": "hoa-mai.txt", "12/KH-MNSH": "sen-hong.txt", "7/KH-MNBM": "binh-minh.txt"}[
                first_source.split()[3]]

            await fake.press(reply, labels["📄 Xem nguyên văn"])
            [section] = await fake.wait_messages(101, 1, after=2)
            assert "Tháng 12/2024" in section["text"] and first_source in section["text"]
            assert "<b>- Tổ chức hội thi bé khỏe bé ngoan cấp trường" in section["text"]  # the cited line
            assert "- Kiểm tra nội bộ." in section["text"]  # and the rest of the section, not bold

            await fake.press(reply, labels["📎 Văn bản gốc"])
            await fake.wait_for(lambda calls: fake.sent(101, method="sendDocument"))
            [sent_file] = fake.sent(101, method="sendDocument")
            assert sent_file["document"].filename == first_file
            assert sent_file["document"].data == (folder / first_file).read_bytes()

            await fake.press(reply, labels["👍 Hữu ích"])
            await fake.press(reply, labels["👎 Chưa đúng"])
            await fake.wait_for(lambda calls: len([c for c in calls if c.method == "answerCallbackQuery"
                                                   and c.params.get("text")]) >= 2)
        feedback = list(cv.store.db.query("select * from feedback where chat_id = 101"))
        assert len(feedback) == 1  # changing one's mind replaces the verdict
        assert feedback[0]["verdict"] == "down" and feedback[0]["question"] == QUESTION
        assert "15/12/2024" in feedback[0]["answer"]

    run(scenario())


def test_unknown_question_says_so_without_sources(corpus):
    cv, _ = corpus

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(102, "Mức phụ cấp thâm niên của nhân viên nấu ăn là bao nhiêu?")
            [reply] = await fake.wait_messages(102, 1)
            assert "Không tìm thấy" in reply["text"] and "Nguồn" not in reply["text"]
            assert set(buttons(reply)) == {"👍 Hữu ích", "👎 Chưa đúng"}

    run(scenario())


def test_a_slow_question_does_not_hold_another_chat_s_answer_and_a_chat_s_messages_keep_their_order(
        corpus, monkeypatch):
    import threading

    cv, _ = corpus
    slow = "Tháng 1 tổng kết học kỳ I khi nào?"
    other_answered = threading.Event()
    ask = cv.ask

    def held(question, *args, **kwargs):
        if question == slow:  # a question that takes long, on a busy machine or a large library
            other_answered.wait(15)
        return ask(question, *args, **kwargs)

    monkeypatch.setattr(cv, "ask", held)

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(301, slow)
            await fake.send_text(301, "/han")  # after the slow question, in the same chat
            await fake.send_text(302, QUESTION)
            [answer] = await fake.wait_messages(302, 1, timeout=10)
            assert "15/12/2024" in answer["text"]
            assert not fake.sent(301)  # the slow question is still being answered
            other_answered.set()
            first, second = await fake.wait_messages(301, 2)
            assert "Tổng kết học kỳ I" in first["text"] and "Nguồn" in first["text"]
            assert "Nguồn" not in second["text"]  # the deadlines, answered after the question before it

    run(scenario())


def test_long_section_is_split_under_the_limit_at_line_boundaries(corpus):
    cv, _ = corpus

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(103, "Việc 37 rà soát hồ sơ nhóm lớp số 37 cần làm gì?")
            [reply] = await fake.wait_messages(103, 1)
            await fake.press(reply, next(v for k, v in buttons(reply).items() if k.startswith("📄")))
            await fake.wait_for(lambda calls: len(fake.sent(103)) >= 3)
            await asyncio.sleep(0.3)
            parts = [p["text"] for p in fake.sent(103)[1:]]
            assert len(parts) >= 2 and all(units(p) <= MESSAGE_LIMIT for p in parts)
            joined = "\n".join(parts)
            # Every item arrives whole, escaped, in order: cut between lines, never inside one.
            items = re.findall(r"- Việc (\d+): .*? &amp; ban giám hiệu &lt;đúng mẫu&gt; trước khi tổng hợp;", joined)
            assert items == [str(i) for i in range(1, 61)]
            assert "<b>- Việc 37:" in joined

    run(scenario())


def test_answer_split_keeps_the_lead_first_and_each_source_whole():
    from bot.core.answer import Answer, Citation, Lead

    sentence = "Nộp báo cáo <tổng hợp> của GD&ĐT trước ngày 15/12; " * 30
    citations = [Citation(doc_id=i, file="f.txt", title=f"Kế hoạch số {i}/KH", issuer="Phòng GD&ĐT", number="",
                          date="2023-09-01", section=f"II > Tháng 12 > mục {i}", quote=sentence, start=0, end=1,
                          score=1.0, sentence=sentence) for i in range(1, 6)]
    lead = Lead(citation=0, doc_id=1, issuer="Phòng GD&ĐT", title="Kế hoạch số 1/KH", unit="", school_year="",
                sentence=sentence, kind="when", facts=["trước ngày 15/12"])
    parts = split_message(answer_html(Answer(question="q", abstained=False, leads=[lead], citations=citations)))
    assert len(parts) >= 2
    assert parts[0].startswith("<b>Trước ngày 15/12 — theo Phòng GD&amp;ĐT.</b>")
    for part in parts:
        assert_telegram_html(part)
    for i in range(1, 6):  # each source in exactly one message, whole
        holding = [p for p in parts if f"[{i}] Kế hoạch số {i}/KH" in p]
        assert len(holding) == 1 and f"mục {i}" in holding[0] and holding[0].count("&lt;tổng hợp&gt;") >= 30


def test_groups_answer_only_when_mentioned_or_asked_with_hoi(corpus):
    cv, _ = corpus

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            group = -1001
            await fake.send_text(group, QUESTION, user_id=201, chat_type="supergroup")
            await fake.send_text(group, f"@someone_else {QUESTION}", user_id=201)
            asked = await fake.send_text(group, f"@congvan_test_bot {QUESTION}", user_id=202)
            [reply] = await fake.wait_messages(group, 1)
            assert "15/12/2024" in reply["text"]
            assert reply["reply_parameters"]["message_id"] == asked["message"]["message_id"]  # quotes the asker
            await fake.send_text(group, f"/hoi@congvan_test_bot {QUESTION}", user_id=203)
            await fake.send_text(group, "/hoi", user_id=203)
            replies = await fake.wait_messages(group, 2, after=1)
            assert "15/12/2024" in replies[0]["text"] and "/hoi" in replies[1]["text"]
            await asyncio.sleep(0.5)
            assert len(fake.sent(group)) == 3  # the plain message and the other mention got nothing

    run(scenario())


# -- units, tasks, deadlines --------------------------------------------------------------------

def test_unit_by_name_and_tasks_of_that_unit_only(corpus):
    cv, _ = corpus
    clock = Clock(2024, 12, 5, 9, 0)

    async def scenario():
        async with running_bot(cv, clock) as (fake, _):
            await fake.send_text(301, "/han")
            [needed] = await fake.wait_messages(301, 1)
            assert "chưa chọn đơn vị" in needed["text"] and HOA_MAI in buttons(needed)
            await fake.send_text(301, "/donvi trường không có thật")
            [unknown] = await fake.wait_messages(301, 1, after=1)
            assert "Không tìm thấy đơn vị" in unknown["text"] and HOA_MAI in buttons(unknown)
            await fake.send_text(301, "/donvi mn hoa mai")
            [chosen] = await fake.wait_messages(301, 1, after=2)
            assert HOA_MAI in chosen["text"]

            await fake.send_text(301, "/thang")  # this month: December 2024
            await fake.send_text(301, "/thang 1/2025")
            await fake.send_text(301, "/han")
            await fake.send_text(301, "/thang tháng mười")
            december, january, upcoming, usage = await fake.wait_messages(301, 4, after=3)
            assert "tháng 12/2024" in december["text"] and "hội thi bé khỏe" in december["text"]
            assert "hạn trước 15/12/2024" in december["text"]
            assert "20/12/2024" not in december["text"]  # Sen Hồng's deadline is not Hoa Mai's
            assert "Tổng kết học kỳ I" in january["text"] and "hội thi" not in january["text"]
            assert "15/12/2024" in upcoming["text"] and "còn 10 ngày" in upcoming["text"]
            assert "20/12/2024" not in upcoming["text"]
            assert "/thang 12/2023" in usage["text"]

    run(scenario())


# -- subscriptions and broadcasts ---------------------------------------------------------------

def test_subscribe_digest_and_reminder_each_sent_once(corpus):
    cv, _ = corpus
    clock = Clock(2024, 11, 30, 20, 0)

    async def scenario():
        async with running_bot(cv, clock, reminder_days=3) as (fake, app):
            await choose_unit_and_subscribe(fake, 401)
            await fake.send_text(401, "/dangky")
            [again] = await fake.wait_messages(401, 1, after=2)
            assert "đã đăng ký rồi" in again["text"]
            await choose_unit_and_subscribe(fake, 402, "sen hong")
            await fake.send_text(402, "/huy")
            [bye] = await fake.wait_messages(402, 1, after=2)
            assert "Đã huỷ đăng ký" in bye["text"]

            [job] = app.job_queue.get_jobs_by_name("daily_broadcast")
            clock.set(2024, 12, 1, 7, 0)
            await job.run(app)
            [digest] = await fake.wait_messages(401, 1, after=3)
            assert "Nhiệm vụ tháng 12/2024" in digest["text"] and HOA_MAI in digest["text"]
            assert "hội thi bé khỏe" in digest["text"] and "hạn trước 15/12/2024" in digest["text"]

            clock.set(2024, 12, 12, 7, 0)  # three days before 15/12
            await job.run(app)
            [reminder] = await fake.wait_messages(401, 1, after=4)
            assert "Nhắc hạn: 15/12/2024" in reminder["text"] and "còn 3 ngày" in reminder["text"]
            assert "hội thi bé khỏe" in reminder["text"]

            await job.run(app)  # the same day again (a restart, the catch-up): nothing twice
            clock.set(2024, 12, 13, 7, 0)
            await job.run(app)
            await asyncio.sleep(0.3)
            assert len(fake.sent(401)) == 5
            assert len(fake.sent(402)) == 3  # unsubscribed: no digest, no reminder
        assert log_states(cv, "digest")[401] == "sent" and 402 not in log_states(cv, "digest")

    run(scenario())


def test_restart_in_the_middle_of_a_broadcast_sends_the_rest_once(corpus):
    cv, _ = corpus
    chats = [501, 502, 503, 504]
    clock = Clock(2025, 1, 1, 6, 30)

    def states():
        return {c: s for c, s in log_states(cv, "digest").items() if c in chats}

    async def scenario():
        fake = await FakeBotApi().start()
        try:
            async with running_bot(cv, clock, fake=fake) as (_, app):
                for chat in chats:
                    await choose_unit_and_subscribe(fake, chat)
                # A process killed while sending to 504 left its row "sending": it may have arrived.
                store = ChatStore(cv.store.home / "congvan.db")
                store.plan(ChatKey("telegram", "504"), "digest", "2025-01", {"unit": HOA_MAI, "month": "2025-01"},
                           "2025-01-31")
                store.set_state({"channel": "telegram", "chat_id": "504", "kind": "digest", "period": "2025-01",
                                 "attempts": 0}, "sending")
                fake.held[502] = asyncio.Event()  # the bot is stopped while this request hangs
                clock.set(2025, 1, 1, 7, 0)
                [job] = app.job_queue.get_jobs_by_name("daily_broadcast")
                broadcast = asyncio.create_task(job.run(app))
                await fake.wait_for(lambda calls: 502 in fake.holding)
            await broadcast  # the bot stopped: the in-flight request failed, the rest was left for later
            assert states() == {501: "sent", 502: "unknown", 503: "planned", 504: "unknown"}

            clock.set(2025, 1, 1, 9, 30)  # back the same day, after 07:00: the start-up catch-up sends the rest
            async with running_bot(cv, clock, fake=fake):
                await fake.wait_messages(503, 1, after=2)
            async with running_bot(cv, clock, fake=fake):  # and once more: nothing new
                await asyncio.sleep(1.0)
        finally:
            await fake.stop()
        digests = {c: [p for p in fake.sent(c) if "Nhiệm vụ tháng 1/2025" in p["text"]] for c in chats}
        assert [len(digests[c]) for c in chats] == [1, 0, 1, 0]
        attempts = [c for c in fake.calls if c.params.get("chat_id") == 502 and "Nhiệm vụ" in c.params.get("text", "")]
        assert len(attempts) == 1  # the interrupted message was not sent again
        assert states() == {501: "sent", 502: "unknown", 503: "sent", 504: "unknown"}

    run(scenario())


def test_rate_limit_is_retried_and_a_blocked_user_is_marked_inactive(corpus):
    cv, _ = corpus
    clock = Clock(2024, 12, 1, 6, 0)

    async def scenario():
        async with running_bot(cv, clock) as (fake, app):
            for chat in (601, 602, 603, 604):
                await choose_unit_and_subscribe(fake, chat)
            fake.rate_limits[601] = [1]
            fake.blocked.add(602)  # blocked the bot without the bot hearing of it
            await fake.block_bot(604)  # blocked it, and Telegram told the bot
            store = ChatStore(cv.store.home / "congvan.db")
            await fake.wait_for(lambda calls: chat_row(store, 604)["active"] == 0)
            clock.set(2024, 12, 1, 7, 0)
            [job] = app.job_queue.get_jobs_by_name("daily_broadcast")
            await job.run(app)
            limited = [c for c in fake.calls if c.params.get("chat_id") == 601 and c.method == "sendMessage"][-2:]
            assert [c.status for c in limited] == [429, 200]
            assert limited[1].at - limited[0].at >= 1.0  # waited retry_after before trying again
            assert "Nhiệm vụ tháng 12/2024" not in str(fake.sent(602))
            assert "Nhiệm vụ tháng 12/2024" in fake.sent(603)[-1]["text"]  # the run went on past the blocked user
            assert chat_row(store, 602)["active"] == 0 and "blocked" in chat_row(store, 602)["inactive_reason"]
            assert log_states(cv, "digest")[602] == "blocked"
            assert 604 not in log_states(cv, "digest") and not fake.sent(604, status=403)  # not even tried

            fake.blocked.discard(602)
            await fake.send_text(602, "/start")  # writing again means they unblocked the bot
            await fake.wait_messages(602, 1, after=2)
            assert chat_row(store, 602)["active"] == 1

    run(scenario())


# -- admins -------------------------------------------------------------------------------------

def test_uploads_by_admin_and_refusals_for_others(corpus):
    cv, folder = corpus
    new_file = long_directive(folder / "ke-hoach-hoa-sen.txt", school="HOA SEN", number="3/KH-MNHS",
                              deadline="05/12/2024", items=120)
    count = len(cv.documents())

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(701, "/dangky")  # subscribed without choosing a unit: hears of every directive
            [subscribed] = await fake.wait_messages(701, 1)
            assert "chưa chọn đơn vị" in subscribed["text"]
            await choose_unit_and_subscribe(fake, 704)  # Hoa Mai, in another district than Hoa Sen
            await fake.send_document(702, "ke-hoach-hoa-sen.txt", new_file.read_bytes(), user_id=702)
            [refused] = await fake.wait_messages(702, 1)
            assert "chỉ quản trị viên" in refused["text"]
            assert len(cv.documents()) == count and not [c for c in fake.calls if c.method == "getFile"]

            await fake.send_text(703, QUESTION)
            await fake.wait_messages(703, 1)
            await fake.send_document(ADMIN, "ke-hoach-hoa-sen.txt", new_file.read_bytes())
            await fake.send_text(703, QUESTION)  # asked again while the upload is being embedded
            [processing] = await fake.wait_messages(ADMIN, 1)
            assert "Đang xử lý «ke-hoach-hoa-sen.txt»" in processing["text"]
            [summary] = await fake.wait_messages(ADMIN, 1, after=1, timeout=60)
            assert "Đã nạp" in summary["text"] and "Trường MN Hoa Sen" in summary["text"]
            assert "Số: 3/KH-MNHS" in summary["text"] and re.search(r"Mục: \d+ · đoạn: \d+", summary["text"])
            answered, summarised = fake.sent(703)[1]["_message"], summary["_message"]
            assert answered["message_id"] < summarised["message_id"]  # answered while the upload was processed
            assert len(cv.documents()) == count + 1

            await fake.send_document(ADMIN, "ke-hoach-hoa-sen.txt",
                                     new_file.read_bytes().replace(b"05/12/2024", b"06/12/2024"))
            [_, updated] = await fake.wait_messages(ADMIN, 2, after=2, timeout=60)
            assert "Đã cập nhật" in updated["text"] and len(cv.documents()) == count + 1

            await fake.send_document(ADMIN, "bang-tinh.xlsx", b"PK\x03\x04")
            await fake.send_document(ADMIN, "hong.pdf", b"%PDF-1.4 not really a pdf")
            unsupported, _, failed = await fake.wait_messages(ADMIN, 3, after=4, timeout=60)
            assert ".docx, .doc, .pdf hoặc .txt" in unsupported["text"]
            assert "Không nạp được «hong.pdf»" in failed["text"] and len(cv.documents()) == count + 1

            notices = [p["text"] for p in fake.sent(701) if "Văn bản mới" in p["text"]]
            assert len(notices) == 2 and "Trường MN Hoa Sen" in notices[0]  # added, then updated
            assert not [p for p in fake.sent(704) if "Văn bản mới" in p["text"]]  # not for Hoa Mai

    run(scenario())


def test_list_and_remove_documents_admin_only_after_confirmation(corpus):
    cv, folder = corpus
    extra = cv.ingest_file(write_txt(folder / "tam-thoi.txt", school="TẠM THỜI", number="9/KH-MNTT"))
    assert extra.action == "added"

    async def scenario():
        async with running_bot(cv, Clock(2024, 11, 20, 9, 0)) as (fake, _):
            await fake.send_text(801, "/vanban", user_id=801)
            await fake.send_text(801, f"/xoa {extra.document_id}", user_id=801)
            refusals = await fake.wait_messages(801, 2)
            assert all("chỉ quản trị viên" in r["text"] for r in refusals)
            await fake.send_text(802, "/donvi mn tạm thời")
            await fake.send_text(802, QUESTION)
            _, answer = await fake.wait_messages(802, 2)
            assert re.search(r"\[1\] Kế hoạch số 9/KH-MNTT", answer["text"])  # the unit's own plan first

            await fake.send_text(ADMIN, "/vanban")
            [listing] = await fake.wait_messages(ADMIN, 1)
            assert f"<b>#{extra.document_id}</b>" in listing["text"] and "9/KH-MNTT" in listing["text"]
            await fake.send_text(ADMIN, f"/xoa {extra.document_id}")
            [confirm] = await fake.wait_messages(ADMIN, 1, after=1)
            assert "Xoá văn bản" in confirm["text"]
            await fake.press(confirm, buttons(confirm)["🗑 Xoá"], user_id=801)  # someone else presses it
            await fake.wait_for(lambda calls: any(c.method == "answerCallbackQuery" and c.params.get("show_alert")
                                                  for c in calls))
            assert cv.document(extra.document_id) is not None
            await fake.press(confirm, buttons(confirm)["🗑 Xoá"])
            await fake.wait_for(lambda calls: any(c.method == "editMessageText" for c in calls))
            assert "Đã xoá" in fake.sent(ADMIN, method="editMessageText")[-1]["text"]
            assert cv.document(extra.document_id) is None
            await fake.press(answer, buttons(answer)["📄 Xem nguyên văn [1]"], user_id=802)
            await fake.press(answer, buttons(answer)["📎 Văn bản gốc [1]"], user_id=802)
            gone = await fake.wait_messages(802, 2, after=2)
            assert all("đã được cập nhật hoặc xoá" in g["text"] for g in gone)
            assert not fake.sent(802, method="sendDocument")
            await fake.send_text(ADMIN, "/xoa 9999")
            [missing] = await fake.wait_messages(ADMIN, 1, after=2)
            assert "Không có văn bản 9999" in missing["text"]

    run(scenario())


# -- running it -------------------------------------------------------------------------------

def test_webhook_takes_updates_only_with_the_secret_token(corpus):
    cv, _ = corpus

    async def scenario():
        fake = await FakeBotApi().start()
        settings = Settings(telegram_token=fake.token, telegram_api_url=fake.api_url, telegram_file_url=fake.file_url)
        app = build_application(settings, cv, now=Clock(2024, 11, 20, 9, 0))
        port = _free_port()
        update = {"update_id": 1, "message": {"message_id": 5, "date": int(time.time()), "text": "/start",
                                              "chat": {"id": 901, "type": "private", "first_name": "A"},
                                              "from": fake.user(901),
                                              "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        try:
            async with app:
                await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                                webhook_url="https://bot.example.vn/telegram",
                                                secret_token="s3cret-Token")
                await app.start()
                [hook] = [c.params for c in fake.calls if c.method == "setWebhook"]
                assert hook["secret_token"] == "s3cret-Token" and hook["url"] == "https://bot.example.vn/telegram"
                async with aiohttp.ClientSession() as http:
                    url = f"http://127.0.0.1:{port}/telegram"
                    wrong = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                    assert wrong.status == 403
                    right = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"})
                    assert right.status == 200
                [intro] = await fake.wait_messages(901, 1)
                assert "gõ câu hỏi" in intro["text"]
                await asyncio.sleep(0.3)
                assert len(fake.sent(901)) == 1  # the update without the secret was dropped
                await app.updater.stop()
                await app.stop()
        finally:
            await fake.stop()

    run(scenario())


def test_congvan_serve_telegram_polls_with_settings_from_a_dotenv_file(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        fake = await FakeBotApi().start()
        env_file = tmp_path / ".env"
        env_file.write_text(f"CONGVAN_TELEGRAM_TOKEN={fake.token}\nCONGVAN_TELEGRAM_ADMINS={ADMIN}\n"
                            f"CONGVAN_TELEGRAM_API_URL={fake.api_url}\nCONGVAN_TELEGRAM_FILE_URL={fake.file_url}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONGVAN_")}
        process = await asyncio.create_subprocess_exec(
            str(ROOT / ".venv" / "bin" / "congvan") if (ROOT / ".venv").exists() else sys.executable,
            *([] if (ROOT / ".venv").exists() else ["-m", "bot.channels.cli"]),
            "serve", "telegram", "--home", str(cv.store.home), "--env-file", str(env_file),
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            await fake.send_text(ADMIN, "/start")
            [intro] = await fake.wait_messages(ADMIN, 1, timeout=30)
            assert "/vanban" in intro["text"]  # the admin id came from the .env file
            assert [c for c in fake.calls if c.method == "setMyCommands"]
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
            await fake.stop()
        assert process.returncode == 0, output.decode()
        assert "long polling" in output.decode()

    run(scenario())


def test_settings_from_environment_and_their_errors(tmp_path):
    settings = load_telegram_settings(environ={
        "CONGVAN_TELEGRAM_TOKEN": "1:abc", "CONGVAN_TELEGRAM_ADMINS": "12, 34 ;56", "CONGVAN_REMINDER_DAYS": "5"})
    assert settings.telegram_admins == {12, 34, 56} and settings.reminder_days == 5
    assert str(settings.timezone) == "Asia/Ho_Chi_Minh" and settings.broadcast_time.hour == 7
    for bad in ({}, {"CONGVAN_TELEGRAM_ADMINS": "anh Nam"}, {"CONGVAN_TIMEZONE": "Hanoi"},
                {"CONGVAN_REMINDER_DAYS": "-1"}, {"CONGVAN_TELEGRAM_WEBHOOK_URL": "https://x.vn/hook"}):
        environ = {"CONGVAN_TELEGRAM_TOKEN": "1:abc", **bad} if bad else {}
        with pytest.raises(SettingsError):
            load_telegram_settings(environ=environ)

    env_file = tmp_path / ".env"
    env_file.write_text("CONGVAN_TELEGRAM_TOKEN=from-file\nCONGVAN_REMINDER_DAYS=2\n")
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CONGVAN_")}
    try:
        os.environ["CONGVAN_REMINDER_DAYS"] = "4"  # the environment wins over the file
        settings = load_telegram_settings(env_file)
        assert settings.telegram_token == "from-file" and settings.reminder_days == 4
    finally:
        for k in [k for k in os.environ if k.startswith("CONGVAN_")]:
            del os.environ[k]
        os.environ.update(saved)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
