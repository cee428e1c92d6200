"""Local stand-ins for Zalo's servers, over real HTTP on 127.0.0.1 (aiohttp), so the Zalo channels
run their real HTTP clients and webhook servers in tests.

FakeZaloOa plays three hosts on one port: the OA API (consultation messages, which answers
errors as HTTP 200 with a non-zero `error`, like Zalo), the OAuth server (a refresh spends the
refresh token and issues a new pair) and a file host for attachments. It also plays Zalo's side
of the webhook: signed events POSTed to the channel.

FakeZaloBot plays the Zalo Bot API: getUpdates hands out one queued update per call (no offset),
or, once a webhook is set, updates are POSTed to it with X-Bot-Api-Secret-Token.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
import unicodedata
from collections.abc import Callable

import aiohttp
from aiohttp import web


async def _serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def _wait(condition: Callable[[], object], timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class FakeZaloOa:
    APP_ID = "4318001122334455"
    APP_SECRET = "app-secret-XYZ"
    OA_SECRET = "oa-secret-key-123"

    def __init__(self):
        self.access_tokens: dict[str, float] = {"access-0": time.time() + 90000}  # token -> expiry
        self.refresh_tokens: set[str] = {"refresh-0"}
        self.spent: set[str] = set()
        self.silent: set[str] = set()  # users who wrote over 7 days ago: -230
        self.sent: list[dict] = []  # {"user_id", "text", "token"}
        self.refusals: list[dict] = []  # sends answered with an error
        self.refresh_calls: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.hold_refresh: asyncio.Event | None = None  # set: refreshes wait before being processed
        self.refresh_arrived = asyncio.Event()
        self._counter = itertools.count(1)
        self._timestamps = itertools.count(int(time.time() * 1000))
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> FakeZaloOa:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._refresh)
        app.router.add_get("/files/{name}", self._file)
        self._runner, self.port = await _serve(app)
        return self

    async def stop(self) -> None:
        if self.hold_refresh:
            self.hold_refresh.set()
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expire(self, token: str) -> None:
        self.access_tokens[token] = time.time() - 1

    # -- the OA API ------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        body = await request.json()
        user_id, text = body["recipient"]["user_id"], body["message"]["text"]
        error = None
        if token not in self.access_tokens:
            error = (-216, "Access token is invalid")
        elif self.access_tokens[token] < time.time():
            error = (-220, "Access token has expired")
        elif user_id in self.silent:
            error = (-230, "User has not interacted with the OA in the last 7 days")
        elif len(unicodedata.normalize("NFC", text)) > 2000:
            error = (-201, "Message text is longer than 2000 characters")
        if error:
            self.refusals.append({"user_id": user_id, "error": error[0], "token": token})
            return web.json_response({"error": error[0], "message": error[1]})
        self.sent.append({"user_id": user_id, "text": text, "token": token})
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"m{next(self._counter)}", "user_id": user_id}})

    async def _refresh(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.refresh_calls.append({"refresh_token": form.get("refresh_token"), "app_id": form.get("app_id")})
        self.refresh_arrived.set()
        if self.hold_refresh is not None:
            await self.hold_refresh.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the client died before Zalo served it: nothing spent
        token = form.get("refresh_token", "")
        if (request.headers.get("secret_key") != self.APP_SECRET or form.get("app_id") != self.APP_ID
                or form.get("grant_type") != "refresh_token"):
            return web.json_response({"error": -14002, "error_name": "Invalid app", "error_description": "bad app"})
        if token not in self.refresh_tokens:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token",
                                      "error_description": "Refresh token is invalid"})
        self.refresh_tokens.discard(token)  # single use
        self.spent.add(token)
        n = next(self._counter)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access_tokens[access] = time.time() + 90000
        self.refresh_tokens.add(refresh)
        return web.json_response({"access_token": access, "refresh_token": refresh, "expires_in": "90000"})

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name])

    # -- Zalo's side of the webhook --------------------------------------------------------

    def event(self, name: str, user_id: str, **message) -> dict:
        event = {"app_id": self.APP_ID, "event_name": name, "timestamp": str(next(self._timestamps)),
                 "sender": {"id": user_id}, "recipient": {"id": "2910000000000000001"}, "user_id_by_app": user_id}
        if name in ("follow", "unfollow"):
            event["follower"] = event.pop("sender")
        if message:
            event["message"] = message
        return event

    def text_event(self, user_id: str, text: str, msg_id: str | None = None) -> dict:
        return self.event("user_send_text", user_id, msg_id=msg_id or f"msg{next(self._counter)}", text=text)

    def file_event(self, user_id: str, name: str, data: bytes) -> dict:
        self.files[name] = data
        return self.event("user_send_file", user_id, msg_id=f"msg{next(self._counter)}", attachments=[{
            "type": "file", "payload": {"url": f"{self.url}/files/{name}", "name": name, "size": str(len(data)),
                                        "type": name.rsplit(".", 1)[-1]}}])

    def sign(self, body: bytes, event: dict, secret: str | None = None) -> str:
        raw = self.APP_ID.encode() + body + event["timestamp"].encode() + (secret or self.OA_SECRET).encode()
        return "mac=" + hashlib.sha256(raw).hexdigest()

    async def deliver(self, webhook_url: str, event: dict, signature: str | None = "good") -> int:
        """POST an event as Zalo does; `signature`: "good", None (no header) or a header to send."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-ZEvent-Signature"] = self.sign(body, event)
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            async with session.post(webhook_url, data=body, headers=headers) as response:
                self.last_delivery_seconds = time.monotonic() - started
                return response.status

    def messages(self, user_id: str) -> list[str]:
        return [m["text"] for m in self.sent if m["user_id"] == user_id]

    async def wait_messages(self, user_id: str, count: int, after: int = 0, timeout: float = 60) -> list[str]:
        await _wait(lambda: len(self.messages(user_id)) >= after + count, timeout,
                    f"{count} message(s) to {user_id} after {after}")
        return self.messages(user_id)[after:]


