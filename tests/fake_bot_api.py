"""A local stand-in for Telegram's Bot API, so tests run the real python-telegram-bot Application.

An aiohttp server on 127.0.0.1 answers the methods the bot uses, queues updates for getUpdates
(long polling), serves files for getFile downloads and records every call. It can answer a chat's
next messages with 429 Too Many Requests (retry_after), answer 403 for a chat that blocked the bot,
and hold a request open (to stop the bot in the middle of a broadcast).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field

from aiohttp import web

JSON_FIELDS = {"reply_markup", "entities", "allowed_updates", "commands", "reply_parameters",
               "link_preview_options", "caption_entities"}


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)
    status: int = 200  # 0: held open, never answered
    result: object = None


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST-token", username: str = "congvan_test_bot"):
        self.token = token
        self.bot = {"id": 123456, "is_bot": True, "first_name": "Công văn", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.blocked: set[int] = set()
        self.rate_limits: dict[int, list[int]] = {}  # chat id -> retry_after of its next 429 answers
        self.held: dict[int, asyncio.Event] = {}  # chat id -> released when set
        self.holding: set[int] = set()
        self.chat_types: dict[int, str] = {}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server ----------------------------------------------------------------------------

    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for event in self.held.values():
            event.set()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        data = self.files.get(request.match_info["path"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        chat_id = params.get("chat_id")
        if method in ("sendMessage", "sendDocument") and chat_id in self.held:
            self.holding.add(chat_id)
            call.status = 0
            await self._record(call)
            await self.held[chat_id].wait()
            return _error(504, "Gateway Timeout: held by the test")  # never reached in the restart test
        if method in ("sendMessage", "sendDocument") and chat_id in self.blocked:
            call.status = 403
            await self._record(call)
            return _error(403, "Forbidden: bot was blocked by the user")
        if method in ("sendMessage", "sendDocument") and self.rate_limits.get(chat_id):
            retry_after = self.rate_limits[chat_id].pop(0)
            call.status = 429
            await self._record(call)
            return _error(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        handler = getattr(self, f"_{method}", None)
        call.result = handler(params) if handler else True
        await self._record(call)
        return _ok(call.result)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return list(self._updates)

    # -- method results --------------------------------------------------------------------

    def _getMe(self, params):
        return self.bot

    def _sendMessage(self, params):
        return self._message(params, text=params.get("text", ""))

    def _editMessageText(self, params):
        return self._message(params, text=params.get("text", ""), message_id=int(params["message_id"]))

    def _sendDocument(self, params):
        upload = params.get("document")
        document = {"file_id": f"sent-{next(self._message_ids)}", "file_unique_id": "u",
                    "file_name": getattr(upload, "filename", "file"), "file_size": len(getattr(upload, "data", b""))}
        return self._message(params, document=document, caption=params.get("caption", ""))

    def _getFile(self, params):
        file_id = params["file_id"]
        path = f"documents/{file_id}"
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files.get(path, b"")),
                "file_path": path}

    def _message(self, params, message_id: int | None = None, **content) -> dict:
        chat_id = params["chat_id"]
        message = {"message_id": message_id or next(self._message_ids), "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot, **content}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _chat(self, chat_id: int) -> dict:
        kind = self.chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        chat = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"Cô {chat_id}"
        else:
            chat["title"] = f"Nhóm {chat_id}"
        return chat

    # -- updates the tests send ------------------------------------------------------------

    async def _push(self, update: dict) -> dict:
        async with self._changed:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"Cô {user_id}", "language_code": "vi"}

    async def send_text(self, chat_id: int, text: str, user_id: int | None = None,
                        chat_type: str | None = None) -> dict:
        if chat_type:
            self.chat_types[chat_id] = chat_type
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": self.user(user_id or chat_id), "text": text}
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        return await self._push({"message": message})

    async def send_document(self, chat_id: int, file_name: str, data: bytes, user_id: int | None = None) -> dict:
        file_id = f"file-{next(self._message_ids)}"
        self.files[f"documents/{file_id}"] = data
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": self.user(user_id or chat_id),
                   "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                                "file_size": len(data)}}
        return await self._push({"message": message})

    async def block_bot(self, chat_id: int) -> dict:
        """The user blocks the bot: later messages get 403, and the bot is told at once."""
        self.blocked.add(chat_id)
        return await self._push({"my_chat_member": {
            "chat": self._chat(chat_id), "from": self.user(chat_id), "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.bot},
            "new_chat_member": {"status": "kicked", "user": self.bot, "until_date": 0}}})

    async def press(self, sent: dict, data: str, user_id: int | None = None) -> dict:
        """Press an inline button under a message the bot sent (an item of `sent()`)."""
        bot_message = sent["_message"]
        chat_id = bot_message["chat"]["id"]
        return await self._push({"callback_query": {
            "id": f"cq-{next(self._message_ids)}", "from": self.user(user_id or chat_id),
            "chat_instance": f"ci-{chat_id}", "data": data, "message": bot_message}})

    # -- what the bot did ------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str = "sendMessage", status: int = 200) -> list[dict]:
        """Parameters of the bot's calls, each with "_message": the message object it got back."""
        return [{**c.params, "_message": c.result} for c in self.calls if c.method == method
                and c.status == status and (chat_id is None or c.params.get("chat_id") == chat_id)]

    async def wait_for(self, predicate, timeout: float = 20.0) -> list[Call]:
        """Wait until predicate(calls) is true; returns the calls."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls: {[(c.method, c.params) for c in self.calls][-8:]}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass
        return self.calls

    async def wait_messages(self, chat_id: int, count: int, after: int = 0, timeout: float = 20.0) -> list[dict]:
        """The chat's successful sendMessage calls, once at least `count` arrived after index `after`."""
        await self.wait_for(lambda calls: len(self.sent(chat_id)) >= after + count, timeout)
        return self.sent(chat_id)[after:]


async def _params(request: web.Request) -> dict:
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(await request.post()) if request.can_read_body else {}
        raw.update(request.query)
    params = {}
    for key, value in raw.items():
        if isinstance(value, web.FileField):
            value = _Upload(value.filename, value.file.read())
        elif key in JSON_FIELDS and isinstance(value, str):
            value = json.loads(value)
        elif key in ("chat_id", "message_id", "offset", "user_id") and isinstance(value, str) \
                and re.fullmatch(r"-?\d+", value):
            value = int(value)
        params[key] = value
    return params


@dataclass
class _Upload:
    filename: str
    data: bytes


def _entities(text: str) -> list[dict]:
    entities = []
    command = re.match(r"/\w+(@\w+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command.group(0))})
    for mention in re.finditer(r"@\w+", text):
        if command and mention.start() < command.end():
            continue
        entities.append({"type": "mention", "offset": _utf16(text[:mention.start()]),
                         "length": _utf16(mention.group(0))})
    return entities


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict | None = None) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
