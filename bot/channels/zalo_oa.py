"""The Zalo Official Account channel: Zalo's webhook in, the OA's consultation messages out.

An event is checked (X-ZEvent-Signature), written down and acknowledged with HTTP 200 at once;
the work (answering, loading a file) happens afterwards, so Zalo never waits past its 2 seconds
and never retries an event that was taken. Zalo may still deliver one twice: the event's msg_id
is its key in zalo_oa_events, so it is handled once, also across restarts; an event written down
but not finished when the process stopped is handled when it starts again.

Questions, typed commands and uploads go to the chat service (bot/chat) through
bot/channels/zalo_chat.py. Zalo lets an OA write to a user only for a while after the user's last
message (free for 48 hours, refused after 7 days): the `ZaloOaSender` delivers a broadcast only
inside that window and defers it otherwise; the outbox owes it again when the user next writes,
and the channel delivers it right after answering them.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import tempfile
from pathlib import Path

import httpx
from aiohttp import web

from bot.chat.outbox import DEFERRED, DELIVERED, FAILED, RETRY, UNKNOWN, Delivery
from bot.chat.replies import Reply
from bot.chat.schedule import Schedule
from bot.chat.render import ZALO_LIMIT
from bot.chat.service import ChatService
from bot.core.api import Congvan
from bot.core.clock import Clock
from bot.core.config import Settings

from .plain_text import TextConversation
from .zalo_chat import broadcast_forever, notice_text, plain, texts, zalo_text
from .zalo_oa_store import ZaloOaStore
from .zalo_tokens import TOKEN_ERRORS, TokenStore, ZaloOaTokens, ZaloTokenError

logger = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
DOWNLOAD_LIMIT_MB = 40  # ingest refuses bigger files anyway
OUTSIDE_WINDOW = -230  # the user has not written for 7 days: Zalo refuses consultation messages
TEXT_EVENTS = {"user_send_text"}
FILE_EVENTS = {"user_send_file"}
OTHER_MESSAGES = {"user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio", "user_send_video",
                  "user_send_location", "user_send_link", "user_send_business_card"}


class ZaloOaError(RuntimeError):
    """Zalo answered a call with a non-zero `error` (its HTTP status is 200 all the same)."""

    def __init__(self, code: int, message: str):
        super().__init__(f"Zalo OA error {code}: {message}")
        self.code = code


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """Zalo's event MAC: plain SHA-256 (not HMAC) of app id, raw body, timestamp and OA secret key."""
    return hashlib.sha256(app_id.encode() + body + str(timestamp).encode() + secret_key.encode()).hexdigest()


def signature_ok(header: str, body: bytes, event: dict, app_id: str, secret_key: str,
                 timestamp_header: str = "") -> bool:
    supplied = header.strip()
    if supplied.lower().startswith("mac="):
        supplied = supplied[4:].strip()
    timestamp = str(event.get("timestamp") or timestamp_header or "")
    if not supplied or not timestamp or str(event.get("app_id", app_id)) != app_id:
        return False
    return hmac.compare_digest(supplied.lower(), signature(app_id, body, timestamp, secret_key))


def event_key(event: dict) -> str:
    """A message's msg_id; for events without one (follow, unfollow) what they are, who and when."""
    message_id = (event.get("message") or {}).get("msg_id")
    if message_id:
        return str(message_id)
    return f"{event.get('event_name', '')}:{user_of(event)}:{event.get('timestamp', '')}"


def user_of(event: dict) -> str:
    who = event.get("follower") or event.get("sender") or {}
    return str(who.get("id", ""))


class ZaloOaApi:
    """The OA's HTTP calls: consultation messages (with a token refresh and one resend when
    Zalo says the access token is no longer good) and attachment downloads."""

    def __init__(self, http: httpx.AsyncClient, api_url: str, tokens: ZaloOaTokens):
        self.http = http
        self.url = api_url.rstrip("/") + "/v3.0/oa/message/cs"
        self.tokens = tokens

    async def send_text(self, user_id: str, text: str) -> dict:
        token = await self.tokens.access_token()
        answer = await self._post(token, user_id, text)
        if answer.get("error") in TOKEN_ERRORS:
            token = await self.tokens.refresh(token)
            answer = await self._post(token, user_id, text)
        if answer.get("error"):
            raise ZaloOaError(int(answer["error"]), str(answer.get("message", "")))
        return answer.get("data") or {}

    async def _post(self, token: str, user_id: str, text: str) -> dict:
        response = await self.http.post(self.url, headers={"access_token": token}, json={
            "recipient": {"user_id": user_id}, "message": {"text": text}})
        response.raise_for_status()
        return response.json()

    async def download(self, url: str, path: Path, limit_bytes: int) -> None:
        size = 0
        async with self.http.stream("GET", url, follow_redirects=True) as response:
            response.raise_for_status()
            with path.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit_bytes:
                        raise ValueError("too big")
                    out.write(chunk)


