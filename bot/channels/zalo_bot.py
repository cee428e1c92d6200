"""The Zalo Bot channel (Zalo Bot Platform): text in, text out, by long polling or a webhook.

Its API is shaped like Telegram's (https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>, POST
JSON, {"ok": true, "result": ...}) but getUpdates hands out one update per call and takes no
offset. python-zalo-bot 0.1.9 wraps it but handles updates one after another with no error
handling and keeps python-telegram-bot code that does not apply; the five calls are made here
with httpx.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from urllib.parse import urlparse

import httpx
from aiohttp import web

from bot.chat.outbox import DELIVERED, FAILED, RETRY, UNKNOWN, Delivery
from bot.chat.replies import Reply
from bot.chat.schedule import Schedule
from bot.chat.render import ZALO_LIMIT
from bot.chat.service import ChatService
from bot.core.api import Congvan
from bot.core.clock import Clock
from bot.core.config import Settings

from .plain_text import TextConversation
from .zalo_chat import broadcast_forever, notice_text, plain, texts, zalo_text

logger = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
POLL_TIMEOUT = 30  # seconds Zalo holds a getUpdates call open when there is nothing
SECRET_HEADER = "X-Bot-Api-Secret-Token"
NO_UPDATE = {408}  # getUpdates timed out with nothing to hand out
REMEMBERED_MESSAGES = 1000


class ZaloBotError(RuntimeError):
    def __init__(self, method: str, code: int | None, description: str):
        super().__init__(f"Zalo Bot {method}: {code} {description}")
        self.code = code


class ZaloBotApi:
    def __init__(self, http: httpx.AsyncClient, api_url: str, token: str):
        self.http = http
        self.base = f"{api_url.rstrip('/')}/bot{token}"

    async def call(self, method: str, wait: float | None = None, **params) -> object:
        """`wait`: how long Zalo may hold the call open (long polling), beyond the usual timeout."""
        extra = {"timeout": httpx.Timeout(wait + 10, connect=10)} if wait else {}
        response = await self.http.post(f"{self.base}/{method}", json=params, **extra)
        try:
            answer = response.json()
        except ValueError:
            raise ZaloBotError(method, response.status_code, response.text[:200]) from None
        if not answer.get("ok"):
            raise ZaloBotError(method, answer.get("error_code"), str(answer.get("description", "")))
        return answer.get("result")

    async def get_me(self) -> dict:
        return await self.call("getMe")

    async def get_update(self, timeout: int = POLL_TIMEOUT) -> dict | None:
        try:
            result = await self.call("getUpdates", wait=timeout, timeout=timeout)
        except ZaloBotError as error:
            if error.code in NO_UPDATE:
                return None
            raise
        return result or None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", url=url, secret_token=secret_token)

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def send_message(self, chat_id: str, text: str) -> dict:
        return await self.call("sendMessage", chat_id=chat_id, text=text)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", chat_id=chat_id, action=action)


class ZaloBotSender:
    """Broadcasts (digests, reminders, new directives) to one chat: the outbox's `Sender`."""
    channel = CHANNEL

    def __init__(self, api: ZaloBotApi):
        self.api = api

    async def send(self, chat_id: str, reply: Reply) -> Delivery:
        sent = 0
        try:
            for part in texts([reply]):
                await self.api.send_message(chat_id, part)
                sent += 1
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return Delivery(RETRY if not sent else FAILED, str(error))  # nothing reached Zalo
        except httpx.HTTPError as error:
            return Delivery(UNKNOWN if not sent else FAILED, f"{type(error).__name__}: {error}")
        except ZaloBotError as error:
            return Delivery(FAILED, f"after {sent} part(s): {error}" if sent else str(error))
        return Delivery(DELIVERED)


