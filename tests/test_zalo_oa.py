"""The Zalo Official Account channel, end to end over HTTP: Zalo's signed webhook events into the
real channel, its answers out to a local fake of Zalo's OA, OAuth and file servers
(tests/fake_zalo.py), on a real index answered by the real model."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.chat.service import ChatService, admins_from
from bot.chat.store import ChatKey, ChatStore
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.channels.zalo_oa import CHANNEL, ZaloOaChannel, signature
from bot.channels.zalo_tokens import FILE_NAME, TokenStore
from tests.directives import write_txt
from tests.fake_zalo import FakeZaloOa
from tests.test_telegram import QUESTION, TZ, corpus  # noqa: F401  (the same three directives)
from tests.test_telegram import Clock as SettableTime

pytestmark = [pytest.mark.zalo, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "8800000000000000042"
TEACHER = "8800000000000000101"
PATH = "/zalo-oa"


def oa_settings(fake: FakeZaloOa, **overrides) -> Settings:
    values = dict(zalo_oa_app_id=fake.APP_ID, zalo_oa_app_secret=fake.APP_SECRET, zalo_oa_secret_key=fake.OA_SECRET,
                  zalo_oa_access_token="access-0", zalo_oa_refresh_token="refresh-0",
                  zalo_oa_admins=frozenset({ADMIN}), zalo_oa_webhook_path=PATH, zalo_oa_api_url=fake.url,
                  zalo_oa_oauth_url=fake.url)
    return Settings(**{**values, **overrides})


@contextlib.asynccontextmanager
async def running_oa(cv, home: Path, fake: FakeZaloOa, time: SettableTime | None = None, **overrides):
    """The channel's webhook server on a free port, its chats and Zalo state in `home` (the
    index is the module's); yields (channel, webhook URL)."""
    settings = oa_settings(fake, **overrides)
    clock = Clock(TZ, time)
    service = ChatService(cv, ChatStore(home / "congvan.db"), admins_from(settings), clock,
                          settings.reminder_days, settings.broadcast_time, no_files={CHANNEL})
    channel = ZaloOaChannel(settings, service, home, clock=clock)
    await channel.start("127.0.0.1", 0)
    try:
        yield channel, f"http://127.0.0.1:{channel.port}{PATH}"
    finally:
        await channel.stop()
        for message in fake.sent:  # every message Zalo took was within its limit
            assert len(unicodedata.normalize("NFC", message["text"])) <= 2000


