"""The Zalo Official Account channel: Zalo's webhook in, the OA's consultation messages out.

An event is checked (X-ZEvent-Signature), written down and acknowledged with HTTP 200 at once;
the work (answering, loading a file) happens afterwards, so Zalo never waits past its 2 seconds
and never retries an event that was taken. Zalo may still deliver one twice: the event's msg_id
is its key in zalo_oa_events, so it is handled once, also across restarts; an event written down
but not finished when the process stopped is handled when it starts again.

Zalo lets an OA write to a user only for a while after the user's last message (free for 48
hours, refused after 7 days). Broadcasts go to users inside that window; the others are owed
the message and get it, if it is still current, the next time they write.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiohttp import web

from bot.core.api import Congvan
from bot.core.clock import Clock
from bot.core.config import Settings

from .zalo_chat import AnswerConversation, Conversation, zalo_text
from .zalo_oa_store import ZaloOaStore
from .zalo_text import split_text
from .zalo_tokens import TOKEN_ERRORS, TokenStore, ZaloOaTokens, ZaloTokenError

logger = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
UPLOAD_SUFFIXES = {".docx", ".doc", ".pdf", ".txt", ".md"}
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


@dataclass
class Owed:
    """One broadcast message for one user (digest, reminder, notice of a new directive)."""
    user_id: str
    kind: str
    period: str
    text: str
    expires_on: str = ""  # ISO date after which it is no longer worth sending


class ZaloOaChannel:
    def __init__(self, settings: Settings, conversation: Conversation, home: Path,
                 http: httpx.AsyncClient | None = None, clock: Clock | None = None):
        self.settings = settings
        self.conversation = conversation
        self.clock = clock or Clock(settings.timezone)
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30, connect=10))
        self.store = ZaloOaStore(Path(home) / "congvan.db")
        self.tokens = ZaloOaTokens(TokenStore(home, settings.zalo_oa_access_token, settings.zalo_oa_refresh_token),
                                   self.http, settings.zalo_oa_oauth_url, settings.zalo_oa_app_id,
                                   settings.zalo_oa_app_secret)
        self.api = ZaloOaApi(self.http, settings.zalo_oa_api_url, self.tokens)
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
                    await self._catch_up(user_id)
            except Exception:
                logger.exception("Zalo OA: event %s of %s failed", key, user_id)
                await self._try_send(user_id, zalo_text("error"))
            finally:
                self.store.done(key)

    async def _on_text(self, user_id: str, event: dict) -> None:
        text = str((event.get("message") or {}).get("text") or "").strip()
        if not text:
            return
        name = str((event.get("sender") or {}).get("display_name") or "")
        for part in await asyncio.to_thread(self.conversation.reply, CHANNEL, user_id, user_id, name, text):
            await self.send(user_id, part)

    async def _on_files(self, user_id: str, event: dict) -> None:
        for attachment in (event.get("message") or {}).get("attachments") or []:
            payload = attachment.get("payload") or {}
            file_name = Path(str(payload.get("name") or "tep-dinh-kem")).name
            if user_id not in self.settings.zalo_oa_admins:
                await self.send(user_id, zalo_text("admin_only"))
                return
            if Path(file_name).suffix.lower() not in UPLOAD_SUFFIXES:
                await self.send(user_id, zalo_text("unsupported_file", file_name=file_name))
                continue
            if int(payload.get("size") or 0) > DOWNLOAD_LIMIT_MB * 1024 * 1024:
                await self.send(user_id, zalo_text("file_too_big", file_name=file_name,
                                                   limit_mb=DOWNLOAD_LIMIT_MB))
                continue
            with tempfile.TemporaryDirectory(prefix="congvan-zalo-") as folder:
                path = Path(folder) / file_name  # the sender's name: one sign of a new version
                try:  # at once: Zalo's attachment links do not last
                    await self.api.download(str(payload.get("url", "")), path, DOWNLOAD_LIMIT_MB * 1024 * 1024)
                except (httpx.HTTPError, ValueError) as error:
                    reason = "quá lớn" if isinstance(error, ValueError) else type(error).__name__
                    await self.send(user_id, zalo_text("download_failed", file_name=file_name, reason=reason))
                    continue
                await self.send(user_id, zalo_text("processing", file_name=file_name))
                replies = await asyncio.to_thread(self.conversation.upload, CHANNEL, user_id, user_id, path)
            for part in replies:
                await self.send(user_id, part)

    # -- sending ---------------------------------------------------------------------------

    async def send(self, user_id: str, text: str) -> None:
        for part in split_text(text):
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

    async def broadcast(self, messages: Iterable[Owed], what: str = "") -> dict[str, int]:
        """Send each message to its user if they wrote within the window; the others are owed it.
        The admins get the counts."""
        counts = {"sent": 0, "outside": 0, "inactive": 0, "failed": 0}
        hours = self.settings.zalo_oa_reply_window_hours
        for owed in messages:
            state = await self._deliver(owed, hours)
            counts[state] += 1
        if what and any(counts.values()):
            await self._tell_admins(zalo_text("report", what=what, hours=hours, **counts))
        logger.info("Zalo OA broadcast %s: %s", what, counts)
        return counts

    async def _deliver(self, owed: Owed, hours: int) -> str:
        user = self.store.user(owed.user_id)
        if user is not None and not user["active"]:
            return "inactive"
        if not self.store.in_window(owed.user_id, hours, self.clock.now()):
            self.store.owe(owed.user_id, owed.kind, owed.period, owed.text, owed.expires_on)
            return "outside"
        try:
            await self.send(owed.user_id, owed.text)
            return "sent"
        except ZaloOaError as error:
            if error.code == OUTSIDE_WINDOW:
                self.store.owe(owed.user_id, owed.kind, owed.period, owed.text, owed.expires_on)
                return "outside"
            logger.warning("Zalo OA: broadcast to %s failed: %s", owed.user_id, error)
            return "failed"
        except (ZaloTokenError, httpx.HTTPError) as error:
            logger.warning("Zalo OA: broadcast to %s failed: %s", owed.user_id, error)
            return "failed"

    async def _catch_up(self, user_id: str) -> None:
        """A user who just wrote is inside the window again: what they are owed goes out now."""
        for row in self.store.owed(user_id, self.clock.today().isoformat()):
            if await self._try_send(user_id, row["text"]):
                self.store.settle(row, "sent")  # otherwise still owed, tried when they write again


def build_channel(settings: Settings, congvan: Congvan, conversation: Conversation | None = None,
                  clock: Clock | None = None) -> ZaloOaChannel:
    return ZaloOaChannel(settings, conversation or AnswerConversation(congvan), congvan.store.home, clock=clock)


async def serve(settings: Settings, congvan: Congvan) -> None:
    """Run the webhook server until cancelled (Ctrl-C)."""
    channel = build_channel(settings, congvan)
    await channel.start()
    asyncio.get_running_loop().run_in_executor(None, congvan.warm_up)
    try:
        await asyncio.Event().wait()
    finally:
        await channel.stop()