class FakeZaloBot:
    def __init__(self, token: str = "1122334455:zalo-bot-test-token"):
        self.token = token
        self.updates: asyncio.Queue[dict] = asyncio.Queue()
        self.calls: list[tuple[str, dict]] = []
        self.webhook: dict | None = None
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> FakeZaloBot:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        self._runner, self.port = await _serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.match_info["method"]
        params = await request.json() if request.can_read_body else {}
        self.calls.append((method, params))
        if method == "getMe":
            return self._ok({"id": "7001", "account_name": "bot.congvan", "account_type": "BASIC",
                              "can_join_groups": False})
        if method == "getUpdates":
            if self.webhook:
                return web.json_response({"ok": False, "error_code": 409, "description": "Webhook is active"})
            try:
                update = await asyncio.wait_for(self.updates.get(), float(params.get("timeout", 30)))
            except TimeoutError:
                return web.json_response({"ok": False, "error_code": 408, "description": "Request timeout"})
            return self._ok(update)
        if method == "setWebhook":
            self.webhook = {"url": params["url"], "secret_token": params["secret_token"]}
            return self._ok({"url": params["url"], "updated_at": int(time.time() * 1000)})
        if method == "deleteWebhook":
            self.webhook = None
            return self._ok({"url": "", "updated_at": int(time.time() * 1000)})
        if method == "sendMessage":
            if len(unicodedata.normalize("NFC", params.get("text", ""))) > 2000:
                return web.json_response({"ok": False, "error_code": 400, "description": "text too long"})
            return self._ok({"message_id": f"b{next(self._ids)}", "date": int(time.time() * 1000)})
        if method == "sendChatAction":
            return self._ok(True)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not found"})

    @staticmethod
    def _ok(result) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def update(self, chat_id: str, text: str, message_id: str | None = None) -> dict:
        return {"event_name": "message.text.received", "message": {
            "message_id": message_id or f"u{next(self._ids)}", "date": int(time.time() * 1000), "text": text,
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "from": {"id": chat_id, "display_name": "Cô Lan", "is_bot": False}}}

    async def push(self, update: dict, secret: str | None = None) -> int:
        """Queue an update for getUpdates, or POST it to the webhook (with `secret` if given,
        else the one set). Returns the webhook's HTTP status (200 when queued)."""
        if not self.webhook:
            await self.updates.put(update)
            return 200
        headers = {"X-Bot-Api-Secret-Token": self.webhook["secret_token"] if secret is None else secret}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook["url"], json=update, headers=headers) as response:
                return response.status

    def messages(self, chat_id: str) -> list[str]:
        return [p["text"] for m, p in self.calls if m == "sendMessage" and p.get("chat_id") == chat_id]

    async def wait_messages(self, chat_id: str, count: int, after: int = 0, timeout: float = 60) -> list[str]:
        await _wait(lambda: len(self.messages(chat_id)) >= after + count, timeout,
                    f"{count} message(s) to {chat_id} after {after}")
        return self.messages(chat_id)[after:]
