"""The Zalo Bot channel over HTTP against a local fake Zalo Bot API (tests/fake_zalo.py), by long
polling and by webhook, on a real index answered by the real model; and the same question asked
on every channel (CLI, Telegram, Zalo OA, Zalo Bot) gets the same facts and sources."""
from __future__ import annotations

import asyncio
import html
import os
import re
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.core.config import Settings
from bot.channels.cli import app as cli
from bot.channels.zalo_bot import build_channel
from tests.fake_zalo import FakeZaloBot, FakeZaloOa
from tests.test_telegram import QUESTION, corpus, running_bot  # noqa: F401  (the same three directives)
from tests.test_telegram import Clock as SettableTime
from tests.test_zalo_oa import TEACHER, _free_port, running_oa

pytestmark = [pytest.mark.zalo, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
CHAT = "5a1b2c3d4e5f60718293"
SECRET = "zalo-bot-webhook-secret_42"


def bot_settings(fake: FakeZaloBot, **overrides) -> Settings:
    return Settings(**{"zalo_bot_token": fake.token, "zalo_bot_api_url": fake.url, **overrides})


def run(coroutine):
    return asyncio.run(coroutine)


def assert_within_limit(texts: list[str]) -> None:
    assert texts and all(0 < len(unicodedata.normalize("NFC", t)) <= 2000 for t in texts)


def test_polling_answers_questions_once_each_and_splits_long_answers(corpus):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloBot().start()
        channel = build_channel(bot_settings(fake), cv)
        polling = asyncio.create_task(channel.poll(timeout=1))
        try:
            update = fake.update(CHAT, QUESTION, message_id="m-1")
            await fake.push(update)
            await fake.push(update)  # delivered twice
            [answer] = await fake.wait_messages(CHAT, 1)
            assert "15/12/2024" in answer and "Kế hoạch số 45/KH-MNHM" in answer
            assert ("sendChatAction", {"chat_id": CHAT, "action": "typing"}) in fake.calls

            await fake.push(fake.update(CHAT, "Tháng 1/2025 có những việc gì?"))
            await fake.wait_messages(CHAT, 4, after=1)
            await asyncio.sleep(0.5)
            await channel.idle()
            parts = fake.messages(CHAT)[1:]
            assert_within_limit(parts)
            assert parts[0].startswith("Tháng 1/2025 có") and "• Việc 60:" in "\n".join(parts)

            sticker = {"event_name": "message.sticker.received", "message": {
                "message_id": "m-9", "chat": {"id": CHAT, "chat_type": "PRIVATE"}, "from": {"id": CHAT},
                "sticker": "abc"}}
            await fake.push(sticker)
            [reply] = await fake.wait_messages(CHAT, 1, after=1 + len(parts))
            assert "chỉ đọc được tin nhắn chữ" in reply
            await channel.idle()
            assert fake.messages(CHAT)[1:1 + len(parts)] == parts  # and nothing else was sent
            assert len(fake.messages(CHAT)) == 2 + len(parts)
            assert ("deleteWebhook", {}) in fake.calls  # polling first drops any webhook
        finally:
            polling.cancel()
            await channel.stop()
            await fake.stop()

    run(scenario())


def test_webhook_takes_updates_only_with_the_secret_token(corpus):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloBot().start()
        port = _free_port()
        url = f"http://127.0.0.1:{port}/zalo-bot"
        channel = build_channel(bot_settings(fake, zalo_bot_webhook_url=url, zalo_bot_webhook_secret=SECRET), cv)
        try:
            await channel.start_webhook("127.0.0.1", port)
            assert fake.webhook == {"url": url, "secret_token": SECRET}
            assert await fake.push(fake.update(CHAT, QUESTION), secret="not-the-secret") == 403
            assert await fake.push(fake.update(CHAT, QUESTION), secret="") == 403
            await channel.idle()
            assert fake.messages(CHAT) == []
            assert await fake.push(fake.update(CHAT, QUESTION)) == 200
            [answer] = await fake.wait_messages(CHAT, 1)
            assert "15/12/2024" in answer
        finally:
            await channel.stop()
            await fake.stop()

    run(scenario())


def test_congvan_serve_zalo_bot_polls_with_settings_from_a_dotenv_file(corpus, tmp_path):
    cv, _ = corpus

    async def scenario():
        fake = await FakeZaloBot().start()
        env_file = tmp_path / ".env"
        env_file.write_text(f"CONGVAN_ZALO_BOT_TOKEN={fake.token}\nCONGVAN_ZALO_BOT_API_URL={fake.url}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONGVAN_")}
        env["PYTHONPATH"] = str(ROOT)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.channels.cli", "serve", "zalo-bot", "--home", str(cv.store.home),
            "--env-file", str(env_file), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            await fake.push(fake.update(CHAT, QUESTION))
            [answer] = await fake.wait_messages(CHAT, 1, timeout=60)
            assert "15/12/2024" in answer
            assert fake.calls[0][0] == "getMe"
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
            await fake.stop()
        assert process.returncode == 0, output.decode()
        assert "Zalo Bot đang chạy (long polling)" in output.decode()

    run(scenario())


def facts(text: str) -> tuple[list[str], list[str]]:
    """What a reader takes from an answer whatever its markup: the dates of its lead, in order,
    and the documents it cites, in order."""
    plain = unicodedata.normalize("NFC", html.unescape(re.sub(r"</?[a-z]+>", "", text)))
    lead, _, sources = plain.partition("Nguồn")
    return re.findall(r"\d{1,2}/\d{1,2}/\d{4}", lead), re.findall(r"\[\d+\] (Kế hoạch số \S+)", sources)


def test_the_same_question_gets_the_same_facts_and_sources_on_every_channel(corpus, tmp_path):
    cv, _ = corpus
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--home", str(cv.store.home)])
    assert result.exit_code == 0, result.output
    on_cli = facts(result.output)
    assert on_cli[0] and on_cli[1], result.output

    async def scenario():
        found = {}
        async with running_bot(cv, SettableTime(2024, 11, 20, 9, 0)) as (telegram, _):
            await telegram.send_text(777, QUESTION)
            found["telegram"] = "\n".join(m["text"] for m in await telegram.wait_messages(777, 1))
        oa = await FakeZaloOa().start()
        try:
            async with running_oa(cv, tmp_path, oa) as (channel, url):
                await oa.deliver(url, oa.text_event(TEACHER, QUESTION))
                await oa.wait_messages(TEACHER, 1)
                await channel.idle()
                found["zalo_oa"] = "\n".join(oa.messages(TEACHER))
        finally:
            await oa.stop()
        bot = await FakeZaloBot().start()
        channel = build_channel(bot_settings(bot), cv)
        polling = asyncio.create_task(channel.poll(timeout=1))
        try:
            await bot.push(bot.update(CHAT, QUESTION))
            await bot.wait_messages(CHAT, 1)
            await channel.idle()
            found["zalo_bot"] = "\n".join(bot.messages(CHAT))
        finally:
            polling.cancel()
            await channel.stop()
            await bot.stop()
        return found

    for channel, text in run(scenario()).items():
        assert facts(text) == on_cli, (channel, text)