class ZaloOaSender:
    """Broadcasts to one OA user, inside the reply window only: the outbox's `Sender` for Zalo OA."""
    channel = CHANNEL

    def __init__(self, oa: ZaloOaChannel):
        self.oa = oa

    async def send(self, chat_id: str, reply: Reply) -> Delivery:
        hours = self.oa.settings.zalo_oa_reply_window_hours
        if not self.oa.store.in_window(chat_id, hours, self.oa.clock.now()):
            return Delivery(DEFERRED, f"no message from the user in the last {hours} hours")
        sent = 0
        try:
            for part in texts([reply]):
                await self.oa.api.send_text(chat_id, part)
                sent += 1
        except ZaloOaError as error:
            if sent:
                return Delivery(FAILED, f"after {sent} part(s): {error}")  # resending would repeat them
            return Delivery(DEFERRED if error.code == OUTSIDE_WINDOW else FAILED, str(error))
        except (ZaloTokenError, httpx.ConnectError, httpx.ConnectTimeout) as error:
            # Nothing left this machine: the next run tries again.
            return Delivery(RETRY if not sent else FAILED, str(error))
        except httpx.HTTPError as error:
            return Delivery(UNKNOWN if not sent else FAILED, f"{type(error).__name__}: {error}")
        return Delivery(DELIVERED)


