"""A burst of questions, as a bot gets them at 07:00 on the 1st: many chats asking at once.

    .venv/bin/python bench/burst.py [--home HOME] [--via chat|telegram|api] [--chats 20] [--asks 200]

Each of `--chats` chats asks its share of `--asks` questions (the question file's questions and
variants, dealt out in turn), one after the other: it asks its next question when its answer has
come, as a person in a chat does. Every chat has a unit of its own (the library's units in turn),
so each answer ranks that unit's directives first, as in a school's chat.

--via chat       (default) through the chat layer: `ChatService.ask` (bot/chat/service.py), each
                 chat a thread of its own, as a channel's worker threads call it: the unit is read
                 from the chats table, the answer and its citations are saved for its buttons.
--via telegram   through the real python-telegram-bot `Application` (bot/channels/telegram.py)
                 polling a local fake Bot API (tests/fake_bot_api.py): an answer has come when
                 its last message (the one with the 👍/👎 buttons) has been sent.
--via api        `Congvan.ask` on one shared instance from one thread per chat (no chat layer).

Reported: the time from the first question to the last answer, each answer's latency (which
includes its wait behind the others), answers per second and errors. Without `--home` the samples
are ingested into a temporary home first (not timed). The model is loaded and one question asked
before the burst: a running bot has done both. The chat layer writes its bench chats (channel
"bench", or "telegram" with ids 1..N) and their answers into the home's chat tables.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench.common` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUESTIONS, SAMPLES, command_line, current_rss_mb, environment, peak_rss_mb

VIAS = ("chat", "telegram", "api")


def _shares(questions: str, chats: int, asks: int) -> list[list[str]]:
    """The question texts each chat asks: the file's questions and variants dealt out in turn."""
    from bot.core.evaluate import load_questions

    texts = [t for q in load_questions(questions) for t in (q["question"], *q["variants"])]
    shares: list[list[str]] = [[] for _ in range(chats)]
    for i in range(asks):
        shares[i % chats].append(texts[i % len(texts)])
    return shares


def burst(home: str, questions: str, chats: int = 20, asks: int = 200, via: str = "chat", embedder=None) -> dict:
    """`embedder`: as `Congvan`'s (default: the configured model; tests pass a fast stand-in)."""
    from bot.core.api import Congvan
    from bot.core.evaluate import percentile

    shares = _shares(questions, chats, asks)
    cv = Congvan(home, embedder=embedder)
    cv.warm_up()
    cv.ask(shares[0][0])
    units = [u["name"] for u in cv.units()]
    load_before = os.getloadavg()[0]
    if via == "telegram":
        latencies, errors, wall = asyncio.run(_through_telegram(cv, shares, units))
    else:
        latencies, errors, wall = _in_threads(cv, shares, units, via)
    return {"via": via, "chats": chats, "units": len({units[i % len(units)] for i in range(chats)}) if units else 0,
            "asks": len(latencies), "last_answer_s": round(wall, 2),
            "answers_per_s": round(len(latencies) / wall, 1),
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                           "max": max(latencies)},
            "errors": errors[:5], "error_count": len(errors),
            "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "peak_rss_mb": peak_rss_mb(), "current_rss_mb": current_rss_mb()}


def _in_threads(cv, shares: list[list[str]], units: list[str], via: str) -> tuple[list[float], list[str], float]:
    """One thread per chat, each asking its questions in turn through the chat service (or
    `Congvan.ask` directly)."""
    latencies: list[float] = []
    errors: list[str] = []
    if via == "chat":
        from bot.chat.service import ChatService
        from bot.chat.store import ChatKey, ChatStore
        from bot.core.clock import clock

        service = ChatService(cv, ChatStore(Path(cv.store.home) / "congvan.db"), {}, clock())
        keys = [ChatKey("bench", str(i + 1)) for i in range(len(shares))]
        for i, key in enumerate(keys):
            service.seen(key, "private", f"bench {i + 1}")
            if units:
                service.set_unit(key, units[i % len(units)])

        def ask(i: int, text: str) -> None:
            service.seen(keys[i], "private", f"bench {i + 1}")  # as every channel does on a message
            service.ask(keys[i], text, keys[i].chat_id)
    elif via == "api":
        def ask(i: int, text: str) -> None:
            cv.ask(text, unit=units[i % len(units)] if units else None)
    else:
        raise ValueError(f"unknown way in: {via!r}")

    def chat(i: int) -> None:
        for text in shares[i]:
            started = time.perf_counter()
            try:
                ask(i, text)
            except Exception as error:  # a failure under load is a finding, not a crash of the bench
                errors.append(f"{type(error).__name__}: {error}")
            latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(len(shares))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


async def _through_telegram(cv, shares: list[list[str]], units: list[str]) -> tuple[list[float], list[str], float]:
    """The real Application polling a local fake Bot API; each chat sends its next message when
    the bot has sent the last part of its answer (the message with the feedback buttons)."""
    from bot.channels.telegram import build_application
    from bot.chat.store import ChatKey
    from bot.core.config import Settings
    from tests.fake_bot_api import FakeBotApi

    fake = await FakeBotApi().start()
    settings = Settings(telegram_token=fake.token, telegram_api_url=fake.api_url, telegram_file_url=fake.file_url)
    app = build_application(settings, cv)
    service = app.bot_data["service"]
    for i in range(len(shares)):
        key = ChatKey("telegram", str(i + 1))
        service.seen(key, "private", "")
        if units:
            service.set_unit(key, units[i % len(units)])
    latencies: list[float] = []
    errors: list[str] = []

    def answered(chat_id: int, after: int) -> bool:
        return any("fb:" in json.dumps(m.get("reply_markup") or {}) for m in fake.sent(chat_id)[after:])

    async def chat(i: int) -> None:
        chat_id = i + 1
        for text in shares[i]:
            before = len(fake.sent(chat_id))
            started = time.perf_counter()
            await fake.send_text(chat_id, text)
            try:
                await fake.wait_for(lambda calls: answered(chat_id, before), timeout=600)
            except AssertionError as error:
                errors.append(f"no answer: {str(error)[:200]}")
            latencies.append((time.perf_counter() - started) * 1000)

    try:
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            started = time.perf_counter()
            await asyncio.gather(*(chat(i) for i in range(len(shares))))
            wall = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
    finally:
        await fake.stop()
    return latencies, errors, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="an ingested congvan home (default: the samples, ingested first)")
    parser.add_argument("--via", choices=VIAS, default="chat", help="the way the questions come in")
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    args = parser.parse_args()
    env = environment()
    with tempfile.TemporaryDirectory(prefix="congvan-burst-") as temp:
        home = args.home
        if home is None:
            from bot.core.api import Congvan
            home = temp
            Congvan(home).ingest([SAMPLES])
        result = burst(home, str(Path(args.questions).resolve()), args.chats, args.asks, args.via)
    result.update(command=command_line("burst.py"), commit=env["commit"])
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