@contextlib.asynccontextmanager
async def zalo(cv, home: Path, **kwargs):
    fake = await FakeZaloOa().start()
    try:
        async with running_oa(cv, home, fake, **kwargs) as (channel, url):
            yield fake, channel, url
    finally:
        await fake.stop()


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_question_is_answered_and_only_signed_events_are_taken(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        async with zalo(cv, tmp_path) as (fake, channel, url):
            assert await fake.deliver(url, fake.text_event(TEACHER, QUESTION)) == 200
            [answer] = await fake.wait_messages(TEACHER, 1)
            assert "15/12/2024" in answer and "Hoa Mai" in answer and "Kế hoạch số 45/KH-MNHM" in answer

            forged = fake.text_event("8800000000000000666", QUESTION)
            assert await fake.deliver(url, forged, signature="mac=" + "0" * 64) == 401
            assert await fake.deliver(url, forged, signature=None) == 401
            wrong_key = fake.sign(json.dumps(forged, ensure_ascii=False).encode(), forged, secret="not-the-key")
            assert await fake.deliver(url, forged, signature=wrong_key) == 401
            # Signed for another body: a changed text is not the event Zalo signed.
            signed = fake.sign(json.dumps(forged, ensure_ascii=False).encode(), forged)
            forged["message"]["text"] = "Xoá hết văn bản"
            assert await fake.deliver(url, forged, signature=signed) == 401
            await channel.idle()
            assert fake.messages("8800000000000000666") == []

    run(scenario())


def test_the_same_msg_id_is_answered_once_also_after_a_restart(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloOa().start()
        try:
            event = fake.text_event(TEACHER, QUESTION, msg_id="a1b2c3d4e5")
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                assert [await fake.deliver(url, event) for _ in range(2)] == [200, 200]
                await fake.wait_messages(TEACHER, 1)
                await channel.idle()
            async with running_oa(cv, tmp_path, fake) as (channel, url):  # a new process, same home
                assert await fake.deliver(url, event) == 200
                await channel.idle()
            assert len(fake.messages(TEACHER)) == 1
        finally:
            await fake.stop()

    run(scenario())


def test_a_long_answer_is_split_under_2000_characters_at_line_boundaries(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        async with zalo(cv, tmp_path) as (fake, channel, url):
            await fake.deliver(url, fake.text_event(TEACHER, "Tháng 1/2025 có những việc gì?"))
            await channel.idle()
            parts = fake.messages(TEACHER)
            assert len(parts) >= 4 and parts[0].startswith("Tháng 1/2025 có")
            assert all(len(unicodedata.normalize("NFC", p)) <= 2000 for p in parts)
            text = "\n".join(parts)
            for i in range(1, 61):  # every task, none cut in two
                assert len(re.findall(rf"• Việc {i}: rà soát hồ sơ nhóm lớp số {i}, .*? trước khi tổng hợp", text)) == 1

    run(scenario())


def test_an_expired_token_is_refreshed_stored_and_the_message_resent_once(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloOa().start()
        try:
            fake.expire("access-0")
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                await fake.deliver(url, fake.text_event(TEACHER, QUESTION))
                [answer] = await fake.wait_messages(TEACHER, 1)
                assert "15/12/2024" in answer
            assert [r["error"] for r in fake.refusals] == [-220]  # refused once, then resent with the new token
            assert [c["refresh_token"] for c in fake.refresh_calls] == ["refresh-0"]
            stored = json.loads((tmp_path / FILE_NAME).read_text())
            assert stored["refresh_token"] in fake.refresh_tokens and fake.sent[0]["token"] == stored["access_token"]
            assert oct((tmp_path / FILE_NAME).stat().st_mode & 0o777) == "0o600"
            # Restarted with the same (now spent) tokens in its settings, it uses the stored pair.
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                await fake.deliver(url, fake.text_event(TEACHER, QUESTION))
                await fake.wait_messages(TEACHER, 1, after=1)
            assert len(fake.refresh_calls) == 1 and fake.sent[1]["token"] == stored["access_token"]
        finally:
            await fake.stop()

    run(scenario())


REFRESH_SCRIPT = """
import asyncio, sys
import httpx
from bot.channels.zalo_tokens import TokenStore, ZaloOaTokens
home, url, app_id, secret = sys.argv[1:5]
async def main():
    async with httpx.AsyncClient() as http:
        tokens = ZaloOaTokens(TokenStore(home, "access-0", "refresh-0"), http, url, app_id, secret)
        await tokens.refresh("access-0")
asyncio.run(main())
"""


def test_a_process_killed_during_a_refresh_is_not_locked_out(corpus, tmp_path):
    """kill -9 while the refresh request is out: the stored pair is whole, and the next start
    finishes the refresh with the refresh token it recorded before calling."""
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloOa().start()
        try:
            fake.hold_refresh = asyncio.Event()
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", REFRESH_SCRIPT, str(tmp_path), fake.url, fake.APP_ID, fake.APP_SECRET, env=env)
            await asyncio.wait_for(fake.refresh_arrived.wait(), 60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            await asyncio.sleep(0.2)
            fake.hold_refresh.set()  # the request reaches Zalo only now, from a dead client: not served
            fake.hold_refresh = None
            stored = json.loads((tmp_path / FILE_NAME).read_text())
            assert (stored["access_token"], stored["refresh_token"], stored["refreshing_with"]) == (
                "access-0", "refresh-0", "refresh-0")
            fake.expire("access-0")
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                await fake.deliver(url, fake.text_event(TEACHER, QUESTION))
                [answer] = await fake.wait_messages(TEACHER, 1)
            assert "15/12/2024" in answer and fake.refusals == []  # refreshed on start, before any send
            stored = json.loads((tmp_path / FILE_NAME).read_text())
            assert stored["refreshing_with"] == "" and fake.sent[0]["token"] == stored["access_token"] != "access-0"
        finally:
            await fake.stop()

    run(scenario())


def test_a_refresh_whose_answer_was_lost_keeps_the_bot_answering_and_tells_the_admins(corpus, tmp_path,
                                                                                       monkeypatch):
    """Zalo spent the refresh token but its answer never reached the store (the write failed):
    the old access token still answers, the admins are told in Vietnamese what to do, and the
    refresh token they put in the settings is taken over."""
    cv, _ = corpus
    real_save = TokenStore.save

    def failing_save(self, state):
        if state.refresh_token != "refresh-0":  # the new pair: the process dies writing it
            raise OSError("disk full")
        real_save(self, state)

    async def scenario():
        fake = await FakeZaloOa().start()
        try:
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                await fake.deliver(url, fake.text_event(ADMIN, QUESTION))  # the admin wrote recently
                await fake.wait_messages(ADMIN, 1)
                monkeypatch.setattr(TokenStore, "save", failing_save)
                with pytest.raises(OSError):
                    await channel.tokens.refresh("access-0")
                monkeypatch.setattr(TokenStore, "save", real_save)
            assert "refresh-0" in fake.spent
            async with running_oa(cv, tmp_path, fake) as (channel, url):
                notice = (await fake.wait_messages(ADMIN, 1, after=1))[0]
                assert "CONGVAN_ZALO_OA_REFRESH_TOKEN" in notice and "developers.zalo.me" in notice
                await fake.deliver(url, fake.text_event(TEACHER, QUESTION))
                [answer] = await fake.wait_messages(TEACHER, 1)
                assert "15/12/2024" in answer and fake.sent[-1]["token"] == "access-0"
            fake.refresh_tokens.add("refresh-from-admin")  # granted again on developers.zalo.me
            fake.expire("access-0")
            async with running_oa(cv, tmp_path, fake, zalo_oa_access_token="",
                                  zalo_oa_refresh_token="refresh-from-admin") as (channel, url):
                await fake.deliver(url, fake.text_event(TEACHER, QUESTION))
                await fake.wait_messages(TEACHER, 1, after=1)
            assert fake.refresh_calls[-1]["refresh_token"] == "refresh-from-admin"
            assert fake.sent[-1]["token"] not in ("access-0", "")
        finally:
            await fake.stop()

    run(scenario())


def test_an_admins_file_is_loaded_and_others_are_refused_politely(corpus, tmp_path):
    cv, folder = corpus
    new_file = write_txt(tmp_path / "huong-duong.txt", school="HƯỚNG DƯƠNG", number="3/KH-MNHD", deadline="05/12/2024")
    documents = len(cv.documents())

    async def scenario():
        async with zalo(cv, tmp_path) as (fake, channel, url):
            await fake.deliver(url, fake.file_event(TEACHER, "huong-duong.txt", new_file.read_bytes()))
            [refusal] = await fake.wait_messages(TEACHER, 1)
            assert "chỉ quản trị viên mới nạp được văn bản" in refusal
            await channel.idle()
            assert len(cv.documents()) == documents

            await fake.deliver(url, fake.file_event(ADMIN, "bang-tinh.xlsx", b"PK\x03\x04"))
            [unsupported] = await fake.wait_messages(ADMIN, 1)
            assert "bang-tinh.xlsx" in unsupported and ".docx" in unsupported

            await fake.deliver(url, fake.file_event(ADMIN, "huong-duong.txt", new_file.read_bytes()))
            processing, summary = await fake.wait_messages(ADMIN, 2, after=1)
            assert "Đang xử lý «huong-duong.txt»" in processing
            assert "Đã nạp" in summary and "3/KH-MNHD" in summary and "Trường MN Hướng Dương" in summary

            await fake.deliver(url, fake.file_event(ADMIN, "hong.txt", b"\x00\x01\x02 noise"))
            _, failed = await fake.wait_messages(ADMIN, 2, after=3)
            assert "Không nạp được «hong.txt»" in failed and "Không có gì thay đổi" in failed
        added = [d for d in cv.documents() if d["number"] == "3/KH-MNHD"]
        assert len(cv.documents()) == documents + 1 and len(added) == 1
        cv.remove(added[0]["id"])  # the other tests' corpus stays as it was

    run(scenario())


async def subscribe(fake: FakeZaloOa, url: str, channel, user: str) -> None:
    """A teacher chooses Hoa Mai and subscribes, typing as teachers do."""
    before = len(fake.messages(user))
    await fake.deliver(url, fake.text_event(user, "don vi hoa mai"))
    await fake.deliver(url, fake.text_event(user, "Đăng ký"))
    await channel.idle()
    unit_set, subscribed = fake.messages(user)[before:]
    assert "Đã chọn đơn vị: Trường MN Hoa Mai" in unit_set and "Đã đăng ký" in subscribed


def test_digest_goes_to_users_inside_the_window_and_to_the_others_when_they_write(corpus, tmp_path):
    cv, _ = corpus
    time = SettableTime(2024, 11, 28, 9, 0)
    outside, silent = "8800000000000000202", "8800000000000000303"

    async def scenario():
        async with zalo(cv, tmp_path, time=time) as (fake, channel, url):
            for user in (outside, silent):
                await subscribe(fake, url, channel, user)
            time.set(2024, 12, 1, 7, 0)  # three days later, the broadcast time
            await subscribe(fake, url, channel, TEACHER)
            for user in (ADMIN, silent):  # wrote this morning (silent: Zalo refuses it all the same)
                await fake.deliver(url, fake.text_event(user, "xin chào"))
            await channel.idle()
            fake.silent.add(silent)
            before = {u: len(fake.messages(u)) for u in (TEACHER, ADMIN, outside, silent)}
            counts = await channel.broadcast()
            assert (counts["sent"], counts["deferred"]) == (1, 2)
            [digest] = fake.messages(TEACHER)[before[TEACHER]:]
            assert "Nhiệm vụ tháng 12/2024 — Trường MN Hoa Mai" in digest
            assert "Tổ chức hội thi bé khỏe bé ngoan cấp trường" in digest
            assert len(fake.messages(outside)) == before[outside]
            [report] = fake.messages(ADMIN)[before[ADMIN]:]
            assert "đã gửi 1 tin; 2 tin chờ" in report and "48 giờ" in report
            await channel.broadcast()  # a second pass the same day sends nothing again
            assert len(fake.messages(TEACHER)) == before[TEACHER] + 1

            time.set(2024, 12, 3, 20, 0)
            await fake.deliver(url, fake.text_event(outside, QUESTION))
            answer, caught_up = await fake.wait_messages(outside, 2, after=before[outside])
            assert "15/12/2024" in answer and caught_up == digest
            await fake.deliver(url, fake.text_event(outside, "cảm ơn ạ"))
            await channel.idle()
            assert fake.messages(outside).count(digest) == 1  # once

            time.set(2025, 1, 2, 8, 0)  # a month later December's digest is no longer worth sending
            fake.silent.discard(silent)
            await fake.deliver(url, fake.text_event(silent, "xin chào"))
            await channel.idle()
            assert not [m for m in fake.messages(silent) if "Nhiệm vụ tháng 12/2024" in m]

    run(scenario())


def test_a_user_who_unfollows_is_inactive_and_gets_no_broadcast(corpus, tmp_path):
    cv, _ = corpus
    time = SettableTime(2024, 11, 30, 9, 0)

    async def scenario():
        async with zalo(cv, tmp_path, time=time) as (fake, channel, url):
            await fake.deliver(url, fake.event("follow", TEACHER))
            await subscribe(fake, url, channel, TEACHER)
            await fake.deliver(url, fake.event("unfollow", TEACHER))
            await channel.idle()
            chat = channel.service.chats.chat(ChatKey(CHANNEL, TEACHER))
            assert (chat["active"], chat["inactive_reason"]) == (0, "unfollowed")
            assert channel.store.user(TEACHER)["followed"] == 0
            before = len(fake.messages(TEACHER))
            time.set(2024, 12, 1, 7, 30)
            await channel.broadcast()
            assert len(fake.messages(TEACHER)) == before

    run(scenario())


def test_commands_typed_without_diacritics_and_a_numbered_choice(corpus, tmp_path):
    cv, _ = corpus
    time = SettableTime(2024, 12, 10, 9, 0)

    async def scenario():
        async with zalo(cv, tmp_path, time=time) as (fake, channel, url):
            await fake.deliver(url, fake.text_event(TEACHER, "don vi"))
            [menu] = await fake.wait_messages(TEACHER, 1)
            numbered = dict(re.findall(r"^(\d+)\. (.+)$", menu, re.MULTILINE))
            number = next(n for n, label in numbered.items() if label == "Trường MN Sen Hồng")
            await fake.deliver(url, fake.text_event(TEACHER, number))
            [chosen] = await fake.wait_messages(TEACHER, 1, after=1)
            assert "Đã chọn đơn vị: Trường MN Sen Hồng" in chosen
            await fake.deliver(url, fake.text_event(TEACHER, "thang 12/2024"))
            [tasks] = await fake.wait_messages(TEACHER, 1, after=2)
            assert "Sen Hồng" in tasks and "hội thi bé khỏe bé ngoan" in tasks and "Hoa Mai" not in tasks
            await fake.deliver(url, fake.text_event(TEACHER, "/han"))
            [upcoming] = await fake.wait_messages(TEACHER, 1, after=3)
            assert "20/12/2024" in upcoming and "15/12/2024" not in upcoming  # its own deadline only

    run(scenario())


def test_the_signature_is_zalos_plain_sha256_of_app_id_body_timestamp_and_key():
    # Computed by hand: sha256("123" + '{"a":1}' + "1700000000000" + "key")
    assert signature("123", b'{"a":1}', "1700000000000", "key") == (
        __import__("hashlib").sha256(b'123{"a":1}1700000000000key').hexdigest())


def test_congvan_serve_zalo_oa_answers_with_settings_from_a_dotenv_file(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloOa().start()
        port = _free_port()
        env_file = tmp_path / ".env"
        env_file.write_text(
            f"CONGVAN_ZALO_OA_APP_ID={fake.APP_ID}\nCONGVAN_ZALO_OA_APP_SECRET={fake.APP_SECRET}\n"
            f"CONGVAN_ZALO_OA_SECRET_KEY={fake.OA_SECRET}\nCONGVAN_ZALO_OA_ACCESS_TOKEN=access-0\n"
            f"CONGVAN_ZALO_OA_REFRESH_TOKEN=refresh-0\nCONGVAN_ZALO_OA_ADMINS={ADMIN}\n"
            f"CONGVAN_ZALO_OA_WEBHOOK_LISTEN=127.0.0.1\nCONGVAN_ZALO_OA_WEBHOOK_PORT={port}\n"
            f"CONGVAN_ZALO_OA_API_URL={fake.url}\nCONGVAN_ZALO_OA_OAUTH_URL={fake.url}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONGVAN_")}
        env["PYTHONPATH"] = str(ROOT)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.channels.cli", "serve", "zalo-oa", "--home", str(cv.store.home),
            "--env-file", str(env_file), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/zalo-oa"
            for _ in range(300):
                try:
                    if await fake.deliver(url, fake.text_event(TEACHER, QUESTION)) == 200:
                        break
                except OSError:
                    await asyncio.sleep(0.1)
            [answer] = await fake.wait_messages(TEACHER, 1, timeout=60)
            assert "15/12/2024" in answer
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
            await fake.stop()
        assert process.returncode == 0, output.decode()
        assert "Zalo OA đang nhận webhook" in output.decode()

    run(scenario())


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



def test_zalo_settings_say_in_vietnamese_what_is_missing_or_wrong():
    from bot.core.config import SettingsError, load_zalo_bot_settings, load_zalo_oa_settings

    good = {"CONGVAN_ZALO_OA_APP_ID": "4318", "CONGVAN_ZALO_OA_APP_SECRET": "s", "CONGVAN_ZALO_OA_SECRET_KEY": "k",
            "CONGVAN_ZALO_OA_REFRESH_TOKEN": "r", "CONGVAN_ZALO_OA_ADMINS": "8800000000000000042, 8800000000000000043"}
    settings = load_zalo_oa_settings(environ=good)
    assert settings.zalo_oa_admins == {"8800000000000000042", "8800000000000000043"}
    assert (settings.zalo_oa_webhook_path, settings.zalo_oa_reply_window_hours) == ("/zalo-oa", 48)
    for bad, words in [({"CONGVAN_ZALO_OA_SECRET_KEY": ""}, "Thiếu CONGVAN_ZALO_OA_SECRET_KEY (OA Secret Key"),
                       ({"CONGVAN_ZALO_OA_ADMINS": "cô Lan"}, "không hiểu: cô, Lan"),
                       ({"CONGVAN_ZALO_OA_REPLY_WINDOW_HOURS": "200"}, "sau 7 ngày Zalo từ chối")]:
        with pytest.raises(SettingsError) as error:
            load_zalo_oa_settings(environ={**good, **bad})
        assert words in str(error.value)
    with pytest.raises(SettingsError, match="Thiếu CONGVAN_ZALO_BOT_TOKEN"):
        load_zalo_bot_settings(environ={})
    with pytest.raises(SettingsError, match="CONGVAN_ZALO_BOT_WEBHOOK_SECRET"):
        load_zalo_bot_settings(environ={"CONGVAN_ZALO_BOT_TOKEN": "t",
                                        "CONGVAN_ZALO_BOT_WEBHOOK_URL": "https://bot.example.vn/zalo-bot"})