class ZaloOaChannel:
    def __init__(self, settings: Settings, service: ChatService, home: Path,
                 http: httpx.AsyncClient | None = None, clock: Clock | None = None):
        self.settings = settings
        self.service = service
        self.conversation = TextConversation(service, CHANNEL, ZALO_LIMIT)
        self.clock = clock or service.clock
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30, connect=10))
        self.store = ZaloOaStore(Path(home) / "congvan.db")
        self.tokens = ZaloOaTokens(TokenStore(home, settings.zalo_oa_access_token, settings.zalo_oa_refresh_token),
                                   self.http, settings.zalo_oa_oauth_url, settings.zalo_oa_app_id,
                                   settings.zalo_oa_app_secret)
        self.api = ZaloOaApi(self.http, settings.zalo_oa_api_url, self.tokens)
        self.sender = ZaloOaSender(self)
        self.schedule = Schedule(service.outbox, self.clock, settings.broadcast_time)
        self._last_run: str = ""
        self._tasks: set[asyncio.Task] = set()
        self._user_locks: dict[str, asyncio.Lock] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- the webhook -----------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.settings.zalo_oa_webhook_path, self._webhook)
        return app

    async def start(self, host: str | None = None, port: int | None = None) -> None:
        self._runner = web.AppRunner(self.web_app(), shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host or self.settings.zalo_oa_webhook_listen,
                           self.settings.zalo_oa_webhook_port if port is None else port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        if self.tokens.interrupted:  # the last run stopped during a refresh: finish it before anything else
            await self.tokens.access_token()
        if self.tokens.store.state.problem:
            await self._tell_admins(zalo_text("token_problem", problem=self.tokens.store.state.problem))
        self.store.forget_old_events()
        for key, event in self.store.unfinished():
            self._spawn(key, event)

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()  # no new events
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.http.aclose()

    async def idle(self) -> None:
        """Wait until every event taken so far is handled (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(event, dict) or not signature_ok(
                request.headers.get("X-ZEvent-Signature", ""), body, event, self.settings.zalo_oa_app_id,
                self.settings.zalo_oa_secret_key, request.headers.get("X-ZEvent-Timestamp", "")):
            logger.warning("Zalo OA: event refused, bad or missing signature")
            return web.Response(status=401, text="bad signature")
        key = event_key(event)
        if self.store.accept(key, event):
            self._spawn(key, event)
        return web.Response(text="ok")  # at once: the work goes on in the task

    def _spawn(self, key: str, event: dict) -> None:
        task = asyncio.get_running_loop().create_task(self._handle(key, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, key: str, event: dict) -> None:
        user_id = user_of(event)
        name = event.get("event_name", "")
        # One user's messages are answered in the order they came.
        async with self._user_locks.setdefault(user_id, asyncio.Lock()):
            try:
                if name == "unfollow":
                    self.store.follow(user_id, False)
                    await asyncio.to_thread(self.conversation.left, user_id, "unfollowed")
                elif name == "follow":
                    self.store.follow(user_id, True)
                elif name in TEXT_EVENTS | FILE_EVENTS | OTHER_MESSAGES:
                    self.store.wrote(user_id, self.clock.now())
                    if name in TEXT_EVENTS:
                        await self._on_text(user_id, event)
                    elif name in FILE_EVENTS:
                        await self._on_files(user_id, event)
                    else:
                        await self.send(user_id, zalo_text("text_only"))
                    # Inside the window again: what was deferred for them goes out now.
                    await self.service.outbox.deliver(self.sender, self.clock.today())
            except Exception:
                logger.exception("Zalo OA: event %s of %s failed", key, user_id)
                await self._try_send(user_id, notice_text("error"))
            finally:
                self.store.done(key)

    async def _on_text(self, user_id: str, event: dict) -> None:
        text = str((event.get("message") or {}).get("text") or "").strip()
        if not text:
            return
        name = str((event.get("sender") or {}).get("display_name") or "")
        for part in await asyncio.to_thread(self.conversation.reply, user_id, user_id, name, text):
            await self.send(user_id, part)

    async def _on_files(self, user_id: str, event: dict) -> None:
        for attachment in (event.get("message") or {}).get("attachments") or []:
            payload = attachment.get("payload") or {}
            file_name = Path(str(payload.get("name") or "tep-dinh-kem")).name
            size = int(payload.get("size") or 0)
            go, replies = await asyncio.to_thread(self.conversation.accept_upload, user_id, user_id, file_name, size,
                                                  DOWNLOAD_LIMIT_MB)
            if not go:
                for part in replies:
                    await self.send(user_id, part)
                continue
            with tempfile.TemporaryDirectory(prefix="congvan-zalo-") as folder:
                path = Path(folder) / file_name  # the sender's name: one sign of a new version
                try:  # at once: Zalo's attachment links do not last
                    await self.api.download(str(payload.get("url", "")), path, DOWNLOAD_LIMIT_MB * 1024 * 1024)
                except (httpx.HTTPError, ValueError) as error:
                    reason = "quá lớn" if isinstance(error, ValueError) else type(error).__name__
                    await self.send(user_id, notice_text("download_failed", name=file_name, reason=reason))
                    continue
                for part in replies:  # "Đang nạp …"
                    await self.send(user_id, part)
                replies = await asyncio.to_thread(self.conversation.upload, user_id, user_id, path)
            for part in replies:
                await self.send(user_id, part)

    # -- sending ---------------------------------------------------------------------------

    async def send(self, user_id: str, text: str) -> None:
        for part in plain(text):
            await self.api.send_text(user_id, part)

    async def _try_send(self, user_id: str, text: str) -> bool:
        try:
            await self.send(user_id, text)
            return True
        except (ZaloOaError, ZaloTokenError, httpx.HTTPError) as error:
            logger.warning("Zalo OA: could not write to %s: %s", user_id, error)
            return False

    async def _tell_admins(self, text: str) -> None:
        for admin in sorted(self.settings.zalo_oa_admins):
            if self.store.in_window(admin, self.settings.zalo_oa_reply_window_hours, self.clock.now()):
                await self._try_send(admin, text)

    # -- broadcasts ------------------------------------------------------------------------

    async def broadcast(self) -> dict[str, int]:
        """Once a day at the broadcast time (or at start, if the bot was down then): plan the
        day's digest and reminders and send them, and tell the admins how many went out and how
        many wait for their reader to write. Otherwise send what an earlier run could not."""
        today = self.clock.today().isoformat()
        if self._last_run != today and self.schedule.missed_today():
            self._last_run = today
            counts = await self.schedule.run_day(self.sender)
            if counts.get("sent") or counts.get("deferred"):
                await self._tell_admins(zalo_text("report", sent=counts.get("sent", 0),
                                                  outside=counts.get("deferred", 0), failed=counts.get("failed", 0),
                                                  hours=self.settings.zalo_oa_reply_window_hours,
                                                  day=self.clock.today()))
            return counts
        return await self.schedule.deliver_owed(self.sender)

    async def broadcast_forever(self) -> None:
        await broadcast_forever(self.broadcast, lambda: self._last_run == self.clock.today().isoformat(), "Zalo OA")


def build_channel(settings: Settings, congvan: Congvan, clock: Clock | None = None) -> ZaloOaChannel:
    service = ChatService.from_settings(congvan, settings, clock=clock, no_files={CHANNEL})
    return ZaloOaChannel(settings, service, congvan.store.home, clock=clock)


async def serve(settings: Settings, congvan: Congvan) -> None:
    """Run the webhook server and the daily broadcasts until cancelled (Ctrl-C)."""
    channel = build_channel(settings, congvan)
    await channel.start()
    asyncio.get_running_loop().run_in_executor(None, congvan.warm_up)
    try:
        await channel.broadcast_forever()
    finally:
        await channel.stop()