class ZaloBotChannel:
    def __init__(self, settings: Settings, service: ChatService, http: httpx.AsyncClient | None = None,
                 clock: Clock | None = None):
        self.settings = settings
        self.service = service
        self.conversation = TextConversation(service, CHANNEL, ZALO_LIMIT)
        self.clock = clock or service.clock
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30, connect=10))
        self.api = ZaloBotApi(self.http, settings.zalo_bot_api_url, settings.zalo_bot_token)
        self.sender = ZaloBotSender(self.api)
        self.schedule = Schedule(service.outbox, self.clock, settings.broadcast_time)
        self._last_run = ""
        self._seen: OrderedDict[str, None] = OrderedDict()  # Zalo may deliver a message twice
        self._tasks: set[asyncio.Task] = set()
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- updates ---------------------------------------------------------------------------

    async def handle(self, update: dict) -> None:
        message = update.get("message") or {}
        chat_id = str((message.get("chat") or {}).get("id") or (message.get("from") or {}).get("id") or "")
        message_id = str(message.get("message_id") or "")
        if not chat_id or self._already_seen(message_id):
            return
        async with self._chat_locks.setdefault(chat_id, asyncio.Lock()):
            try:
                if update.get("event_name") != "message.text.received" or not str(message.get("text") or "").strip():
                    await self.send(chat_id, zalo_text("text_only"))
                    return
                sender = message.get("from") or {}
                await self.api.send_chat_action(chat_id)
                replies = await asyncio.to_thread(
                    self.conversation.reply, chat_id, str(sender.get("id") or chat_id),
                    str(sender.get("display_name") or ""), str(message["text"]))
                for part in replies:
                    await self.send(chat_id, part)
            except Exception:
                logger.exception("Zalo Bot: message %s in %s failed", message_id, chat_id)
                try:
                    await self.send(chat_id, notice_text("error"))
                except (ZaloBotError, httpx.HTTPError):
                    pass  # the log has the original error

    def _already_seen(self, message_id: str) -> bool:
        if not message_id:
            return False
        if message_id in self._seen:
            return True
        self._seen[message_id] = None
        if len(self._seen) > REMEMBERED_MESSAGES:
            self._seen.popitem(last=False)
        return False

    async def send(self, chat_id: str, text: str) -> None:
        for part in plain(text):
            await self.api.send_message(chat_id, part)

    def _spawn(self, update: dict) -> None:
        task = asyncio.get_running_loop().create_task(self.handle(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- long polling ----------------------------------------------------------------------

    async def poll(self, timeout: int = POLL_TIMEOUT) -> None:
        """Take updates until cancelled. A webhook set earlier would keep updates from getUpdates."""
        await self.api.delete_webhook()
        while True:
            try:
                update = await self.api.get_update(timeout)
            except (ZaloBotError, httpx.HTTPError) as error:
                logger.warning("Zalo Bot: getUpdates failed (%s); trying again in 3 s", error)
                await asyncio.sleep(3)
                continue
            if update:
                self._spawn(update)  # the next poll does not wait for the answer

    # -- webhook ---------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(urlparse(self.settings.zalo_bot_webhook_url).path or "/", self._webhook)
        return app

    async def start_webhook(self, host: str | None = None, port: int | None = None) -> None:
        self._runner = web.AppRunner(self.web_app(), shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host or self.settings.zalo_bot_webhook_listen,
                           self.settings.zalo_bot_webhook_port if port is None else port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        await self.api.set_webhook(self.settings.zalo_bot_webhook_url, self.settings.zalo_bot_webhook_secret)

    async def _webhook(self, request: web.Request) -> web.Response:
        supplied = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(supplied.encode(), self.settings.zalo_bot_webhook_secret.encode()):
            logger.warning("Zalo Bot: webhook call without the secret token refused")
            return web.Response(status=403, text="forbidden")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        update = body.get("result", body) if isinstance(body, dict) else None
        if isinstance(update, dict):
            self._spawn(update)
        return web.json_response({"ok": True})

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
        await self.idle()
        await self.http.aclose()


    # -- broadcasts ------------------------------------------------------------------------

    async def broadcast(self) -> dict[str, int]:
        """Once a day at the broadcast time (or at start, if the bot was down then): the day's
        digest and reminders; otherwise what an earlier run could not send."""
        today = self.clock.today().isoformat()
        if self._last_run != today and self.schedule.missed_today():
            self._last_run = today
            return await self.schedule.run_day(self.sender)
        return await self.schedule.deliver_owed(self.sender)

    async def broadcast_forever(self) -> None:
        await broadcast_forever(self.broadcast, lambda: self._last_run == self.clock.today().isoformat(), "Zalo Bot")


def build_channel(settings: Settings, congvan: Congvan, clock: Clock | None = None) -> ZaloBotChannel:
    # The Zalo Bot sends no files: its answers offer no "Văn bản gốc".
    return ZaloBotChannel(settings, ChatService.from_settings(congvan, settings, clock=clock, no_files={CHANNEL}),
                          clock=clock)


async def serve(settings: Settings, congvan: Congvan) -> None:
    """Webhook when CONGVAN_ZALO_BOT_WEBHOOK_URL is set, long polling otherwise, and the daily
    broadcasts; until cancelled."""
    channel = build_channel(settings, congvan)
    me = await channel.api.get_me()
    logger.info("Zalo Bot %s ready", me.get("account_name") or me.get("display_name") or me.get("id"))
    asyncio.get_running_loop().run_in_executor(None, congvan.warm_up)
    broadcasts = asyncio.create_task(channel.broadcast_forever())
    try:
        if settings.zalo_bot_webhook_url:
            await channel.start_webhook()
            await asyncio.Event().wait()
        else:
            await channel.poll()
    finally:
        broadcasts.cancel()
        await channel.stop()
